"""Resistor network graphs: generators, validation and the JSON file format.

A network is an undirected graph whose edges are resistors. Node positions
only serve drawing and geometric generators; the physics uses the edge list.
A network may name default terminals: ``sources`` (nodes whose voltage is the
input), ``targets`` (nodes whose voltage is the output) and ``ground``
(nodes held at 0 V).

The file format is JSON, described by ``data/network.schema.json``::

    {
      "format": "desync-learning-network",
      "version": 1,
      "name": "laboratory",
      "description": "free text",
      "positions": [[x0, y0], [x1, y1], ...],
      "edges": [[i0, j0], [i1, j1], ...],
      "conductances": [k0, k1, ...],        (optional, siemens)
      "sources": [...], "targets": [...], "ground": [...],   (optional)
      "provenance": {...}                   (optional, free form)
    }
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import jsonschema
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import Delaunay

from .checks import check_in_range, check_integer

FORMAT_NAME = "desync-learning-network"
FORMAT_VERSION = 1


@dataclass
class Network:
    """An undirected resistor network with optional default terminals.

    Attributes
    ----------
    positions : ndarray, shape (N, 2)
        Node coordinates in arbitrary length units, used for drawing only.
    edges : ndarray of int, shape (E, 2)
        Node pairs joined by a resistor; edge ``e`` has ``ΔV_e = V[i] - V[j]``.
    name : str
        Short identifier used in file names and tables.
    conductances : ndarray, shape (E,), optional
        Default conductances in siemens.
    sources, targets, ground : list of int
        Default input nodes, output nodes and grounded nodes.
    description : str
        Free text kept in the file.
    provenance : dict
        How the network was made (generator, parameters, seed).
    """

    positions: np.ndarray
    edges: np.ndarray
    name: str = "network"
    conductances: np.ndarray | None = None
    sources: list[int] = field(default_factory=list)
    targets: list[int] = field(default_factory=list)
    ground: list[int] = field(default_factory=list)
    description: str = ""
    provenance: dict = field(default_factory=dict)

    def __post_init__(self):
        self.positions = np.asarray(self.positions, dtype=float).reshape(-1, 2)
        self.edges = np.asarray(self.edges, dtype=np.int64).reshape(-1, 2)
        if self.conductances is not None:
            self.conductances = np.asarray(self.conductances, dtype=float)
        self.sources = [int(i) for i in self.sources]
        self.targets = [int(i) for i in self.targets]
        self.ground = [int(i) for i in self.ground]

    @property
    def n_nodes(self) -> int:
        """Number of nodes N."""
        return len(self.positions)

    @property
    def n_edges(self) -> int:
        """Number of edges E."""
        return len(self.edges)

    @property
    def mean_coordination(self) -> float:
        """Mean number of edges per node, 2E/N."""
        return 2.0 * self.n_edges / self.n_nodes

    def with_terminals(self, sources, targets, ground) -> Network:
        """Return a copy with other default terminals."""
        return Network(
            positions=self.positions.copy(),
            edges=self.edges.copy(),
            name=self.name,
            conductances=None if self.conductances is None else self.conductances.copy(),
            sources=list(sources),
            targets=list(targets),
            ground=list(ground),
            description=self.description,
            provenance=dict(self.provenance),
        )


# ---------------------------------------------------------------------------
# Validation


def validate_structure(network: Network) -> None:
    """Check the graph itself: edge ids, loops, duplicates, connectivity.

    Raises
    ------
    ValueError
        On a self-loop, a duplicate edge, a node id outside ``0..N-1``, a
        network with no edge, a disconnected graph, or conductances that are
        not positive and finite. The message names the offending edges or
        nodes.
    """
    n, edges = network.n_nodes, network.edges
    label = f"network {network.name!r}"
    if n < 2 or len(edges) == 0:
        raise ValueError(f"{label} needs at least 2 nodes and 1 edge, got {n} nodes and {len(edges)} edges")

    out_of_range = np.flatnonzero(((edges < 0) | (edges >= n)).any(axis=1))
    if out_of_range.size:
        shown = [edges[e].tolist() for e in out_of_range[:5]]
        raise ValueError(
            f"{label}: edges {out_of_range[:5].tolist()} = {shown} use node ids outside "
            f"0..{n - 1}; node ids must index the positions list"
        )

    loops = np.flatnonzero(edges[:, 0] == edges[:, 1])
    if loops.size:
        raise ValueError(
            f"{label}: edges {loops[:5].tolist()} are self-loops (both ends at node "
            f"{edges[loops[0], 0]}); remove them, they carry no current"
        )

    ordered = np.sort(edges, axis=1)
    _, first, counts = np.unique(ordered, axis=0, return_index=True, return_counts=True)
    if (counts > 1).any():
        pair = ordered[first[counts > 1][0]]
        copies = np.flatnonzero((ordered == pair).all(axis=1))
        raise ValueError(
            f"{label}: edges {copies.tolist()} all join nodes {pair.tolist()}; merge "
            "duplicate edges into one resistor with the summed conductance"
        )

    components = node_components(n, edges)
    if components.max() > 0:
        sizes = np.bincount(components)
        small = int(np.argmin(sizes))
        nodes = np.flatnonzero(components == small)
        raise ValueError(
            f"{label} is disconnected into {sizes.size} pieces; nodes "
            f"{nodes[:10].tolist()} are cut off from the rest. Connect them or remove them"
        )

    if network.conductances is not None:
        k = network.conductances
        if k.shape != (len(edges),):
            raise ValueError(f"{label}: {k.size} conductances given for {len(edges)} edges")
        bad = np.flatnonzero(~np.isfinite(k) | (k <= 0))
        if bad.size:
            raise ValueError(
                f"{label}: conductances of edges {bad[:5].tolist()} are "
                f"{k[bad[:5]].tolist()}; every conductance must be positive and finite (siemens)"
            )


def validate_terminals(network: Network, sources, targets, ground) -> None:
    """Check a choice of terminals against the network.

    Raises
    ------
    ValueError
        If a terminal id is out of range or repeated, if a node is both a
        source and a target (or grounded), if there are no targets, or if a
        node has no path to a source or ground node (it floats, and its
        voltage is undetermined).
    """
    n = network.n_nodes
    label = f"network {network.name!r}"
    groups = {"sources": list(sources), "targets": list(targets), "ground": list(ground)}
    for group, nodes in groups.items():
        bad = [i for i in nodes if not 0 <= int(i) < n]
        if bad:
            raise ValueError(
                f"{label}: {group} {bad} are outside the node ids 0..{n - 1}; fix the {group!r} "
                "list to name existing nodes"
            )
        if len(set(nodes)) != len(nodes):
            raise ValueError(f"{label}: {group} {nodes} list a node twice")
    if not groups["targets"]:
        raise ValueError(f"{label}: no target nodes; name at least one output node")
    if not groups["sources"] and not groups["ground"]:
        raise ValueError(f"{label}: no source or ground node; every voltage would float")
    names = list(groups)
    for a in range(3):
        for b in range(a + 1, 3):
            both = sorted(set(groups[names[a]]) & set(groups[names[b]]))
            if both:
                raise ValueError(
                    f"{label}: nodes {both} are both {names[a]} and {names[b]}; "
                    "a node can play only one role"
                )

    boundary = set(groups["sources"]) | set(groups["ground"])
    components = node_components(n, network.edges)
    anchored = {components[i] for i in boundary}
    floating = np.flatnonzero(~np.isin(components, list(anchored)))
    if floating.size:
        raise ValueError(
            f"{label}: nodes {floating[:10].tolist()} float: no path joins them to a "
            "source or ground node, so their voltage is undetermined. Connect them or "
            "remove them"
        )


def node_components(n_nodes: int, edges: np.ndarray) -> np.ndarray:
    """Label each node with the index of its connected component."""
    adjacency = coo_matrix(
        (np.ones(len(edges)), (edges[:, 0], edges[:, 1])), shape=(n_nodes, n_nodes)
    )
    _, labels = connected_components(adjacency, directed=False)
    return labels


# ---------------------------------------------------------------------------
# File format


def network_schema() -> dict:
    """Return the JSON schema of the network file format."""
    text = resources.files("desync_learning").joinpath("data/network.schema.json").read_text()
    return json.loads(text)


def network_from_dict(data: dict, *, source: str = "<dict>") -> Network:
    """Build and validate a network from the parsed JSON document.

    Raises
    ------
    ValueError
        If the document breaks the schema or describes an invalid network.
    """
    try:
        jsonschema.validate(data, network_schema())
    except jsonschema.ValidationError as err:
        where = "/".join(str(p) for p in err.absolute_path) or "top level"
        raise ValueError(f"{source}: invalid network file at {where}: {err.message}") from err
    network = Network(
        positions=data["positions"],
        edges=data["edges"],
        name=data["name"],
        conductances=data.get("conductances"),
        sources=data.get("sources", []),
        targets=data.get("targets", []),
        ground=data.get("ground", []),
        description=data.get("description", ""),
        provenance=data.get("provenance", {}),
    )
    validate_structure(network)
    if network.targets:
        validate_terminals(network, network.sources, network.targets, network.ground)
    return network


def read_network(path) -> Network:
    """Read a network from a JSON file and validate it.

    Raises
    ------
    ValueError
        If the file is not valid JSON, breaks the schema or describes an
        invalid network; the message names the file.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not valid JSON ({err}); check the file is complete") from err
    try:
        return network_from_dict(data, source=str(path))
    except ValueError as err:
        message = str(err)
        if message.startswith(str(path)):
            raise
        raise ValueError(f"{path}: {message}") from err


