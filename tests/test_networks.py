"""Network generators, validation and the JSON file format."""

from __future__ import annotations

import json

import numpy as np
import pytest

from conftest import hand_network
from desync_learning.networks import (
    Network,
    choose_terminals,
    disordered_network,
    laboratory_network,
    network_from_dict,
    network_to_dict,
    node_components,
    read_network,
    square_lattice,
    validate_structure,
    validate_terminals,
    write_network,
)
from desync_learning.solver import Circuit


def path_network(edges, n_nodes=4, **kwargs):
    return Network(np.zeros((n_nodes, 2)), edges, name="bad", **kwargs)


# ---------------------------------------------------------------------------
# Generators


def test_laboratory_shape():
    network = laboratory_network()
    assert network.n_nodes == 9
    assert network.n_edges == 16
    assert network.sources == [0, 6]
    assert network.targets == [2, 8]
    assert network.ground == [4]


def test_square_lattice_counts():
    # An nx by ny grid has (nx - 1) ny horizontal and nx (ny - 1) vertical edges.
    network = square_lattice(4, 3)
    assert network.n_nodes == 12
    assert network.n_edges == 3 * 3 + 4 * 2
    lengths = np.linalg.norm(network.positions[network.edges[:, 0]]
                             - network.positions[network.edges[:, 1]], axis=1)
    np.testing.assert_array_equal(lengths, 1.0)


@pytest.mark.parametrize("coordination", [2.5, 3.0, 4.0])
def test_disordered_coordination(coordination):
    network = disordered_network(40, 3, coordination=coordination)
    # Pruning stops at ceil(z N / 2) edges.
    assert network.n_edges == int(np.ceil(coordination * 40 / 2))
    assert node_components(network.n_nodes, network.edges).max() == 0
    validate_structure(network)


def test_disordered_reproducible():
    first = disordered_network(20, 9, coordination=3.0)
    second = disordered_network(20, 9, coordination=3.0)
    np.testing.assert_array_equal(first.edges, second.edges)
    np.testing.assert_array_equal(first.positions, second.positions)


def test_choose_terminals_disjoint():
    network = choose_terminals(square_lattice(4, 4), 3, 2, 2, seed=4)
    chosen = network.sources + network.targets + network.ground
    assert len(chosen) == 7
    assert len(set(chosen)) == 7
    assert all(0 <= i < 16 for i in chosen)


def test_choose_terminals_too_many():
    with pytest.raises(ValueError, match="9 terminals requested but network 'square' has only 4 nodes"):
        choose_terminals(square_lattice(2, 2), 3, 3, 3, seed=0)


# ---------------------------------------------------------------------------
# Validation errors


def test_self_loop_rejected():
    with pytest.raises(ValueError, match=r"edges \[1\] are self-loops \(both ends at node 2\)"):
        validate_structure(path_network([[0, 1], [2, 2], [1, 2], [2, 3]]))


def test_duplicate_edge_rejected():
    # [2, 1] is the same resistor as [1, 2].
    with pytest.raises(ValueError, match=r"edges \[1, 3\] all join nodes \[1, 2\]"):
        validate_structure(path_network([[0, 1], [1, 2], [2, 3], [2, 1]]))


@pytest.mark.parametrize("bad", [4, -1])
def test_node_id_out_of_range(bad):
    with pytest.raises(ValueError, match=rf"edges \[2\] = \[\[2, {bad}\]\] use node ids outside 0\.\.3"):
        validate_structure(path_network([[0, 1], [1, 2], [2, bad]]))


def test_disconnected_rejected():
    # The message names the smaller piece.
    with pytest.raises(ValueError, match=r"disconnected into 2 pieces; nodes \[3, 4\] are cut off"):
        validate_structure(path_network([[0, 1], [1, 2], [3, 4]], n_nodes=5))


def test_isolated_node_rejected():
    # Node 3 has no edge at all.
    with pytest.raises(ValueError, match=r"disconnected into 2 pieces; nodes \[3\] are cut off"):
        validate_structure(path_network([[0, 1], [1, 2]]))


