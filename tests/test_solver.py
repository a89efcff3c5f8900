"""Kirchhoff solver against circuits solved by hand and against circuit laws."""

from __future__ import annotations

import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import (
    dissipated_power,
    edge_currents,
    hand_network,
    current_scale,
    net_outflow,
    random_conductances,
    random_network,
)
from desync_learning.solver import Circuit, solve_network

FAST = settings(max_examples=15, deadline=None)

# ---------------------------------------------------------------------------
# Circuits with closed-form solutions


def test_divider_voltage(divider):
    # V1 = V R2 / (R1 + R2) with R1 = 3 Ω, R2 = 1 Ω.
    inputs = np.array([[2.0], [1.0], [-4.0]])
    voltages = solve_network(divider, [1 / 3, 1.0], inputs)
    np.testing.assert_allclose(voltages[:, 1], inputs[:, 0] / 4, rtol=1e-14)
    np.testing.assert_array_equal(voltages[:, 0], inputs[:, 0])
    np.testing.assert_array_equal(voltages[:, 2], 0.0)


def test_series_chain():
    # Source 0, then 1 Ω, 2 Ω, 3 Ω, 4 Ω in series down to ground at node 4.
    # The current is V / 10 Ω, so each node sits at V times the resistance
    # still between it and ground over 10 Ω.
    network = hand_network(5, [[0, 1], [1, 2], [2, 3], [3, 4]], sources=[0], targets=[3], ground=[4])
    voltages = solve_network(network, [1.0, 1 / 2, 1 / 3, 1 / 4], [[1.0]])
    np.testing.assert_allclose(voltages[0], [1.0, 0.9, 0.7, 0.4, 0.0], rtol=1e-14, atol=1e-15)


def test_parallel_to_ground():
    # 2 Ω, 3 Ω and 6 Ω in parallel make 1 Ω, so with 1 Ω above the target
    # the target sits at V / 2.
    network = hand_network(5, [[0, 1], [1, 2], [1, 3], [1, 4]], sources=[0], targets=[1],
                           ground=[2, 3, 4])
    voltages = solve_network(network, [1.0, 1 / 2, 1 / 3, 1 / 6], [[1.0], [3.0]])
    np.testing.assert_allclose(voltages[:, 1], [0.5, 1.5], rtol=1e-14)


def test_series_parallel_mix():
    # Two branches from source 0 to target 3: 1 Ω + 1 Ω through node 1 and
    # 1 Ω + 3 Ω through node 2, i.e. 2 Ω || 4 Ω = 4/3 Ω, then 4/3 Ω to ground.
    # V3 = V / 2. The branch currents are 1/4 A and 1/8 A at V = 1 V, so
    # V1 = 1 - 1/4 = 0.75 and V2 = 1 - 1/8 = 0.875.
    network = hand_network(5, [[0, 1], [1, 3], [0, 2], [2, 3], [3, 4]], sources=[0], targets=[3],
                           ground=[4])
    voltages = solve_network(network, [1.0, 1.0, 1.0, 1 / 3, 3 / 4], [[1.0]])
    np.testing.assert_allclose(voltages[0], [1.0, 0.75, 0.875, 0.5, 0.0], rtol=1e-14, atol=1e-15)


def wheatstone(targets):
    # A = 0 (source), B = 1, C = 2 (ground), D = 3. Edges in order:
    # A-B (R1), B-C (R2), A-D (R3), D-C (R4), and the bridge B-D (R5).
    return hand_network(4, [[0, 1], [1, 2], [0, 3], [3, 2], [1, 3]], sources=[0], targets=targets,
                        ground=[2], name="wheatstone")


def test_wheatstone_balanced():
    # R1/R2 = R3/R4 = 1/2, so B and D both sit at 2V/3 and the bridge is idle.
    network = wheatstone(targets=[1])
    conductances = 1 / np.array([1.0, 2.0, 3.0, 6.0, 5.0])
    voltages = solve_network(network, conductances, [[1.5]])
    np.testing.assert_allclose(voltages[0, [1, 3]], [1.0, 1.0], rtol=1e-14)
    bridge = edge_currents(network, conductances, voltages)[0, 4]
    assert abs(bridge) < 1e-14


