"""Hardware emulator, quantization and the state-space exploration tracker."""

from __future__ import annotations

import numpy as np
import pytest

from desync_learning.hardware import HardwareLearner, HardwareParameters, quantize
from desync_learning.measures import ExplorationTracker
from desync_learning.networks import laboratory_network
from desync_learning.randomness import run_seed
from desync_learning.rules import clamp_targets, discrete_direction
from desync_learning.schedules import make_schedule
from desync_learning.solver import Circuit
from desync_learning.tasks import regression_task
from desync_learning.training import DiscreteLearner, train

# ---------------------------------------------------------------------------
# Quantization


def test_quantize_rounds_to_codes():
    # 2 bits on [0, 3] V: codes 0, 1, 2, 3 V.
    voltages = np.array([0.0, 0.4, 0.6, 1.4, 1.6, 2.9, 3.0])
    np.testing.assert_array_equal(quantize(voltages, 2, 3.0), [0, 0, 1, 1, 2, 3, 3])


def test_quantize_clips_to_range():
    np.testing.assert_array_equal(quantize(np.array([-0.7, 5.0]), 2, 3.0), [0.0, 3.0])


def test_quantize_step_size():
    # 8 bits on [0, 1] V: step 1/255 V, so every output is a whole number of steps.
    voltages = np.random.default_rng(0).uniform(0, 1, 1000)
    codes = quantize(voltages, 8, 1.0) * 255
    np.testing.assert_allclose(codes, np.round(codes), atol=1e-9)
    assert np.abs(quantize(voltages, 8, 1.0) - voltages).max() <= 0.5 / 255 + 1e-15


def test_quantize_zero_bits_ideal():
    voltages = np.array([-0.3, 0.123456789, 7.0])
    np.testing.assert_array_equal(quantize(voltages, 0, 1.0), voltages)


# ---------------------------------------------------------------------------
# Parameters


def test_ideal_parameters():
    ideal = HardwareParameters.ideal(levels=64)
    assert ideal.levels == 64
    for name in ("twin_mismatch", "comparator_offset", "comparator_noise", "dac_noise", "adc_noise"):
        assert getattr(ideal, name) == 0.0
    assert ideal.dac_bits == 0
    assert ideal.adc_bits == 0


def test_mismatch_rejected():
    with pytest.raises(ValueError, match=r"twin_mismatch must lie in \[0, 0\.2\), got 0\.3"):
        HardwareParameters(twin_mismatch=0.3)


def test_noise_negative_rejected():
    with pytest.raises(ValueError, match=r"comparator_noise must lie in \[0\.0, inf\], got -0\.001"):
        HardwareParameters(comparator_noise=-0.001)


def test_positions_out_of_range():
    with pytest.raises(ValueError, match=r"initial positions span 0\.\.128, outside 0\.\.127"):
        HardwareLearner(HardwareParameters(), 0.5, np.array([[0, 128]]))


def test_nudge_rejected():
    with pytest.raises(ValueError, match=r"nudge must lie in \(0\.0, 1\.0\], got 1\.2"):
        HardwareLearner(HardwareParameters(), 1.2, np.zeros((1, 4), dtype=int))


# ---------------------------------------------------------------------------
# Learning on the emulated hardware


def lab_setup(n_runs=1, n_train=6, seed=0):
    network = laboratory_network()
    circuit = Circuit(network, replicas=n_runs)
    tasks = [regression_task(2, 2, n_train, 3, seed + r) for r in range(n_runs)]
    run_seeds = [run_seed(5, "hardware-test", r) for r in range(n_runs)]
    return network, circuit, tasks, run_seeds


