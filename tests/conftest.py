"""Shared helpers: hand-built networks and physics computed without the solver.

The helpers here rebuild currents and power from the edge list directly, so
the tests compare the solver against Kirchhoff's laws rather than against its
own Laplacian.
"""

from __future__ import annotations

import numpy as np
import pytest

from desync_learning.networks import Network, choose_terminals, disordered_network


def hand_network(n_nodes, edges, sources, targets, ground, name="hand") -> Network:
    """Build a network from an edge list, with all positions at the origin."""
    return Network(np.zeros((n_nodes, 2)), edges, name=name, sources=sources, targets=targets,
                   ground=ground)


def random_network(seed, n_nodes=16, n_sources=2, n_targets=2, n_ground=1, coordination=3.0):
    """Return a pruned Delaunay network with random terminals."""
    network = disordered_network(n_nodes, seed, coordination=coordination)
    return choose_terminals(network, n_sources, n_targets, n_ground, seed + 1)


def random_conductances(seed, n_edges, low=0.2, high=5.0):
    """Draw log-uniform conductances in [low, high] siemens."""
    rng = np.random.default_rng(seed)
    return np.exp(rng.uniform(np.log(low), np.log(high), size=n_edges))


def edge_currents(network, conductances, voltages):
    """Return k_e (V_i - V_j) for every edge, last axis over edges (amperes)."""
    i, j = network.edges[:, 0], network.edges[:, 1]
    return conductances * (voltages[..., i] - voltages[..., j])


def net_outflow(network, conductances, voltages):
    """Return the current leaving each node through its edges, last axis over nodes."""
    currents = edge_currents(network, conductances, voltages)
    outflow = np.zeros(voltages.shape)
    np.add.at(outflow.T, network.edges[:, 0], currents.T)
    np.add.at(outflow.T, network.edges[:, 1], -currents.T)
    return outflow


def current_scale(network, conductances, voltages):
    """Return Σ k_e (|V_i| + |V_j|) over the edges at each node, last axis over nodes.

    This is the size of the terms summed in Kirchhoff's law at a node, the
    scale against which its rounding error is measured. The incident
    currents themselves are no scale: with one source and no ground they are
    all zero.
    """
    i, j = network.edges[:, 0], network.edges[:, 1]
    magnitude = conductances * (np.abs(voltages[..., i]) + np.abs(voltages[..., j]))
    scale = np.zeros(voltages.shape)
    np.add.at(scale.T, network.edges[:, 0], magnitude.T)
    np.add.at(scale.T, network.edges[:, 1], magnitude.T)
    return scale


def dissipated_power(network, conductances, voltages):
    """Return P = 1/2 Σ_e k_e (ΔV_e)² in watts, last axis over nodes."""
    i, j = network.edges[:, 0], network.edges[:, 1]
    return 0.5 * (conductances * (voltages[..., i] - voltages[..., j]) ** 2).sum(axis=-1)


@pytest.fixture
def divider():
    """Source 0, target 1, ground 2: R1 = 3 Ω from the source, R2 = 1 Ω to ground."""
    return hand_network(3, [[0, 1], [1, 2]], sources=[0], targets=[1], ground=[2], name="divider")