def network_to_dict(network: Network) -> dict:
    """Return the JSON document of a network."""
    data = {
        "format": FORMAT_NAME,
        "version": FORMAT_VERSION,
        "name": network.name,
        "description": network.description,
        "positions": network.positions.tolist(),
        "edges": network.edges.tolist(),
        "sources": network.sources,
        "targets": network.targets,
        "ground": network.ground,
        "provenance": network.provenance,
    }
    if network.conductances is not None:
        data["conductances"] = network.conductances.tolist()
    return data


def write_network(network: Network, path) -> None:
    """Write a network to a JSON file atomically (temporary name, then rename)."""
    from .io import atomic_write_text

    atomic_write_text(path, json.dumps(network_to_dict(network), indent=1) + "\n")


def laboratory_network() -> Network:
    """Return the shipped 16-edge network standing in for the laboratory one.

    Notes
    -----
    The topology (a 3x3 grid with four diagonals) and its terminals are a
    modelling choice: the laboratory network also has 16 edges, but its exact
    layout is not reproduced here. Pass another file to the pipeline to
    change it.
    """
    path = resources.files("desync_learning").joinpath("data/laboratory_network.json")
    return network_from_dict(json.loads(path.read_text()), source="laboratory_network.json")


# ---------------------------------------------------------------------------
# Generators