def test_floating_node_rejected():
    # Nodes 2 and 3 form a piece with a target but no source or ground.
    network = path_network([[0, 1], [2, 3]])
    with pytest.raises(ValueError, match=r"nodes \[2, 3\] float: no path joins them"):
        validate_terminals(network, sources=[0], targets=[3], ground=[1])


def test_source_and_target_rejected():
    network = path_network([[0, 1], [1, 2], [2, 3]])
    with pytest.raises(ValueError, match=r"nodes \[2\] are both sources and targets"):
        validate_terminals(network, sources=[0, 2], targets=[2], ground=[3])


def test_target_and_ground_rejected():
    network = path_network([[0, 1], [1, 2], [2, 3]])
    with pytest.raises(ValueError, match=r"nodes \[3\] are both targets and ground"):
        Circuit(network, sources=[0], targets=[3], ground=[3])


def test_terminal_out_of_range():
    network = path_network([[0, 1], [1, 2], [2, 3]])
    with pytest.raises(ValueError, match=r"targets \[7\] are outside the node ids 0\.\.3"):
        validate_terminals(network, sources=[0], targets=[7], ground=[])


def test_no_targets_rejected():
    network = path_network([[0, 1], [1, 2], [2, 3]])
    with pytest.raises(ValueError, match="no target nodes"):
        validate_terminals(network, sources=[0], targets=[], ground=[3])


@pytest.mark.parametrize("bad", [0.0, -2.0, np.inf, np.nan])
def test_conductance_nonpositive(bad):
    network = path_network([[0, 1], [1, 2], [2, 3]], conductances=[1.0, bad, 1.0])
    with pytest.raises(ValueError, match=r"conductances of edges \[1\] are .*positive and finite"):
        validate_structure(network)


def test_conductance_count_rejected():
    network = path_network([[0, 1], [1, 2], [2, 3]], conductances=[1.0, 1.0])
    with pytest.raises(ValueError, match="2 conductances given for 3 edges"):
        validate_structure(network)


# ---------------------------------------------------------------------------
# File format


def test_file_round_trip(tmp_path):
    network = choose_terminals(disordered_network(12, 1, coordination=3.0), 2, 1, 1, seed=2)
    network.conductances = np.linspace(0.5, 2.0, network.n_edges)
    path = tmp_path / "net.json"
    write_network(network, path)
    loaded = read_network(path)
    np.testing.assert_array_equal(loaded.positions, network.positions)
    np.testing.assert_array_equal(loaded.edges, network.edges)
    np.testing.assert_array_equal(loaded.conductances, network.conductances)
    assert (loaded.sources, loaded.targets, loaded.ground) == (
        network.sources, network.targets, network.ground)
    assert loaded.name == network.name
    assert loaded.provenance == network.provenance


def test_invalid_json_rejected(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text('{"format": "desync-learning-network", "edges": [[0, 1')
    with pytest.raises(ValueError, match=r"cut\.json: not valid JSON"):
        read_network(path)


def test_missing_field_rejected():
    document = network_to_dict(hand_network(3, [[0, 1], [1, 2]], [0], [1], [2]))
    del document["edges"]
    with pytest.raises(ValueError, match=r"invalid network file at top level: 'edges' is a required"):
        network_from_dict(document)


def test_wrong_format_rejected():
    document = network_to_dict(hand_network(3, [[0, 1], [1, 2]], [0], [1], [2]))
    document["edges"][1] = [1, "2"]
    with pytest.raises(ValueError, match=r"invalid network file at edges/1/1"):
        network_from_dict(document)


def test_file_structure_checked(tmp_path):
    document = network_to_dict(hand_network(3, [[0, 1], [1, 1]], [0], [1], [2]))
    path = tmp_path / "loop.json"
    path.write_text(json.dumps(document))
    with pytest.raises(ValueError, match="self-loops"):
        read_network(path)