@pytest.mark.parametrize("targets", [[1], [1, 3]])
def test_wheatstone_unbalanced(targets):
    # Conductances g1..g5 = 1..5 S and V = 1 V. Node equations
    #   B: (g1 + g2 + g5) VB - g5 VD = g1 V,   i.e. 8 VB - 5 VD = 1
    #   D: (g3 + g4 + g5) VD - g5 VB = g3 V,   i.e. 12 VD - 5 VB = 3
    # with determinant 8 * 12 - 25 = 71 give VB = 27/71 and VD = 29/71.
    # With targets [1, 3] no interior node is left.
    network = wheatstone(targets=targets)
    conductances = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    voltages = solve_network(network, conductances, [[1.0]])
    expected_b, expected_d = float(Fraction(27, 71)), float(Fraction(29, 71))
    np.testing.assert_allclose(voltages[0, 1], expected_b, rtol=1e-14)
    np.testing.assert_allclose(voltages[0, 3], expected_d, rtol=1e-14)
    bridge = edge_currents(network, conductances, voltages)[0, 4]
    np.testing.assert_allclose(bridge, 5 * (27 - 29) / 71, rtol=1e-13)


def ladder(sections):
    # Nodes 0..n along the rungs, ground node n + 1. Series edge (i - 1, i)
    # and shunt edge (i, ground) for i = 1..n, series edges first.
    n = sections
    series = [[i - 1, i] for i in range(1, n + 1)]
    shunts = [[i, n + 1] for i in range(1, n + 1)]
    return hand_network(n + 2, series + shunts, sources=[0], targets=[n], ground=[n + 1],
                        name="ladder")


@pytest.mark.parametrize("dense_limit", [600, 0])
def test_ladder_unit(dense_limit):
    # With 1 Ω everywhere, node i of a 6-section ladder sits at
    # F(2(n - i) + 1) / F(2n + 1) volts for V = 1 V, with F the Fibonacci
    # numbers: checked by hand on the last node, where 1/233 A arrives
    # through the series edge from node 5 (at 2/233 V) and 1/233 A leaves
    # to ground.
    network = ladder(6)
    circuit = Circuit(network, dense_limit=dense_limit)
    states = circuit.solve(np.ones(network.n_edges), [[1.0]])
    voltages = circuit.node_voltages(states.voltages)[0, 0]
    odd_fibonacci = np.array([233, 89, 34, 13, 5, 2, 1]) / 233
    np.testing.assert_allclose(voltages[:7], odd_fibonacci, rtol=1e-13)


def test_ladder_recursion():
    # Series 2 Ω, shunt 3 Ω. Going back from the end, the resistance below
    # node i is R_p || (R_s + R_below(i + 1)), and each series edge divides
    # V_i = V_{i-1} R_below(i) / (R_s + R_below(i)). Exact in fractions.
    n, series, shunt = 5, Fraction(2), Fraction(3)
    below = [Fraction(0)] * (n + 1)
    below[n] = shunt
    for i in range(n - 1, 0, -1):
        onward = series + below[i + 1]
        below[i] = shunt * onward / (shunt + onward)
    expected = [Fraction(1)]
    for i in range(1, n + 1):
        expected.append(expected[-1] * below[i] / (series + below[i]))

    network = ladder(n)
    conductances = np.array([0.5] * n + [1 / 3] * n)
    voltages = solve_network(network, conductances, [[1.0]])[0]
    np.testing.assert_allclose(voltages[: n + 1], [float(v) for v in expected], rtol=1e-13)


# ---------------------------------------------------------------------------
# Properties on random networks

network_cases = st.tuples(
    st.integers(0, 10_000),        # seed
    st.integers(9, 24),            # nodes, at least the 8 terminals
    st.integers(1, 3),             # sources
    st.integers(1, 3),             # targets
    st.integers(0, 2),             # ground nodes
)


def build(case):
    seed, n_nodes, n_sources, n_targets, n_ground = case
    network = random_network(seed, n_nodes, n_sources, n_targets, n_ground)
    conductances = random_conductances(seed + 2, network.n_edges)
    rng = np.random.default_rng(seed + 3)
    inputs = rng.uniform(-1.0, 2.0, size=(4, n_sources))
    return network, conductances, inputs, rng


def free_nodes(network):
    fixed = set(network.sources) | set(network.ground)
    return np.array([i for i in range(network.n_nodes) if i not in fixed])


@FAST
@given(network_cases)
def test_current_conservation(case):
    network, conductances, inputs, _ = build(case)
    voltages = solve_network(network, conductances, inputs)
    free = free_nodes(network)
    outflow = net_outflow(network, conductances, voltages)[:, free]
    scale = current_scale(network, conductances, voltages)[:, free]
    assert (np.abs(outflow) <= 1e-10 * scale + 1e-300).all()


@FAST
@given(network_cases)
def test_voltages_within_boundary(case):
    network, conductances, inputs, _ = build(case)
    voltages = solve_network(network, conductances, inputs)
    boundary = inputs
    if network.ground:
        boundary = np.hstack([inputs, np.zeros((len(inputs), 1))])
    low = boundary.min(axis=1, keepdims=True)
    high = boundary.max(axis=1, keepdims=True)
    assert (voltages >= low - 1e-12).all()
    assert (voltages <= high + 1e-12).all()