def disordered_network(n_nodes, seed, *, coordination=None, name="disordered") -> Network:
    """Generate a disordered network from the Delaunay triangulation of random points.

    Parameters
    ----------
    n_nodes : int
        Number of nodes, at least 4.
    seed : int or numpy.random.SeedSequence
        Seed of the point positions and of the pruning.
    coordination : float, optional
        Target mean coordination 2E/N. Edges are removed at random, never one
        whose removal disconnects the graph, until the mean coordination is
        at most this value. ``None`` keeps the full triangulation (about 6).
    name : str
        Name stored in the network.

    Raises
    ------
    ValueError
        If ``n_nodes < 4`` or ``coordination`` is below 2 (a connected graph
        needs at least N - 1 edges).
    """
    n_nodes = check_integer("n_nodes", n_nodes, 4)
    if coordination is not None:
        coordination = check_in_range("coordination", coordination, 2.0, None)
    rng = np.random.default_rng(seed)
    points = rng.random((n_nodes, 2))
    simplices = Delaunay(points).simplices
    pairs = np.concatenate([simplices[:, [0, 1]], simplices[:, [1, 2]], simplices[:, [0, 2]]])
    edges = np.unique(np.sort(pairs, axis=1), axis=0)

    if coordination is not None:
        edges = _prune_to_coordination(n_nodes, edges, coordination, rng)
    provenance = {"generator": "disordered_network", "n_nodes": n_nodes, "coordination": coordination}
    return Network(points, edges, name=name, provenance=provenance)


def _prune_to_coordination(n_nodes, edges, coordination, rng):
    target_edges = max(n_nodes - 1, int(np.ceil(coordination * n_nodes / 2.0)))
    keep = np.ones(len(edges), dtype=bool)
    for e in rng.permutation(len(edges)):
        if keep.sum() <= target_edges:
            break
        keep[e] = False
        if node_components(n_nodes, edges[keep]).max() > 0:
            keep[e] = True
    return edges[keep]


