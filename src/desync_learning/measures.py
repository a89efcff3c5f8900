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
    """

    def __init__(self, positions):
        self.start = np.array(positions, copy=True)
        self.n_runs = len(self.start)
        self.states = [set() for _ in range(self.n_runs)]
        self.parities = [set() for _ in range(self.n_runs)]
        self.last_move = np.zeros(self.start.shape, dtype=np.int8)
        self.flip_backs = np.zeros(self.n_runs, dtype=np.int64)
        self.repeat_moves = np.zeros(self.n_runs, dtype=np.int64)
        self.moves = np.zeros(self.n_runs, dtype=np.int64)
        self.observe(self.start, np.zeros_like(self.last_move))

    def observe(self, positions, moves):
        """Record the new positions and the moves (-1, 0, +1 per edge) that led there."""
        moved = moves != 0
        repeat = moved & (self.last_move != 0)
        self.flip_backs += (repeat & (moves == -self.last_move)).sum(axis=1)
        self.repeat_moves += repeat.sum(axis=1)
        self.moves += moved.sum(axis=1)
        self.last_move = np.where(moved, moves, self.last_move).astype(np.int8)

        parity = np.packbits(((positions - self.start) & 1).astype(np.uint8), axis=1)
        state_bytes = np.ascontiguousarray(positions)
        for r in range(self.n_runs):
            self.states[r].add(state_bytes[r].tobytes())
            self.parities[r].add(parity[r].tobytes())

    def summary(self) -> dict:
        """Return per-run arrays: distinct_states, parity_classes, flip_back_fraction, moves."""
        with np.errstate(invalid="ignore", divide="ignore"):
            fraction = np.where(self.repeat_moves > 0, self.flip_backs / np.maximum(self.repeat_moves, 1), np.nan)
        return {
            "distinct_states": np.array([len(s) for s in self.states]),
            "parity_classes": np.array([len(p) for p in self.parities]),
            "flip_back_fraction": fraction,
            "moves": self.moves.copy(),
        }
