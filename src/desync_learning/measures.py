"""Measures of learning and of state-space exploration."""

from __future__ import annotations

import numpy as np


def cosine_similarity(a, b):
    """Return the cosine of the angle between rows of ``a`` and ``b``, shape (R,).

    Rows where either vector is zero give NaN, since their angle is undefined.
    """
    dot = (a * b).sum(axis=-1)
    norms = np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norms > 0, dot / np.where(norms > 0, norms, 1.0), np.nan)


def final_mean(values, fraction=0.1):
    """Return the mean over the last ``fraction`` of the last axis (at least one entry)."""
    count = max(1, int(round(values.shape[-1] * fraction)))
    return values[..., -count:].mean(axis=-1)


class ExplorationTracker:
    """Count the discrete states, parity classes and flip-backs of R runs.

    Parameters
    ----------
    positions : ndarray of int, shape (R, E)
        Starting resistor positions.

    Notes
    -----
    The parity class of a state is the vector of each edge's position minus
    its start, modulo 2. With synchronous ±1 steps and no saturation every
    edge has moved t times after t steps, so only one parity class (all
    edges even or all odd) is ever seen at a given step and at most two in
    total. A flip-back is a move opposite to the same edge's previous move.

    States are stored as 64-bit hashes ``Σ_e n_e m_e mod 2**64`` with fixed
    random odd multipliers m_e, 16 bytes per run and step. Two different
    states share a hash with probability about 2**-64, so the counts are
    exact for any run that fits in memory, barring that chance.
    """

    def __init__(self, positions):
        self.start = np.array(positions, copy=True)
        self.n_runs, n_edges = self.start.shape
        self._multipliers = np.random.default_rng(0).integers(0, 2**63, size=n_edges, dtype=np.uint64) * 2 + 1
        self._state_hashes = []
        self._parity_hashes = []
        self.last_move = np.zeros(self.start.shape, dtype=np.int8)
        self.flip_backs = np.zeros(self.n_runs, dtype=np.int64)
        self.repeat_moves = np.zeros(self.n_runs, dtype=np.int64)
        self.moves = np.zeros(self.n_runs, dtype=np.int64)
        self.observe(self.start, np.zeros_like(self.last_move))

    def _hash(self, vectors):
        return (vectors.astype(np.uint64) * self._multipliers).sum(axis=1, dtype=np.uint64)

    def observe(self, positions, moves):
        """Record the new positions and the moves (-1, 0, +1 per edge) that led there."""
        moved = moves != 0
        repeat = moved & (self.last_move != 0)
        self.flip_backs += (repeat & (moves == -self.last_move)).sum(axis=1)
        self.repeat_moves += repeat.sum(axis=1)
        self.moves += moved.sum(axis=1)
        self.last_move = np.where(moved, moves, self.last_move).astype(np.int8)
        self._state_hashes.append(self._hash(positions))
        self._parity_hashes.append(self._hash((positions - self.start) & 1))

    def summary(self) -> dict:
        """Return per-run arrays: distinct_states, parity_classes, flip_back_fraction, moves."""
        states = np.stack(self._state_hashes, axis=1)
        parities = np.stack(self._parity_hashes, axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            fraction = np.where(self.repeat_moves > 0, self.flip_backs / np.maximum(self.repeat_moves, 1), np.nan)
        return {
            "distinct_states": np.array([np.unique(row).size for row in states]),
            "parity_classes": np.array([np.unique(row).size for row in parities]),
            "flip_back_fraction": fraction,
            "moves": self.moves.copy(),
        }