def one_step_moves(start_position):
    """Run one ideal hardware update with every edge at ``start_position``.

    Returns the new positions and the ideal sign rule's directions.
    """
    network, circuit, tasks, run_seeds = lab_setup()
    params = HardwareParameters.ideal()
    positions = np.full((1, network.n_edges), start_position)
    learner = HardwareLearner(params, 0.5, positions)
    learner.start(circuit, run_seeds, batch_size=1)
    inputs = tasks[0].train_inputs[None, :1]
    desired = tasks[0].train_desired[None, :1]
    imposed = learner.extra_inputs(inputs)
    states = circuit.solve(learner.conductances(), imposed)
    free = states.voltages
    mask = np.ones((1, network.n_edges), dtype=bool)
    learner.apply(learner.propose(circuit, states, None, desired, imposed), mask)

    clamp = clamp_targets(free[:, :, circuit.target_slice], desired, 0.5)
    clamped = circuit.solve_fixed_targets(learner.ideal_conductances(), imposed, clamp)
    direction = discrete_direction(circuit.voltage_drops(free), circuit.voltage_drops(clamped))
    return learner.positions, direction


def test_saturates_at_zero():
    positions, direction = one_step_moves(0)
    assert (direction == -1).any()
    assert (direction == 1).any()
    np.testing.assert_array_equal(positions, np.where(direction == 1, 1, 0))


def test_saturates_at_top():
    positions, direction = one_step_moves(127)
    assert (direction == -1).any()
    assert (direction == 1).any()
    np.testing.assert_array_equal(positions, np.where(direction == -1, 126, 127))


def run_pair(schedule_name, n_runs=3, steps=60, batch_size=2, **schedule_args):
    network, circuit, tasks, run_seeds = lab_setup(n_runs)
    start = np.random.default_rng(1).integers(20, 100, size=(n_runs, network.n_edges))
    hardware = HardwareLearner(HardwareParameters.ideal(), 0.5, start)
    discrete = DiscreteLearner(start, 128, 1.0, 10.0, 0.5)
    results = []
    for learner in (hardware, discrete):
        schedule = make_schedule(schedule_name, **schedule_args)
        results.append(train(circuit, tasks, learner, schedule, steps=steps, batch_size=batch_size,
                             seeds=run_seeds, record_every=10))
    return (hardware, discrete), results


@pytest.mark.parametrize("schedule_name, args", [("synchronous", {}),
                                                  ("bernoulli", {"update_probability": 0.4})])
def test_ideal_matches_discrete(schedule_name, args):
    (hardware, discrete), (hw_run, ideal_run) = run_pair(schedule_name, **args)
    np.testing.assert_array_equal(hw_run.error, ideal_run.error)
    np.testing.assert_array_equal(hardware.positions, discrete.positions)
    np.testing.assert_array_equal(hw_run.conductances, ideal_run.conductances)
    for key in ("distinct_states", "parity_classes", "moves"):
        np.testing.assert_array_equal(hw_run.exploration[key], ideal_run.exploration[key])
    assert (hw_run.exploration["moves"] > 0).all()


def test_noisy_differs_from_ideal():
    # The imperfections must change the trajectory, or the comparison above
    # would hold trivially.
    network, circuit, tasks, run_seeds = lab_setup(2)
    start = np.full((2, network.n_edges), 60)
    runs = []
    for params in (HardwareParameters(), HardwareParameters.ideal()):
        learner = HardwareLearner(params, 0.5, start)
        runs.append(train(circuit, tasks, learner, make_schedule("synchronous"), steps=30,
                          batch_size=1, seeds=run_seeds))
    assert not np.array_equal(runs[0].error, runs[1].error)


# ---------------------------------------------------------------------------
# Exploration tracker


def test_synchronous_parity_two_classes():
    # Three edges from position 5, all moving every step without reaching a
    # bound. After t steps every edge has moved t times, so all differences
    # from the start share the parity of t: classes (0,0,0) and (1,1,1).
    moves = np.array([[1, 1, -1], [-1, 1, -1], [-1, -1, 1], [1, 1, 1], [1, -1, -1], [-1, 1, 1]])
    positions = np.full((1, 3), 5)
    tracker = ExplorationTracker(positions)
    visited = {tuple(positions[0])}
    for move in moves:
        positions = positions + move
        tracker.observe(positions, move[None].astype(np.int8))
        visited.add(tuple(positions[0]))
    summary = tracker.summary()
    assert summary["parity_classes"][0] == 2
    assert summary["distinct_states"][0] == len(visited)
    assert summary["moves"][0] == 18


