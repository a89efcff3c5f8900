"""Per-run random streams that do not depend on how runs are grouped.

Each run owns a :class:`numpy.random.SeedSequence` derived from the study's
base seed and the run's identity (study, task, seed index). Each purpose
(schedule, batch, comparator noise, ...) spawns its own generator from it, and
a stream draws a fixed shape per step in fixed-size chunks. A run therefore
draws the same numbers whether it is trained alone, in a stack of 1,000
replicas, or next to other runs in another order.
"""

from __future__ import annotations

import zlib

import numpy as np

#: Steps drawn at once per generator; part of the definition of the streams,
#: so changing it changes every run's numbers.
CHUNK_STEPS = 64


def name_key(name: str) -> int:
    """Return a stable 32-bit integer for a name (CRC-32), usable in spawn keys."""
    return zlib.crc32(name.encode("utf-8"))


def run_seed(base_seed: int, *names_or_ids) -> np.random.SeedSequence:
    """Return the seed sequence of one run.

    Parameters
    ----------
    base_seed : int
        The study's base seed.
    *names_or_ids : str or int
        The run's identity, for example ``("simulation", "regression", 3)``.
        Strings are hashed with :func:`name_key`.
    """
    key = tuple(name_key(v) if isinstance(v, str) else int(v) for v in names_or_ids)
    return np.random.SeedSequence(int(base_seed), spawn_key=key)


def purpose_generator(seed: np.random.SeedSequence, purpose: str) -> np.random.Generator:
    """Return the generator of one purpose within one run."""
    child = np.random.SeedSequence(seed.entropy, spawn_key=tuple(seed.spawn_key) + (name_key(purpose),))
    return np.random.default_rng(child)


class Stream:
    """Per-run draws of a fixed shape, one block per step.

    Parameters
    ----------
    seeds : sequence of SeedSequence
        One per run.
    purpose : str
        Name that separates this stream from the run's other streams.
    shape : tuple of int
        Shape drawn per run and step.
    kind : {"uniform", "normal"}
        Uniform on [0, 1) or standard normal.
    """

    def __init__(self, seeds, purpose, shape, kind="uniform"):
        if kind not in ("uniform", "normal"):
            raise ValueError(f"unknown stream kind {kind!r}; known kinds are ['normal', 'uniform']")
        self.generators = [purpose_generator(s, purpose) for s in seeds]
        self.shape = tuple(shape)
        self.kind = kind
        self._buffer = None
        self._next = CHUNK_STEPS

    def _refill(self):
        size = (CHUNK_STEPS,) + self.shape
        if self.kind == "uniform":
            blocks = [g.random(size) for g in self.generators]
        else:
            blocks = [g.standard_normal(size) for g in self.generators]
        self._buffer = np.stack(blocks, axis=1)
        self._next = 0

    def draw(self) -> np.ndarray:
        """Return the next step's draws, shape (R, *shape)."""
        if self._next == CHUNK_STEPS:
            self._refill()
        block = self._buffer[self._next]
        self._next += 1
        return block
