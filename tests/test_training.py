"""Training loop: reference runs, determinism across stacks and argument checks."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import random_network
from desync_learning.hardware import HardwareLearner, HardwareParameters
from desync_learning.randomness import run_seed
from desync_learning.schedules import make_schedule
from desync_learning.solver import Circuit, solve_network
from desync_learning.tasks import regression_task
from desync_learning.training import ContinuousLearner, DiscreteLearner, train

N_NODES, N_SOURCES, N_TARGETS = 18, 2, 2


def networks(n_runs):
    # Different topologies with equal sizes: pruning fixes E = ceil(3 N / 2).
    return [random_network(100 + r, N_NODES, N_SOURCES, N_TARGETS, 1) for r in range(n_runs)]


def tasks(n_runs, n_train=8, n_targets=N_TARGETS):
    return [regression_task(N_SOURCES, n_targets, n_train, 4, seed=200 + r) for r in range(n_runs)]


def seeds(n_runs):
    return [run_seed(3, "training-test", r) for r in range(n_runs)]


def continuous(n_runs, n_edges, learning_rate=0.5, nudge=0.1):
    start = np.random.default_rng(9).uniform(0.5, 1.5, size=(3, n_edges))[:n_runs]
    return ContinuousLearner(start, learning_rate, nudge, k_min=0.01, k_max=10.0)


def hardware(n_runs, n_edges):
    start = np.random.default_rng(9).integers(30, 90, size=(3, n_edges))[:n_runs]
    return HardwareLearner(HardwareParameters(), 0.5, start)


# ---------------------------------------------------------------------------
# Determinism


@pytest.mark.parametrize("make_learner", [continuous, hardware], ids=["continuous", "hardware"])
@pytest.mark.parametrize("schedule_name, args", [("bernoulli", {"update_probability": 0.5}),
                                                  ("clock", {"update_probability": 0.5})])
@pytest.mark.parametrize("n_train, batch_size", [(8, 3), (20, 20)], ids=["minibatch", "full"])
def test_run_alone_or_stacked(make_learner, schedule_name, args, n_train, batch_size):
    # Run 0 trained alone and in a stack of three runs with other networks
    # and tasks gives bit-identical results. Batches of 3 of 8 points
    # exercise the batch sampler's random stream. Full batches of 20 points
    # are long enough that NumPy's summation order could depend on layout.
    results = []
    for n_runs in (1, 3):
        circuit = Circuit(networks(n_runs))
        learner = make_learner(n_runs, circuit.n_edges)
        schedule = make_schedule(schedule_name, **args)
        results.append(train(circuit, tasks(n_runs, n_train), learner, schedule, steps=70,
                             batch_size=batch_size, seeds=seeds(n_runs), record_every=7,
                             raster_steps=10))
    alone, stacked = results
    np.testing.assert_array_equal(alone.error[0], stacked.error[0])
    np.testing.assert_array_equal(alone.test_error[0], stacked.test_error[0])
    np.testing.assert_array_equal(alone.conductances[0], stacked.conductances[0])
    np.testing.assert_array_equal(alone.cosine_similarity[0], stacked.cosine_similarity[0])
    np.testing.assert_array_equal(alone.updates_per_step[0], stacked.updates_per_step[0])
    np.testing.assert_array_equal(alone.raster[0], stacked.raster[0])
    assert alone.distance_travelled[0] == stacked.distance_travelled[0]
    for key, values in alone.exploration.items():
        np.testing.assert_array_equal(values[0], stacked.exploration[key][0], err_msg=key)
    # The other runs really differ, so the comparison is not trivial.
    assert not np.array_equal(stacked.error[0], stacked.error[1])


# ---------------------------------------------------------------------------
# Reference runs


def test_bernoulli_one_equals_synchronous():
    runs = []
    for name, args in (("synchronous", {}), ("bernoulli", {"update_probability": 1.0})):
        circuit = Circuit(networks(2))
        runs.append(train(circuit, tasks(2), continuous(2, circuit.n_edges), make_schedule(name, **args),
                          steps=40, batch_size=3, seeds=seeds(2), record_every=5))
    synchronous, bernoulli = runs
    np.testing.assert_array_equal(bernoulli.error, synchronous.error)
    np.testing.assert_array_equal(bernoulli.conductances, synchronous.conductances)
    np.testing.assert_array_equal(bernoulli.updates_per_step, synchronous.updates_per_step)


def test_full_batch_by_hand():
    # Batch size M uses every point at every step. The loop below redoes the
    # synchronous full-batch rule from Kirchhoff solves of each state:
    # k += (α/η) <ΔV_F² - ΔV_C²>, clipped to [k_min, k_max].
    n_runs, steps, alpha, eta, k_min, k_max = 2, 25, 0.5, 0.1, 0.01, 10.0
    nets = networks(n_runs)
    circuit = Circuit(nets)
    data = tasks(n_runs)
    learner = continuous(n_runs, circuit.n_edges, alpha, eta)
    k = learner.k.copy()
    result = train(circuit, data, learner, make_schedule("synchronous"), steps=steps, batch_size=8,
                   seeds=seeds(n_runs))

    for r, (network, task) in enumerate(zip(nets, data)):
        single = Circuit(network)
        k_run = k[r].copy()
        i, j = network.edges.T
        for t in range(steps + 1):
            free = solve_network(network, k_run, task.train_inputs)
            outputs = free[:, network.targets]
            error = 0.5 * ((outputs - task.train_desired) ** 2).sum(axis=1).mean()
            np.testing.assert_allclose(result.error[r, t], error, rtol=1e-9)
            if t == steps:
                break
            clamp = (1 - eta) * outputs + eta * task.train_desired
            clamped = single.node_voltages(
                single.solve_fixed_targets(k_run, task.train_inputs, clamp[None]))[0]
            free_drops = free[:, i] - free[:, j]
            clamped_drops = clamped[:, i] - clamped[:, j]
            step = (alpha / eta) * (free_drops**2 - clamped_drops**2).mean(axis=0)
            k_run = np.clip(k_run + step, k_min, k_max)
        np.testing.assert_allclose(learner.k[r], k_run, rtol=1e-9)


def test_full_batch_cosine_one():
    # The synchronous full-batch update is its own reference.
    circuit = Circuit(networks(2))
    result = train(circuit, tasks(2), continuous(2, circuit.n_edges), make_schedule("synchronous"),
                   steps=20, batch_size=8, seeds=seeds(2), record_every=5)
    np.testing.assert_allclose(result.cosine_similarity[:, :-1], 1.0, rtol=1e-12)
    assert np.isnan(result.cosine_similarity[:, -1]).all()


def test_minibatch_cosine_below_one():
    circuit = Circuit(networks(2))
    result = train(circuit, tasks(2), continuous(2, circuit.n_edges), make_schedule("synchronous"),
                   steps=20, batch_size=2, seeds=seeds(2), record_every=5)
    assert (result.cosine_similarity[:, :-1] < 0.999).all()


def test_error_decreases_small_rate():
    # One target and a small nudge make the rule gradient descent on C, up
    # to a positive factor. A small rate then lowers C at every step.
    circuit = Circuit([random_network(100 + r, N_NODES, N_SOURCES, 1, 1) for r in range(2)])
    result = train(circuit, tasks(2, n_targets=1), continuous(2, circuit.n_edges, 0.05, 1e-3),
                   make_schedule("synchronous"), steps=60, batch_size=8, seeds=seeds(2))
    assert (np.diff(result.error, axis=1) < 0).all()


def test_trajectory_records():
    circuit = Circuit(networks(2))
    result = train(circuit, tasks(2), continuous(2, circuit.n_edges),
                   make_schedule("fixed_count", update_probability=0.25), steps=23, batch_size=4,
                   seeds=seeds(2), record_every=10, raster_steps=5)
    np.testing.assert_array_equal(result.record_steps, [0, 10, 20, 23])
    assert result.error.shape == (2, 24)
    assert result.conductances.shape == (2, 4, circuit.n_edges)
    # round(0.25 E) = 7 edges every step, with E = 27 here.
    assert circuit.n_edges == 27
    np.testing.assert_array_equal(result.updates_per_step, 7)
    assert result.raster.shape == (2, 5, circuit.n_edges)
    np.testing.assert_array_equal(result.raster.sum(axis=2), 7)
    assert np.isfinite(result.test_error).all()
    assert np.isnan(result.accuracy).all()  # regression has no classes


def test_discrete_learner_moves():
    # Each step moves every masked edge by exactly one position unless it
    # sits at a bound, so the number of moves equals the masked count here.
    circuit = Circuit(networks(1))
    start = np.full((1, circuit.n_edges), 64)
    learner = DiscreteLearner(start, 128, 1.0, 10.0, 0.5)
    result = train(circuit, tasks(1), learner, make_schedule("bernoulli", update_probability=0.3),
                   steps=30, batch_size=8, seeds=seeds(1))
    assert result.exploration["moves"][0] == result.updates_per_step.sum()
    assert np.abs(learner.positions - 64).max() <= 30


# ---------------------------------------------------------------------------
# Argument checks


@pytest.mark.parametrize("size", [0, 9])
def test_batch_size_rejected(size):
    circuit = Circuit(networks(1))
    with pytest.raises(ValueError, match=rf"batch_size must be an integer in \[1, 8\], got {size}"):
        train(circuit, tasks(1), continuous(1, circuit.n_edges), make_schedule("synchronous"),
              steps=5, batch_size=size, seeds=seeds(1))


def test_run_count_rejected():
    circuit = Circuit(networks(2))
    with pytest.raises(ValueError, match="circuit has 2 replicas but 1 tasks and 2 seeds"):
        train(circuit, tasks(1), continuous(2, circuit.n_edges), make_schedule("synchronous"),
              steps=5, batch_size=1, seeds=seeds(2))


def test_task_size_rejected():
    circuit = Circuit(networks(1))
    with pytest.raises(ValueError, match="task has 2 inputs and 1 outputs but the network has 2 sources"):
        train(circuit, tasks(1, n_targets=1), continuous(1, circuit.n_edges),
              make_schedule("synchronous"), steps=5, batch_size=1, seeds=seeds(1))


def test_steps_rejected():
    circuit = Circuit(networks(1))
    with pytest.raises(ValueError, match=r"steps must be an integer in \[1, inf\], got 0"):
        train(circuit, tasks(1), continuous(1, circuit.n_edges), make_schedule("synchronous"),
              steps=0, batch_size=1, seeds=seeds(1))


@pytest.mark.parametrize("k_min, k_max", [(1.0, 1.0), (2.0, 0.5)])
def test_conductance_bounds_rejected(k_min, k_max):
    with pytest.raises(ValueError, match=rf"k_min={k_min!r} must be smaller than k_max={k_max!r}"):
        ContinuousLearner(np.ones((1, 3)), 0.1, 0.1, k_min, k_max)


@pytest.mark.parametrize("nudge, shown", [(0, r"0\.0"), (1.2, r"1\.2")])
def test_learner_nudge_rejected(nudge, shown):
    with pytest.raises(ValueError, match=rf"nudge must lie in \(0\.0, 1\.0\], got {shown}"):
        ContinuousLearner(np.ones((1, 3)), 0.1, nudge, 0.01, 10.0)
    with pytest.raises(ValueError, match=rf"nudge must lie in \(0\.0, 1\.0\], got {shown}"):
        DiscreteLearner(np.ones((1, 3), dtype=int), 128, 1.0, 10.0, nudge)


def test_learning_rate_rejected():
    with pytest.raises(ValueError, match=r"learning_rate must lie in \(0\.0, inf\], got -0\.1"):
        ContinuousLearner(np.ones((1, 3)), -0.1, 0.1, 0.01, 10.0)


def test_stale_updates_by_hand():
    # With staleness d the step applied at t is the one measured at t - d;
    # nothing moves during the first d steps.
    steps, delay, alpha, eta, k_min, k_max = 20, 3, 0.5, 0.1, 0.01, 10.0
    network = networks(1)[0]
    task = tasks(1)[0]
    learner = continuous(1, network.n_edges, alpha, eta)
    k_run = learner.k[0].copy()
    train(Circuit(network), [task], learner, make_schedule("synchronous"), steps=steps, batch_size=8,
          seeds=seeds(1), staleness=delay)

    single = Circuit(network)
    i, j = network.edges.T
    measured = []
    for t in range(steps):
        free = solve_network(network, k_run, task.train_inputs)
        clamp = (1 - eta) * free[:, network.targets] + eta * task.train_desired
        clamped = single.node_voltages(single.solve_fixed_targets(k_run, task.train_inputs, clamp[None]))[0]
        drops_free, drops_clamped = free[:, i] - free[:, j], clamped[:, i] - clamped[:, j]
        measured.append((alpha / eta) * (drops_free**2 - drops_clamped**2).mean(axis=0))
        if t >= delay:
            k_run = np.clip(k_run + measured[t - delay], k_min, k_max)
    np.testing.assert_allclose(learner.k[0], k_run, rtol=1e-9)


def test_zero_staleness_unchanged():
    circuit = Circuit(networks(2))
    first = train(circuit, tasks(2), continuous(2, circuit.n_edges), make_schedule("bernoulli", update_probability=0.5),
                  steps=15, batch_size=3, seeds=seeds(2))
    second = train(circuit, tasks(2), continuous(2, circuit.n_edges), make_schedule("bernoulli", update_probability=0.5),
                   steps=15, batch_size=3, seeds=seeds(2), staleness=0)
    np.testing.assert_array_equal(first.error, second.error)


def test_staleness_rejected():
    circuit = Circuit(networks(1))
    with pytest.raises(ValueError, match=r"staleness must be an integer in \[0, inf\], got -1"):
        train(circuit, tasks(1), continuous(1, circuit.n_edges), make_schedule("synchronous"), steps=5,
              batch_size=3, seeds=seeds(1), staleness=-1)


def test_wide_bounds_warn():
    from desync_learning.solver import IllConditionedWarning

    with pytest.warns(IllConditionedWarning, match="k_max / k_min = 1e"):
        ContinuousLearner(np.ones((1, 4)), 0.1, 0.1, k_min=1e-9, k_max=10.0)