def test_desynchronous_parity_classes():
    # Moving one edge at a time from (0, 0, 0): differences (1,0,0),
    # (1,1,0), (1,1,1), then edge 0 back to (0,1,1): five parity classes.
    moves = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [-1, 0, 0]])
    positions = np.zeros((1, 3), dtype=np.int16)
    tracker = ExplorationTracker(positions)
    for move in moves:
        positions = positions + move
        tracker.observe(positions, move[None].astype(np.int8))
    assert tracker.summary()["parity_classes"][0] == 5


def test_flip_back_counted():
    # One edge moves +1, -1, -1, 0, +1, +1 from position 10 beside an idle
    # edge. Steps 2, 3, 5 and 6 follow an earlier move (4 repeats), and of
    # these steps 2 and 5 reverse it, so the flip-back fraction is 2/4.
    # The positions 10, 11, 10, 9, 9, 10, 11 are 3 distinct states, and
    # their differences from the start have 2 parities.
    sequence = [1, -1, -1, 0, 1, 1]
    positions = np.array([[10, 4]], dtype=np.int16)
    tracker = ExplorationTracker(positions)
    for step in sequence:
        move = np.array([[step, 0]], dtype=np.int8)
        positions = positions + move
        tracker.observe(positions, move)
    summary = tracker.summary()
    assert summary["moves"][0] == 5
    assert summary["flip_back_fraction"][0] == 0.5
    assert summary["distinct_states"][0] == 3
    assert summary["parity_classes"][0] == 2


def test_flip_back_undefined_without_repeats():
    tracker = ExplorationTracker(np.zeros((1, 2), dtype=np.int16))
    tracker.observe(np.array([[1, 0]]), np.array([[1, 0]], dtype=np.int8))
    assert np.isnan(tracker.summary()["flip_back_fraction"][0])


def test_synchronous_training_parity():
    # From mid-range no edge can reach a bound within 40 steps of ±1, so the
    # synchronous sign rule visits at most 2 parity classes. Desynchronous
    # updates visit more.
    network, circuit, tasks, run_seeds = lab_setup(2)
    start = np.full((2, network.n_edges), 64)
    results = {}
    for name, args in (("synchronous", {}), ("bernoulli", {"update_probability": 0.5})):
        learner = DiscreteLearner(start, 128, 1.0, 10.0, 0.5)
        results[name] = train(circuit, tasks, learner, make_schedule(name, **args), steps=40,
                              batch_size=1, seeds=run_seeds).exploration
    assert (results["synchronous"]["parity_classes"] <= 2).all()
    assert (results["bernoulli"]["parity_classes"] > 2).all()


def test_tracker_matches_sets():
    # Random ±1 walks with saturation, counted once by the tracker and once
    # with plain Python sets of tuples.
    rng = np.random.default_rng(4)
    positions = rng.integers(0, 4, size=(3, 6))
    tracker = ExplorationTracker(positions)
    start = positions.copy()
    states = [{tuple(row)} for row in positions]
    parities = [{tuple(row * 0)} for row in positions]
    for _ in range(200):
        moves = rng.integers(-1, 2, size=positions.shape)
        new = np.clip(positions + moves, 0, 3)
        tracker.observe(new, (new - positions).astype(np.int8))
        positions = new
        for r in range(3):
            states[r].add(tuple(positions[r]))
            parities[r].add(tuple((positions[r] - start[r]) % 2))
    summary = tracker.summary()
    np.testing.assert_array_equal(summary["distinct_states"], [len(s) for s in states])
    np.testing.assert_array_equal(summary["parity_classes"], [len(p) for p in parities])