@FAST
@given(network_cases, st.floats(-3, 3), st.floats(-3, 3))
def test_linear_in_inputs(case, a, b):
    network, conductances, inputs, _ = build(case)
    combined = a * inputs[:2] + b * inputs[2:]
    left = solve_network(network, conductances, combined)
    separate = solve_network(network, conductances, inputs)
    right = a * separate[:2] + b * separate[2:]
    scale = np.abs(a * separate[:2]) + np.abs(b * separate[2:]) + 1e-300
    assert (np.abs(left - right) <= 1e-12 * scale + 1e-14).all()


@FAST
@given(st.integers(0, 10_000), st.integers(6, 24), st.integers(2, 3), st.integers(0, 2))
def test_reciprocity(seed, n_nodes, n_sources, n_ground):
    # Drive source a at 1 V with the other sources at 0 V and read the
    # current delivered into source b, then swap a and b. By reciprocity
    # the two transfer conductances of a resistor network are equal.
    network = random_network(seed, n_nodes, n_sources, 1, n_ground)
    conductances = random_conductances(seed + 2, network.n_edges)
    a, b = network.sources[0], network.sources[1]
    drive = np.zeros((2, n_sources))
    drive[0, 0] = 1.0
    drive[1, 1] = 1.0
    voltages = solve_network(network, conductances, drive)
    into = -net_outflow(network, conductances, voltages)
    a_to_b, b_to_a = into[0, b], into[1, a]
    np.testing.assert_allclose(a_to_b, b_to_a, rtol=1e-10, atol=1e-14)


@FAST
@given(network_cases)
def test_green_symmetric(case):
    # The target block of L_FF⁻¹ is a transfer resistance matrix, symmetric
    # by reciprocity.
    network, conductances, inputs, _ = build(case)
    circuit = Circuit(network)
    states = circuit.solve(conductances, inputs)
    block = states.green[0, circuit.target_slice, :]
    np.testing.assert_allclose(block, block.T, rtol=1e-12, atol=1e-15)
    assert (np.linalg.eigvalsh(block) > 0).all()


@FAST
@given(network_cases)
def test_minimum_power(case):
    # At the solution the power is stationary in the free voltages, so a
    # perturbation δ raises it by exactly the power of δ alone.
    network, conductances, inputs, rng = build(case)
    voltages = solve_network(network, conductances, inputs)
    free = free_nodes(network)
    for _ in range(5):
        perturbed = voltages.copy()
        delta = np.zeros_like(voltages)
        delta[:, free] = rng.normal(scale=1e-2, size=(len(inputs), len(free)))
        perturbed += delta
        rise = dissipated_power(network, conductances, perturbed) - dissipated_power(
            network, conductances, voltages)
        assert (rise > 0).all()
        np.testing.assert_allclose(rise, dissipated_power(network, conductances, delta), rtol=1e-6)


@FAST
@given(network_cases)
def test_clamped_matches_direct(case):
    network, conductances, inputs, rng = build(case)
    circuit = Circuit(network)
    states = circuit.solve(conductances, inputs)
    clamp = rng.uniform(-1.0, 2.0, size=(1, len(inputs), len(network.targets)))
    via_schur = states.clamped(circuit, clamp)
    direct = circuit.solve_fixed_targets(conductances, inputs, clamp)
    np.testing.assert_allclose(via_schur, direct, rtol=0, atol=1e-10)
    np.testing.assert_allclose(via_schur[:, :, circuit.target_slice], clamp, rtol=0, atol=1e-12)

    # The clamped state obeys Kirchhoff's law at the interior nodes only.
    clamped = circuit.node_voltages(via_schur)[0]
    interior = np.setdiff1d(free_nodes(network), network.targets)
    outflow = net_outflow(network, conductances, clamped)[:, interior]
    scale = current_scale(network, conductances, clamped)[:, interior]
    assert (np.abs(outflow) <= 1e-10 * scale + 1e-300).all()


@FAST
@given(network_cases)
def test_sparse_matches_dense(case):
    network, conductances, inputs, rng = build(case)
    dense = Circuit(network)
    sparse = Circuit(network, dense_limit=0)
    assert dense.dense and not sparse.dense
    dense_states = dense.solve(conductances, inputs)
    sparse_states = sparse.solve(conductances, inputs)
    np.testing.assert_allclose(sparse_states.voltages, dense_states.voltages, rtol=0, atol=1e-10)
    np.testing.assert_allclose(sparse_states.green, dense_states.green, rtol=1e-10, atol=1e-12)

    clamp = rng.uniform(0.0, 1.0, size=(1, len(inputs), len(network.targets)))
    np.testing.assert_allclose(sparse.solve_fixed_targets(conductances, inputs, clamp),
                               dense.solve_fixed_targets(conductances, inputs, clamp),
                               rtol=0, atol=1e-10)


