"""Update schedules: which edges update at each training step.

A schedule is a small class registered under a name. It is started with the
number of runs, the number of edges and the runs' seed sequences, then
returns a boolean mask of shape (runs, edges) per step. Adding a schedule
means writing one subclass of :class:`UpdateSchedule` decorated with
:func:`register_schedule`; the pipeline then accepts its name in the config.
"""

from __future__ import annotations

import numpy as np

from .checks import check_choice, check_in_range
from .randomness import Stream

SCHEDULES: dict[str, type] = {}


def register_schedule(name):
    """Register an :class:`UpdateSchedule` subclass under ``name``."""

    def decorate(cls):
        cls.name = name
        SCHEDULES[name] = cls
        return cls

    return decorate


def make_schedule(name, **parameters):
    """Create a schedule from its registered name and parameters.

    Raises
    ------
    ValueError
        If the name is unknown or a parameter is out of range.
    """
    check_choice("schedule", name, SCHEDULES)
    try:
        return SCHEDULES[name](**parameters)
    except TypeError as err:
        raise ValueError(f"invalid parameters {parameters!r} for schedule {name!r}: {err}") from err


class UpdateSchedule:
    """Base class of update schedules.

    Subclasses set :attr:`update_fraction` (expected fraction of edges updated
    per step, used to rescale time) and implement :meth:`_mask`.
    """

    name = "base"
    update_fraction = 1.0

    def start(self, n_edges, seeds):
        """Prepare for ``len(seeds)`` runs of ``n_edges`` edges."""
        self.n_runs = len(seeds)
        self.n_edges = int(n_edges)
        self.step = 0
        self._start(seeds)
        return self

    def _start(self, seeds):
        pass

    def next_mask(self) -> np.ndarray:
        """Return which edges update at the next step, bool array (runs, edges)."""
        mask = self._mask()
        self.step += 1
        return mask

    def _mask(self):
        raise NotImplementedError

    def parameters(self) -> dict:
        """Return the schedule's parameters, for provenance and tables."""
        return {}


@register_schedule("synchronous")
class Synchronous(UpdateSchedule):
    """Every edge updates at every step.

    Parameters
    ----------
    update_probability : float
        Must be 1; accepted so that studies can pass p to every schedule.
    """

    def __init__(self, update_probability=1.0):
        if update_probability != 1.0:
            raise ValueError(
                f"the synchronous schedule updates every edge, so update_probability must be 1, "
                f"got {update_probability!r}; use schedule 'bernoulli' for p < 1"
            )

    def _mask(self):
        return np.ones((self.n_runs, self.n_edges), dtype=bool)


@register_schedule("bernoulli")
class Bernoulli(UpdateSchedule):
    """Each edge updates independently with probability p at each step.

    Parameters
    ----------
    update_probability : float
        p in (0, 1]; p = 1 gives exactly the synchronous schedule.
    """

    def __init__(self, update_probability=1.0):
        self.update_fraction = check_in_range(
            "update_probability", update_probability, 0.0, 1.0, low_open=True
        )

    def _start(self, seeds):
        self._uniform = Stream(seeds, "schedule", (self.n_edges,))

    def _mask(self):
        return self._uniform.draw() < self.update_fraction

    def parameters(self):
        return {"update_probability": self.update_fraction}


@register_schedule("fixed_count")
class FixedCount(UpdateSchedule):
    """Exactly round(pE) edges, chosen at random, update at each step.

    Parameters
    ----------
    update_probability : float
        p in (0, 1]; round(pE) must be at least 1.
    """

    def __init__(self, update_probability=1.0):
        self.update_fraction = check_in_range(
            "update_probability", update_probability, 0.0, 1.0, low_open=True
        )

    def _start(self, seeds):
        self.count = int(round(self.update_fraction * self.n_edges))
        if self.count < 1:
            raise ValueError(
                f"update_probability={self.update_fraction!r} selects round(pE) = 0 of "
                f"{self.n_edges} edges; use p >= {0.5 / self.n_edges:.3g}"
            )
        self._uniform = Stream(seeds, "schedule", (self.n_edges,))

    def _mask(self):
        chosen = np.argpartition(self._uniform.draw(), self.count - 1, axis=1)[:, : self.count]
        mask = np.zeros((self.n_runs, self.n_edges), dtype=bool)
        np.put_along_axis(mask, chosen, True, axis=1)
        return mask

    def parameters(self):
        return {"update_probability": self.update_fraction}


@register_schedule("clock")
class FreeRunningClocks(UpdateSchedule):
    """Each edge runs its own clock of period 1/p steps with a random phase and jitter.

    An edge updates at a step when one of its clock ticks falls in that step.
    Successive tick intervals are ``(1/p) * max(0.1, 1 + jitter * ξ)`` with ξ
    standard normal, so ``jitter`` is the relative spread of the period.

    Parameters
    ----------
    update_probability : float
        p in (0, 1], the inverse of the mean clock period in steps.
    jitter : float
        Relative standard deviation of each tick interval, in [0, 0.5].

    Notes
    -----
    Ticks that fall into the same step merge into one update, so near
    p = 1 a jittered clock updates an edge in fewer than a fraction p of
    the steps (about 94 % at p = 1 with jitter 0.2). Larger jitter would
    also bias the mean interval through the 0.1-step floor, which is why
    it is capped at 0.5.
    """

    def __init__(self, update_probability=1.0, jitter=0.1):
        self.update_fraction = check_in_range(
            "update_probability", update_probability, 0.0, 1.0, low_open=True
        )
        self.jitter = check_in_range("jitter", jitter, 0.0, 0.5)

    def _start(self, seeds):
        period = 1.0 / self.update_fraction
        phase = Stream(seeds, "clock_phase", (self.n_edges,)).draw()
        self._next_tick = phase * period
        self._normal = Stream(seeds, "clock_jitter", (self.n_edges,), kind="normal")

    def _mask(self):
        end = self.step + 1
        period = 1.0 / self.update_fraction
        fired = self._next_tick < end
        noise = self._normal.draw()
        interval = period * np.maximum(0.1, 1.0 + self.jitter * noise)
        # Ticks closer than one step apart merge into the one update an edge
        # can make per step. The interval is at least 0.1 steps, so this ends.
        while (self._next_tick < end).any():
            self._next_tick = np.where(self._next_tick < end, self._next_tick + interval, self._next_tick)
        return fired

    def parameters(self):
        return {"update_probability": self.update_fraction, "jitter": self.jitter}


class BatchSampler:
    """Draw b of the M training points per step, without replacement within a step.

    With b = M every step uses all points in order and draws no random numbers.

    Parameters
    ----------
    n_points : int
        M, the training-set size.
    batch_size : int
        b in 1..M.
    seeds : sequence of SeedSequence
        One per run.
    """

    def __init__(self, n_points, batch_size, seeds):
        from .checks import check_integer

        self.n_points = check_integer("n_points", n_points, 1)
        self.batch_size = check_integer("batch_size", batch_size, 1, self.n_points)
        self.n_runs = len(seeds)
        if self.batch_size < self.n_points:
            self._uniform = Stream(seeds, "batch", (self.n_points,))

    def next_batch(self) -> np.ndarray:
        """Return the indices of the next batch, int array (runs, b), sorted per run."""
        if self.batch_size == self.n_points:
            return np.broadcast_to(np.arange(self.n_points), (self.n_runs, self.n_points))
        order = np.argsort(self._uniform.draw(), axis=1, kind="stable")[:, : self.batch_size]
        return np.sort(order, axis=1)
