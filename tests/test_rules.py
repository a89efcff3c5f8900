"""Coupled-learning rules, the error and its exact gradient."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import random_conductances, random_network
from desync_learning.measures import cosine_similarity
from desync_learning.rules import (
    apply_continuous,
    apply_discrete,
    check_nudge,
    check_resistor,
    clamp_targets,
    continuous_update,
    discrete_direction,
    error_gradient,
    mean_error,
    position_resistance,
)
from desync_learning.solver import Circuit
from desync_learning.training import ContinuousLearner


def gradient_problem(n_targets, seed=21, n_points=5):
    networks = [random_network(seed + r, 16, 2, n_targets, 1) for r in range(2)]
    circuit = Circuit(networks)
    conductances = np.stack([random_conductances(seed + 10 + r, networks[0].n_edges, 0.5, 2.0)
                             for r in range(2)])
    rng = np.random.default_rng(seed)
    inputs = rng.uniform(0, 1, size=(2, n_points, 2))
    desired = rng.uniform(0, 1, size=(2, n_points, n_targets))
    return circuit, conductances, inputs, desired


def error_of(circuit, conductances, inputs, desired):
    return mean_error(circuit.solve(conductances, inputs).outputs(circuit), desired)


@pytest.mark.parametrize("n_targets", [1, 3])
def test_gradient_finite_difference(n_targets):
    circuit, k, inputs, desired = gradient_problem(n_targets)
    gradient = error_gradient(circuit, k, inputs, desired)

    # Central differences with a relative step h = 1e-5 have truncation
    # error O(h²) and rounding error O(eps / h), both near 1e-10 here.
    numeric = np.zeros_like(k)
    for e in range(circuit.n_edges):
        step = 1e-5 * k[:, e]
        up, down = k.copy(), k.copy()
        up[:, e] += step
        down[:, e] -= step
        numeric[:, e] = (error_of(circuit, up, inputs, desired)
                         - error_of(circuit, down, inputs, desired)) / (2 * step)
    scale = np.abs(gradient).max(axis=1, keepdims=True)
    assert (scale > 0).all()
    assert (np.abs(gradient - numeric) <= 1e-6 * scale).all()


def test_gradient_zero_at_target():
    # With desired outputs equal to the current outputs the error is at its
    # minimum of 0, so the gradient vanishes.
    circuit, k, inputs, _ = gradient_problem(2)
    outputs = circuit.solve(k, inputs).outputs(circuit)
    np.testing.assert_allclose(error_gradient(circuit, k, inputs, outputs), 0.0, atol=1e-15)


def test_update_follows_gradient():
    # One target and a small nudge: the coupled-learning update points along
    # minus the gradient, up to a positive factor.
    circuit, k, inputs, desired = gradient_problem(1)
    gradient = error_gradient(circuit, k, inputs, desired)
    learner = ContinuousLearner(k, learning_rate=0.1, nudge=1e-4, k_min=1e-3, k_max=1e3)
    states = circuit.solve(k, inputs)
    batch = np.broadcast_to(np.arange(inputs.shape[1]), (2, inputs.shape[1]))
    update = learner.proposed_update(circuit, states, batch, desired)
    similarity = cosine_similarity(update, -gradient)
    assert (similarity > 0.999).all()


def test_update_from_drops_follows_gradient():
    # The same through the functions the learner uses: free and clamped drops.
    circuit, k, inputs, desired = gradient_problem(1, seed=40, n_points=3)
    nudge = 1e-4
    states = circuit.solve(k, inputs)
    clamp = clamp_targets(states.outputs(circuit), desired, nudge)
    clamped = circuit.solve_fixed_targets(k, inputs, clamp)
    update = continuous_update(circuit.voltage_drops(states.voltages),
                               circuit.voltage_drops(clamped), nudge, learning_rate=1.0)
    gradient = error_gradient(circuit, k, inputs, desired)
    assert (cosine_similarity(update, -gradient) > 0.999).all()


def test_clamp_targets_formula():
    free, desired = np.array([0.2, 0.8]), np.array([0.6, 0.0])
    np.testing.assert_allclose(clamp_targets(free, desired, 0.25), [0.3, 0.6], rtol=1e-15)
    np.testing.assert_array_equal(clamp_targets(free, desired, 1.0), desired)


def test_mean_error_hand():
    # Point 1 gives 1/2 (0.1² + 0.2²) = 0.025 and point 2 gives 1/2 (0.3² + 0) = 0.045.
    outputs = np.array([[[0.5, 0.5], [0.2, 0.4]]])
    desired = np.array([[[0.4, 0.7], [0.5, 0.4]]])
    np.testing.assert_allclose(mean_error(outputs, desired), [0.035], rtol=1e-12)


def test_continuous_update_hand():
    # (α/η) <ΔV_F² - ΔV_C²> with α = 0.5, η = 0.25 gives
    # 2 * ((1 - 0.25) + (0.25 - 1)) / 2 = 0 on edge 0 and 2 * (4 - 1 + 0 - 1) / 2 = 2 on edge 1.
    free = np.array([[[1.0, 2.0], [0.5, 0.0]]])
    clamped = np.array([[[0.5, 1.0], [1.0, 1.0]]])
    np.testing.assert_allclose(continuous_update(free, clamped, 0.25, 0.5), [[0.0, 2.0]], atol=1e-15)


def test_apply_continuous_masks_and_clips():
    k = np.array([[1.0, 1.0, 1.0, 1.0]])
    update = np.array([[0.5, -0.5, 5.0, -5.0]])
    mask = np.array([[True, False, True, True]])
    np.testing.assert_array_equal(apply_continuous(k, update, mask, 0.1, 2.0), [[1.5, 1.0, 2.0, 0.1]])


def test_discrete_direction_hand():
    # The clamped drop is larger on edge 0 (+1), smaller on edge 1 (-1) and
    # equal on edge 2 (-1). Over the batch of two, edge 3 compares
    # sqrt(1 + 1) with sqrt(0 + 1.5), then with sqrt(0 + 2.5).
    free = np.array([[[0.1, 0.5, -0.3, 1.0], [0.1, 0.5, -0.3, 1.0]]])
    clamped = np.array([[[0.2, -0.4, 0.3, 0.0], [0.2, -0.4, 0.3, np.sqrt(1.5)]]])
    np.testing.assert_array_equal(discrete_direction(free, clamped), [[1, -1, -1, -1]])
    clamped[0, 1, 3] = np.sqrt(2.5)
    np.testing.assert_array_equal(discrete_direction(free, clamped), [[1, -1, -1, 1]])


def test_apply_discrete_saturates():
    positions = np.array([[0, 0, 127, 127, 5]], dtype=np.int16)
    direction = np.array([[-1, 1, 1, -1, 1]], dtype=np.int8)
    mask = np.array([[True, True, True, True, False]])
    moved = apply_discrete(positions, direction, mask, levels=128)
    np.testing.assert_array_equal(moved, [[0, 1, 127, 126, 5]])
    assert moved.dtype == np.int16


def test_position_resistance_linear():
    np.testing.assert_allclose(position_resistance(np.array([0, 64, 128]), 1.0, 9.0, 129),
                               [1.0, 5.0, 9.0], rtol=1e-15)


@pytest.mark.parametrize("nudge, shown", [(0, r"0\.0"), (1.2, r"1\.2"), (-0.1, r"-0\.1")])
def test_nudge_out_of_range(nudge, shown):
    with pytest.raises(ValueError, match=rf"nudge must lie in \(0\.0, 1\.0\], got {shown}"):
        check_nudge(nudge)


def test_nudge_one_accepted():
    assert check_nudge(1) == 1.0


@pytest.mark.parametrize("r_min, r_max", [(2.0, 2.0), (3.0, 1.0)])
def test_resistor_bounds_order(r_min, r_max):
    with pytest.raises(ValueError, match=rf"r_min={r_min!r} must be smaller than r_max={r_max!r}"):
        check_resistor(128, r_min, r_max)


def test_resistor_levels_rejected():
    with pytest.raises(ValueError, match=r"levels must be an integer in \[2, inf\], got 1"):
        check_resistor(1, 1.0, 2.0)