def test_replicas_differ_in_topology():
    networks = [random_network(seed, 18, 2, 2, 1) for seed in (11, 12, 13)]
    assert len({tuple(map(tuple, n.edges.tolist())) for n in networks}) == 3
    rng = np.random.default_rng(5)
    conductances = np.stack([random_conductances(s, networks[0].n_edges) for s in (1, 2, 3)])
    inputs = rng.uniform(0, 1, size=(3, 4, 2))
    clamp = rng.uniform(0, 1, size=(3, 4, 2))

    circuit = Circuit(networks)
    assert not circuit.shared_topology
    states = circuit.solve(conductances, inputs)
    stacked = circuit.node_voltages(states.voltages)
    stacked_clamped = circuit.node_voltages(states.clamped(circuit, clamp))
    stacked_drops = circuit.voltage_drops(states.voltages)
    for r, network in enumerate(networks):
        alone = solve_network(network, conductances[r], inputs[r])
        np.testing.assert_allclose(stacked[r], alone, rtol=0, atol=1e-12)
        i, j = network.edges.T
        np.testing.assert_allclose(stacked_drops[r], alone[:, i] - alone[:, j], rtol=0, atol=1e-12)

        single = Circuit(network)
        single_states = single.solve(conductances[r], inputs[r])
        single_clamped = single.node_voltages(single_states.clamped(single, clamp[r:r + 1]))
        np.testing.assert_allclose(stacked_clamped[r], single_clamped[0], rtol=0, atol=1e-12)


# ---------------------------------------------------------------------------
# Input errors


def test_conductance_zero_rejected(divider):
    with pytest.raises(ValueError, match=r"conductance of edge 1 in replica 0 is 0\.0.*positive"):
        solve_network(divider, [1.0, 0.0], [[1.0]])


def test_conductance_shape_rejected(divider):
    with pytest.raises(ValueError, match=r"shape \(1, 2\) or \(2,\), got \(3,\)"):
        Circuit(divider).check_conductances([1.0, 1.0, 1.0])


def test_inputs_nan_rejected(divider):
    with pytest.raises(ValueError, match=r"inputs contains nan at index \(1, 0\)"):
        solve_network(divider, [1.0, 1.0], [[1.0], [np.nan]])


def test_replica_sizes_rejected(divider):
    bigger = random_network(3, 8, 1, 1, 1)
    with pytest.raises(ValueError, match="share node, edge and terminal counts"):
        Circuit([divider, bigger])


def test_sparse_drops_identical():
    # From 1000 nodes the drops come from the sparse incidence matrix; they
    # must equal V_i - V_j bit for bit.
    from desync_learning.networks import choose_terminals, disordered_network

    network = choose_terminals(disordered_network(1100, 3, coordination=4.0), 2, 2, 1, 5)
    circuit = Circuit([network, network])
    voltages = np.random.default_rng(1).random((2, 3, network.n_nodes))
    i, j = circuit.edges[0].T
    np.testing.assert_array_equal(circuit.voltage_drops(voltages), voltages[:, :, i] - voltages[:, :, j])


def test_wide_conductance_ratio_warns():
    from desync_learning.networks import laboratory_network
    from desync_learning.solver import IllConditionedWarning

    network = laboratory_network()
    circuit = Circuit(network)
    # One edge far stronger than the rest makes L_FF nearly singular in the
    # 2-norm sense: its largest eigenvalue grows with the ratio.
    conductances = np.ones(network.n_edges)
    conductances[4] = 1e10
    with pytest.warns(IllConditionedWarning, match=r"ratio of 1e\+10.*condition number is"):
        circuit.check_conductances(conductances)

    # A tiny edge beside ordinary ones leaves the condition number modest: no warning.
    conductances = np.ones(network.n_edges)
    conductances[0] = 1e-10
    with warnings.catch_warnings():
        warnings.simplefilter("error", IllConditionedWarning)
        circuit.check_conductances(conductances)
    # The condition number of a well-spread network is modest.
    assert circuit.condition_number(np.ones(network.n_edges)) < 100


def test_bad_residual_names_network():
    from desync_learning.networks import laboratory_network
    from desync_learning.solver import SolverError

    network = laboratory_network()
    circuit = Circuit(network)
    block = np.eye(2)[None]
    solution = np.ones((1, 2, 1))
    rhs = np.zeros((1, 2, 1))
    with pytest.raises(SolverError, match=r"clamped state of network 'laboratory' \(replica 0\)"):
        circuit._check_residual(block, solution, rhs, "clamped")