def square_lattice(nx, ny, *, name="square") -> Network:
    """Generate an ``nx`` by ``ny`` square lattice with nearest-neighbour edges."""
    nx = check_integer("nx", nx, 2)
    ny = check_integer("ny", ny, 1)
    index = np.arange(nx * ny).reshape(ny, nx)
    horizontal = np.stack([index[:, :-1].ravel(), index[:, 1:].ravel()], axis=1)
    vertical = np.stack([index[:-1, :].ravel(), index[1:, :].ravel()], axis=1)
    x, y = np.meshgrid(np.arange(nx), np.arange(ny))
    positions = np.stack([x.ravel(), y.ravel()], axis=1)
    provenance = {"generator": "square_lattice", "nx": nx, "ny": ny}
    return Network(positions, np.concatenate([horizontal, vertical]), name=name, provenance=provenance)


def triangular_lattice(nx, ny, *, name="triangular") -> Network:
    """Generate an ``nx`` by ``ny`` triangular lattice (coordination 6 in the bulk)."""
    square = square_lattice(nx, ny)
    index = np.arange(nx * ny).reshape(ny, nx)
    diagonal = np.stack([index[:-1, :-1].ravel(), index[1:, 1:].ravel()], axis=1)
    positions = square.positions.copy()
    positions[:, 0] += 0.5 * positions[:, 1]
    positions[:, 1] *= np.sqrt(3.0) / 2.0
    provenance = {"generator": "triangular_lattice", "nx": nx, "ny": ny}
    return Network(positions, np.concatenate([square.edges, diagonal]), name=name, provenance=provenance)


def choose_terminals(network: Network, n_sources, n_targets, n_ground, seed) -> Network:
    """Return a copy of ``network`` with terminals drawn at random, without repeats.

    Parameters
    ----------
    n_sources, n_targets, n_ground : int
        How many nodes of each kind; together at most N.
    seed : int or numpy.random.SeedSequence
        Seed of the draw.
    """
    n_sources = check_integer("n_sources", n_sources, 0)
    n_targets = check_integer("n_targets", n_targets, 1)
    n_ground = check_integer("n_ground", n_ground, 0)
    total = n_sources + n_targets + n_ground
    if total > network.n_nodes:
        raise ValueError(
            f"{total} terminals requested but network {network.name!r} has only "
            f"{network.n_nodes} nodes"
        )
    if n_sources + n_ground == 0:
        raise ValueError("at least one source or ground node is needed")
    chosen = np.random.default_rng(seed).choice(network.n_nodes, size=total, replace=False)
    sources = chosen[:n_sources].tolist()
    targets = chosen[n_sources:n_sources + n_targets].tolist()
    ground = chosen[n_sources + n_targets:].tolist()
    return network.with_terminals(sources, targets, ground)


def remove_edges(network: Network, fraction, seed) -> tuple[Network, np.ndarray]:
    """Remove a random fraction of edges (open circuits) without letting a node float.

    Edges are visited in random order and removed unless their removal
    would disconnect the graph, until ``round(fraction * E)`` are gone.

    Parameters
    ----------
    network : Network
        Network with its terminals.
    fraction : float
        Share of edges to remove, in [0, 1).
    seed : int or SeedSequence

    Returns
    -------
    damaged : Network
        The network without the removed edges, same nodes and terminals.
    kept : ndarray of int
        Indices, in the original edge list, of the edges that remain.

    Raises
    ------
    ValueError
        If ``fraction`` is outside [0, 1) or so many edges cannot be removed
        while keeping the graph connected.
    """
    fraction = check_in_range("fraction", fraction, 0.0, 1.0, high_open=True)
    count = int(round(fraction * network.n_edges))
    keep = np.ones(network.n_edges, dtype=bool)
    removed = 0
    for e in np.random.default_rng(seed).permutation(network.n_edges):
        if removed == count:
            break
        keep[e] = False
        if node_components(network.n_nodes, network.edges[keep]).max() > 0:
            keep[e] = True
        else:
            removed += 1
    if removed < count:
        raise ValueError(
            f"only {removed} of the requested {count} edges of network {network.name!r} can be "
            "removed without disconnecting it; use a smaller damage fraction"
        )
    kept = np.flatnonzero(keep)
    damaged = Network(
        positions=network.positions.copy(), edges=network.edges[kept], name=network.name,
        conductances=None if network.conductances is None else network.conductances[kept],
        sources=network.sources, targets=network.targets, ground=network.ground,
        description=network.description,
        provenance={**network.provenance, "removed_fraction": fraction},
    )
    return damaged, kept
