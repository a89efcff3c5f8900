"""Kirchhoff solver for free and clamped states of resistor networks.

The weighted Laplacian is ``L = Δᵀ diag(k) Δ`` with Δ the E×N incidence
matrix. Nodes are split into the free nodes F (interior nodes and targets)
and the fixed nodes (sources at the input voltages, ground at 0 V). The free
state solves ``L_FF V_F = -L_FS x``.

The clamped state also fixes the target voltages. Instead of a second
factorization it reuses the free one: with ``Z = L_FF⁻¹ P_Tᵀ`` (one extra
right-hand side per target) and ``G = P_T Z`` (the Schur complement's
inverse, a T×T matrix), clamping the targets at ``V_T^C`` gives::

    V_C = V_F + Z G⁻¹ (V_T^C - V_T^F)

which is exact, not a linearization: the clamped state is the free state
plus the response to the currents injected at the targets.

A :class:`Circuit` contains R replicas (seeds) that share node, edge and
terminal counts but may differ in topology. Internally every replica's nodes
are reordered as [interior, targets, sources, ground] so one slicing serves
all of them. Small networks are solved for all replicas at once with batched
dense linear algebra; large ones one replica at a time with a sparse LU.

NOTE: the dense path uses LU (``numpy.linalg.solve``, batched LAPACK gesv)
although L_FF is symmetric positive definite. NumPy has no batched Cholesky
solve, and SciPy's batched ``cho_solve`` loops in Python. On 1,000 replicas
of 8 free nodes the batched LU was about 14 times faster. The residual check
guards accuracy either way.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import splu

from .checks import check_finite_array
from .networks import Network, validate_structure, validate_terminals

logger = logging.getLogger(__name__)

#: Free-node count above which the sparse path is used. In the benchmarks
#: (docs/benchmarks.md, one core of a 2-core AMD EPYC) sparse LU overtook
#: batched dense LU between 300 and 400 free nodes.
DENSE_LIMIT = 300

#: Node count from which voltage drops are computed with the sparse
#: incidence matrix instead of fancy indexing (about 5x faster at 4096 nodes).
SPARSE_DROPS_MIN_NODES = 1000

#: Largest relative residual accepted from a solve.
RESIDUAL_TOLERANCE = 1e-8

#: Conductance ratio max(k)/min(k) above which a warning is given.
CONDUCTANCE_RATIO_WARNING = 1e8


class SolverError(RuntimeError):
    """A linear solve failed its residual check."""


class IllConditionedWarning(UserWarning):
    """Conductances span a range wide enough to threaten solver accuracy."""


@dataclass
class States:
    """Free states of R replicas for M data points, plus the target Green's function.

    Voltages are in volts and indexed in the circuit's internal node order
    [interior, targets, sources, ground]; use :meth:`Circuit.node_voltages`
    for the original order.

    Attributes
    ----------
    voltages : ndarray, shape (R, M, N)
        Node voltages of the free state.
    green : ndarray, shape (R, N, T)
        ``Z = L_FF⁻¹ P_Tᵀ``: the voltage at every node per unit current
        injected at each target (ohms); zero on sources and ground.
    """

    voltages: np.ndarray
    green: np.ndarray

    def outputs(self, circuit: Circuit) -> np.ndarray:
        """Return the target voltages, shape (R, M, T), in volts."""
        return self.voltages[:, :, circuit.target_slice]

    def clamped(self, circuit: Circuit, clamp_voltages, columns=None) -> np.ndarray:
        """Return node voltages with the targets held at ``clamp_voltages``.

        Parameters
        ----------
        clamp_voltages : ndarray, shape (R, B, T)
            Target voltages of the clamped state, in volts.
        columns : ndarray of int, shape (R, B), optional
            Which of the M data points each clamped column belongs to;
            default all M in order.

        Returns
        -------
        ndarray, shape (R, B, N)
        """
        free = self.voltages if columns is None else np.take_along_axis(
            self.voltages, columns[:, :, None], axis=1
        )
        shift = clamp_voltages - free[:, :, circuit.target_slice]
        # Currents injected at the targets: G j = shift with G = P_T Z.
        currents = np.linalg.solve(self.green[:, circuit.target_slice, :], shift.transpose(0, 2, 1))
        return free + np.einsum("rnt,rtb->rbn", self.green, currents)


class Circuit:
    """R replicas of a resistor network with terminals, solved together.

    Parameters
    ----------
    networks : Network or sequence of Network
        One network per replica; all must have the same numbers of nodes,
        edges, sources, targets and ground nodes. A single network gives one
        replica; use ``replicas`` to repeat it.
    sources, targets, ground : sequence of int, optional
        Terminals for every replica; by default each network's own.
    replicas : int
        Number of copies when a single network is given.
    dense_limit : int
        Free-node count above which the sparse path is used.

    Raises
    ------
    ValueError
        If a network or its terminals are invalid (see
        :func:`~desync_learning.networks.validate_terminals`) or the replicas
        differ in size.
    """

    def __init__(self, networks, sources=None, targets=None, ground=None, *, replicas=1,
                 dense_limit=DENSE_LIMIT):
        if isinstance(networks, Network):
            networks = [networks] * int(replicas)
        networks = list(networks)
        if not networks:
            raise ValueError("a circuit needs at least one network")
        self.networks = networks
        terminals = []
        for network in networks:
            s = network.sources if sources is None else list(sources)
            t = network.targets if targets is None else list(targets)
            g = network.ground if ground is None else list(ground)
            validate_structure(network)
            validate_terminals(network, s, t, g)
            terminals.append((s, t, g))
        self._check_same_sizes(networks, terminals)

        first = networks[0]
        s, t, g = terminals[0]
        self.n_replicas = len(networks)
        self.n_nodes = first.n_nodes
        self.n_edges = first.n_edges
        self.n_sources, self.n_targets, self.n_ground = len(s), len(t), len(g)
        self.n_free = self.n_nodes - self.n_sources - self.n_ground
        self.n_interior = self.n_free - self.n_targets
        self.target_slice = slice(self.n_interior, self.n_free)
        self.source_slice = slice(self.n_free, self.n_free + self.n_sources)
        self.sources = np.array([ts[0] for ts in terminals], dtype=np.int64).reshape(self.n_replicas, -1)
        self.targets = np.array([ts[1] for ts in terminals], dtype=np.int64).reshape(self.n_replicas, -1)
        self.ground = np.array([ts[2] for ts in terminals], dtype=np.int64).reshape(self.n_replicas, -1)

        # order[r, new] = original node id; position[r, original] = new index
        self.order = np.empty((self.n_replicas, self.n_nodes), dtype=np.int64)
        for r, (s, t, g) in enumerate(terminals):
            fixed = set(s) | set(t) | set(g)
            interior = [i for i in range(self.n_nodes) if i not in fixed]
            self.order[r] = interior + list(t) + list(s) + list(g)
        self.position = np.argsort(self.order, axis=1)
        self.edges = np.stack([self.position[r][net.edges] for r, net in enumerate(networks)])
        self.shared_topology = bool((self.edges == self.edges[0]).all())
        self.dense = self.n_free <= dense_limit
        self._prepare_assembly()

    @staticmethod
    def _check_same_sizes(networks, terminals):
        sizes = {
            (net.n_nodes, net.n_edges, len(s), len(t), len(g))
            for net, (s, t, g) in zip(networks, terminals)
        }
        if len(sizes) > 1:
            raise ValueError(
                "replicas of one circuit must share node, edge and terminal counts "
                f"(nodes, edges, sources, targets, ground); got {sorted(sizes)}"
            )

    def _prepare_assembly(self):
        n = self.n_nodes
        a, b = self.edges[..., 0], self.edges[..., 1]
        replica = np.arange(self.n_replicas)[:, None] * n * n
        # Flat positions of L[a,a], L[b,b], L[a,b], L[b,a] for every edge.
        self._flat = np.stack([replica + a * n + a, replica + b * n + b,
                               replica + a * n + b, replica + b * n + a], axis=-1).ravel()
        self._signs = np.array([1.0, 1.0, -1.0, -1.0])
        self._incidence = {}

    def _incidence_matrix(self, replica):
        """Return the sparse E×N incidence matrix of one replica (built once)."""
        if replica not in self._incidence:
            rows = np.repeat(np.arange(self.n_edges), 2)
            values = np.tile([1.0, -1.0], self.n_edges)
            self._incidence[replica] = sp.csr_matrix(
                (values, (rows, self.edges[replica].ravel())), shape=(self.n_edges, self.n_nodes)
            )
        return self._incidence[replica]

    # ------------------------------------------------------------------

    def check_conductances(self, conductances) -> np.ndarray:
        """Return conductances as an (R, E) array after checking them.

        Raises
        ------
        ValueError
            If the shape is wrong or a conductance is not positive and finite.
        """
        k = np.asarray(conductances, dtype=float)
        if k.ndim == 1:
            k = np.broadcast_to(k, (self.n_replicas, k.size))
        if k.shape != (self.n_replicas, self.n_edges):
            raise ValueError(
                f"conductances must have shape ({self.n_replicas}, {self.n_edges}) "
                f"or ({self.n_edges},), got {np.shape(conductances)}"
            )
        bad = ~np.isfinite(k) | (k <= 0)
        if bad.any():
            r, e = np.argwhere(bad)[0]
            raise ValueError(
                f"conductance of edge {e} in replica {r} is {float(k[r, e])!r}; "
                "conductances must be positive and finite (siemens)"
            )
        ratio = k.max(axis=1) / k.min(axis=1)
        if ratio.max() > CONDUCTANCE_RATIO_WARNING:
            # A wide ratio is necessary but not sufficient for a poor
            # condition number (a tiny edge in parallel with others is
            # harmless), so the condition number decides.
            worst = int(np.argmax(ratio))
            condition = self.condition_number(k, worst)
            if condition > CONDUCTANCE_RATIO_WARNING:
                warnings.warn(
                    f"conductances of replica {worst} span a ratio of {ratio[worst]:.3g}; the "
                    f"free-node Laplacian's condition number is {condition:.3g}, so solutions may "
                    f"lose about {np.log10(condition):.0f} of their 16 significant digits. Narrow "
                    "the conductance range",
                    IllConditionedWarning, stacklevel=2,
                )
        return k

    def condition_number(self, conductances, replica=0) -> float:
        """Return the 2-norm condition number of one replica's free-node Laplacian L_FF.

        Computed from the dense matrix, so it costs O(N³); meant for checks,
        not for every step.
        """
        k = np.broadcast_to(np.asarray(conductances, dtype=float), (self.n_replicas, self.n_edges))
        nf = self.n_free
        incidence = self._incidence_matrix(replica)
        laplacian = (incidence.T @ sp.diags(k[replica]) @ incidence).toarray()
        return float(np.linalg.cond(laplacian[:nf, :nf]))

    def laplacian(self, conductances) -> np.ndarray:
        """Return the dense weighted Laplacians, shape (R, N, N), in internal order.

        Parameters
        ----------
        conductances : ndarray, shape (R, E) or (E,)
            Edge conductances in siemens.
        """
        k = np.broadcast_to(np.asarray(conductances, dtype=float), (self.n_replicas, self.n_edges))
        weights = (k[..., None] * self._signs).ravel()
        n = self.n_nodes
        flat = np.bincount(self._flat, weights=weights, minlength=self.n_replicas * n * n)
        return flat.reshape(self.n_replicas, n, n)

    def _inputs(self, inputs) -> np.ndarray:
        x = np.asarray(inputs, dtype=float)
        if x.ndim == 2:
            x = np.broadcast_to(x, (self.n_replicas,) + x.shape)
        if x.ndim != 3 or x.shape[0] != self.n_replicas or x.shape[2] != self.n_sources:
            raise ValueError(
                f"inputs must have shape (M, {self.n_sources}) or "
                f"({self.n_replicas}, M, {self.n_sources}) volts, got {np.shape(inputs)}"
            )
        return x

    def solve(self, conductances, inputs, *, check=True, label="") -> States:
        """Solve the free states of every replica for M inputs at once.

        Parameters
        ----------
        conductances : ndarray, shape (R, E) or (E,)
            Edge conductances in siemens.
        inputs : ndarray, shape (M, S) or (R, M, S)
            Source voltages in volts, one row per data point.
        check : bool
            Check the residual of every solve.
        label : str
            Name of the state, used in error messages.

        Returns
        -------
        States

        Raises
        ------
        SolverError
            If a residual exceeds :data:`RESIDUAL_TOLERANCE`.
        """
        x = self._inputs(inputs)
        n_points = x.shape[1]
        nf, nt = self.n_free, self.n_targets

        if self.dense:
            laplacian = self.laplacian(conductances)
            block = laplacian[:, :nf, :nf]
            rhs = np.empty((self.n_replicas, nf, n_points + nt))
            rhs[:, :, :n_points] = -laplacian[:, :nf, self.source_slice] @ x.transpose(0, 2, 1)
            rhs[:, :, n_points:] = 0.0
            rhs[:, self.target_slice, n_points:] = np.eye(nt)
            solution = np.linalg.solve(block, rhs)
            if check:
                self._check_residual(block, solution, rhs, label)
        else:
            solution = self._solve_sparse(conductances, x, label, check)

        voltages = np.zeros((self.n_replicas, n_points, self.n_nodes))
        voltages[:, :, :nf] = solution[:, :, :n_points].transpose(0, 2, 1)
        voltages[:, :, self.source_slice] = x
        green = np.zeros((self.n_replicas, self.n_nodes, nt))
        green[:, :nf, :] = solution[:, :, n_points:]
        return States(voltages=voltages, green=green)

    def _solve_sparse(self, conductances, x, label, check):
        k = np.broadcast_to(np.asarray(conductances, dtype=float), (self.n_replicas, self.n_edges))
        nf, nt, n_points = self.n_free, self.n_targets, x.shape[1]
        solution = np.empty((self.n_replicas, nf, n_points + nt))
        for r in range(self.n_replicas):
            incidence = self._incidence_matrix(r)
            laplacian = (incidence.T @ sp.diags(k[r]) @ incidence).tocsc()
            block = laplacian[:nf, :nf].tocsc()
            rhs = np.zeros((nf, n_points + nt))
            rhs[:, :n_points] = -(laplacian[:nf, self.source_slice] @ x[r].T)
            rhs[self.n_interior:, n_points:] = np.eye(nt)
            solution[r] = splu(block).solve(rhs)
            if check:
                residual = block @ solution[r] - rhs
                self._raise_on_residual(residual, block, solution[r], rhs, label, r)
        return solution

    def _check_residual(self, block, solution, rhs, label):
        residual = block @ solution - rhs
        scale = np.abs(block).sum(axis=2).max(axis=1)[:, None, None] * np.abs(solution) + np.abs(rhs)
        relative = np.abs(residual) / np.maximum(scale, np.finfo(float).tiny)
        if relative.max() > RESIDUAL_TOLERANCE:
            r = int(np.unravel_index(np.argmax(relative), relative.shape)[0])
            self._raise_on_residual(residual[r], block[r], solution[r], rhs[r], label, r)

    def _raise_on_residual(self, residual, block, solution, rhs, label, replica):
        scale = abs(block).sum(axis=1).max() * np.abs(solution) + np.abs(rhs)
        relative = float((np.abs(residual) / np.maximum(scale, np.finfo(float).tiny)).max())
        if relative > RESIDUAL_TOLERANCE:
            name = self.networks[replica].name
            raise SolverError(
                f"solve of the {label or 'free'} state of network {name!r} (replica {replica}) "
                f"has relative residual {relative:.3g} above {RESIDUAL_TOLERANCE:.0e}; "
                "the conductances are probably too widely spread or the network is near singular"
            )

    def solve_fixed_targets(self, conductances, inputs, target_voltages, *, check=True,
                            label="clamped") -> np.ndarray:
        """Solve with sources and targets both imposed, by a separate factorization.

        This is the clamped state of a network whose conductances differ from
        the free one, as in the laboratory's twin network. For the same
        conductances :meth:`States.clamped` gives the same result for less work.

        Parameters
        ----------
        conductances : ndarray, shape (R, E) or (E,)
            Edge conductances in siemens.
        inputs : ndarray, shape (R, M, S) or (M, S)
            Source voltages in volts.
        target_voltages : ndarray, shape (R, M, T)
            Imposed target voltages in volts.

        Returns
        -------
        ndarray, shape (R, M, N)
            Node voltages in internal order.
        """
        x = self._inputs(inputs)
        vt = np.asarray(target_voltages, dtype=float)
        n_points = x.shape[1]
        ni = self.n_interior
        voltages = np.zeros((self.n_replicas, n_points, self.n_nodes))
        voltages[:, :, self.target_slice] = vt
        voltages[:, :, self.source_slice] = x
        if ni == 0:
            return voltages
        if not self.dense:
            k = np.broadcast_to(np.asarray(conductances, dtype=float), (self.n_replicas, self.n_edges))
            for r in range(self.n_replicas):
                incidence = self._incidence_matrix(r)
                laplacian = (incidence.T @ sp.diags(k[r]) @ incidence).tocsc()
                block = laplacian[:ni, :ni].tocsc()
                rhs = -(laplacian[:ni, ni:] @ voltages[r, :, ni:].T)
                interior = splu(block).solve(np.asarray(rhs))
                if check:
                    self._raise_on_residual(block @ interior - rhs, block, interior, rhs, label, r)
                voltages[r, :, :ni] = interior.T
            return voltages
        laplacian = self.laplacian(conductances)
        block = laplacian[:, :ni, :ni]
        rhs = -laplacian[:, :ni, ni:] @ voltages[:, :, ni:].transpose(0, 2, 1)
        interior = np.linalg.solve(block, rhs)
        if check:
            self._check_residual(block, interior, rhs, label)
        voltages[:, :, :ni] = interior.transpose(0, 2, 1)
        return voltages

    def voltage_drops(self, voltages) -> np.ndarray:
        """Return ``ΔV_e = V_i - V_j`` for every edge, shape (R, B, E), in volts.

        Parameters
        ----------
        voltages : ndarray, shape (R, B, N)
            Node voltages in internal order.

        Notes
        -----
        The result is always C-contiguous. Fancy indexing can return other
        memory layouts depending on R, and NumPy's summation order over the
        batch axis follows the layout. Without the copy, a run's batch sums
        would change in the last bits with the number of runs stacked.
        """
        if self.n_nodes >= SPARSE_DROPS_MIN_NODES:
            # Each entry is 1*V_i + (-1)*V_j, bit-identical to V_i - V_j.
            drops = np.empty(voltages.shape[:2] + (self.n_edges,))
            for r in range(self.n_replicas):
                drops[r] = (self._incidence_matrix(r) @ voltages[r].T).T
            return drops
        if self.shared_topology:
            a, b = self.edges[0, :, 0], self.edges[0, :, 1]
            return np.ascontiguousarray(voltages[:, :, a] - voltages[:, :, b])
        a = self.edges[:, None, :, 0]
        b = self.edges[:, None, :, 1]
        drops = np.take_along_axis(voltages, a, axis=2) - np.take_along_axis(voltages, b, axis=2)
        return np.ascontiguousarray(drops)

    def node_voltages(self, voltages) -> np.ndarray:
        """Reorder voltages from internal order to each network's node ids."""
        return np.take_along_axis(voltages, self.position[:, None, :], axis=2)


def solve_network(network: Network, conductances, inputs, sources=None, targets=None,
                  ground=None) -> np.ndarray:
    """Solve one network's free state and return node voltages in its own order.

    A convenience wrapper around :class:`Circuit` for a single replica.

    Parameters
    ----------
    network : Network
    conductances : ndarray, shape (E,)
        Siemens.
    inputs : ndarray, shape (M, S)
        Source voltages in volts.

    Returns
    -------
    ndarray, shape (M, N)
        Node voltages in volts.
    """
    circuit = Circuit(network, sources, targets, ground)
    inputs = check_finite_array("inputs", inputs, ndim=2)
    k = circuit.check_conductances(conductances)
    states = circuit.solve(k, inputs)
    return circuit.node_voltages(states.voltages)[0]


