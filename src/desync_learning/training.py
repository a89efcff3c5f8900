"""Training loops of coupled learning for stacks of runs.

One call trains R runs (replicas) at once: each run has its own network,
task data, seed and schedule draws, but all share the step count. A
*learner* stores the learning degrees of freedom and applies one rule:

- :class:`ContinuousLearner`: conductances with the continuous rule;
- :class:`DiscreteLearner`: integer resistor positions with the ideal sign rule;
- :class:`~desync_learning.hardware.HardwareLearner`: the emulated twin
  network with its imperfections.

Each step draws the update mask and the batch, solves the free state once
for the whole training set (plus the test set on recorded steps), records
the error, and updates the masked edges from the batch.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections import deque
from dataclasses import dataclass, field

import numpy as np

from .checks import check_conductance_bounds, check_in_range, check_integer
from .measures import ExplorationTracker, cosine_similarity
from .rules import (
    apply_continuous,
    apply_discrete,
    check_nudge,
    check_positions,
    check_resistor,
    clamp_targets,
    continuous_update,
    discrete_direction,
    mean_error,
    position_resistance,
)
from .schedules import BatchSampler, UpdateSchedule
from .solver import CONDUCTANCE_RATIO_WARNING, IllConditionedWarning
from .tasks import Task, accuracy

logger = logging.getLogger(__name__)


@dataclass
class TaskStack:
    """Task data of R runs stacked along a leading axis (volts)."""

    train_inputs: np.ndarray
    train_desired: np.ndarray
    test_inputs: np.ndarray
    test_desired: np.ndarray
    train_labels: np.ndarray
    test_labels: np.ndarray
    has_labels: bool

    @classmethod
    def from_tasks(cls, tasks: list[Task]) -> TaskStack:
        """Stack tasks of equal sizes.

        Raises
        ------
        ValueError
            If the tasks differ in set sizes or numbers of inputs and outputs.
        """
        shapes = {(t.train_inputs.shape, t.train_desired.shape, t.test_inputs.shape) for t in tasks}
        if len(shapes) != 1:
            raise ValueError(f"tasks of one stack must share their array shapes, got {sorted(shapes)}")
        return cls(
            np.stack([t.train_inputs for t in tasks]),
            np.stack([t.train_desired for t in tasks]),
            np.stack([t.test_inputs for t in tasks]),
            np.stack([t.test_desired for t in tasks]),
            np.stack([t.train_labels for t in tasks]),
            np.stack([t.test_labels for t in tasks]),
            all(t.has_labels for t in tasks),
        )

    @property
    def n_train(self) -> int:
        """Training-set size M."""
        return self.train_inputs.shape[1]

    @property
    def n_test(self) -> int:
        """Test-set size."""
        return self.test_inputs.shape[1]


def _gather(array, batch):
    return np.take_along_axis(array, batch[:, :, None], axis=1)


def batch_drops(circuit, states, batch, desired, nudge):
    """Return the free and clamped voltage drops of a batch, each (R, b, E), volts.

    The clamped state fixes the targets at ``(1 - η) V_F^O + η V^D`` and is
    computed from the free solve's factorization (:meth:`States.clamped`).
    """
    free = _gather(states.voltages, batch)
    outputs = free[:, :, circuit.target_slice]
    clamped = states.clamped(circuit, clamp_targets(outputs, desired, nudge), columns=batch)
    return circuit.voltage_drops(free), circuit.voltage_drops(clamped)


class ContinuousLearner:
    """Conductances trained with the continuous coupled-learning rule.

    Parameters
    ----------
    initial_conductances : ndarray, shape (R, E)
        Siemens, inside ``[k_min, k_max]``.
    learning_rate : float
        α > 0, siemens per volt squared.
    nudge : float
        η in (0, 1].
    k_min, k_max : float
        Conductance bounds in siemens, ``0 < k_min < k_max``.
    """

    discrete = False

    def __init__(self, initial_conductances, learning_rate, nudge, k_min, k_max):
        self.learning_rate = check_in_range("learning_rate", learning_rate, 0.0, None, low_open=True)
        self.nudge = check_nudge(nudge)
        self.k_min, self.k_max = check_conductance_bounds(k_min, k_max)
        if self.k_max / self.k_min > CONDUCTANCE_RATIO_WARNING:
            warnings.warn(
                f"k_max / k_min = {self.k_max / self.k_min:.3g} exceeds {CONDUCTANCE_RATIO_WARNING:.0e}; "
                "the Laplacian's condition number can grow in proportion to this ratio, and a solve "
                "that loses accuracy stops training with a SolverError. Narrow the conductance bounds",
                IllConditionedWarning, stacklevel=2,
            )
        self.k = np.clip(np.array(initial_conductances, dtype=float), self.k_min, self.k_max)

    def start(self, circuit, seeds, batch_size):
        """Nothing to prepare: the continuous rule draws no random numbers."""

    def conductances(self):
        """Return the conductances, siemens, shape (R, E)."""
        return self.k

    def extra_inputs(self, inputs):
        """Return no extra columns: the batch is read from the training-set solve."""
        return None

    def proposed_update(self, circuit, states, batch, desired):
        """Return the rule's update of every edge for a batch, siemens, shape (R, E)."""
        free_drops, clamped_drops = batch_drops(circuit, states, batch, desired, self.nudge)
        return continuous_update(free_drops, clamped_drops, self.nudge, self.learning_rate)

    def keep_edges(self, kept):
        """Drop every edge not listed in ``kept``, int array (R, E'), per run."""
        self.k = np.take_along_axis(self.k, kept, axis=1)

    def propose(self, circuit, states, batch, desired, extra=None):
        """Return the update every edge would make from the current state."""
        return self.proposed_update(circuit, states, batch, desired)

    def apply(self, proposal, mask):
        """Apply a proposal on the masked edges; return the commanded change (R, E)."""
        self.k = apply_continuous(self.k, proposal, mask, self.k_min, self.k_max)
        return np.where(mask, proposal, 0.0)


class DiscreteLearner:
    """Integer resistor positions trained with the ideal sign rule.

    Parameters
    ----------
    initial_positions : ndarray of int, shape (R, E)
        0..levels-1.
    levels : int
        Positions per resistor.
    r_min, r_max : float
        Resistance at positions 0 and levels-1, ohms.
    nudge : float
        η in (0, 1].
    """

    discrete = True

    def __init__(self, initial_positions, levels, r_min, r_max, nudge):
        self.levels, self.r_min, self.r_max = check_resistor(levels, r_min, r_max)
        self.nudge = check_nudge(nudge)
        self.positions = check_positions(initial_positions, self.levels)

    def start(self, circuit, seeds, batch_size):
        """Nothing to prepare: the ideal sign rule draws no random numbers."""

    def conductances(self):
        """Return the conductances, siemens, shape (R, E)."""
        return 1.0 / position_resistance(self.positions, self.r_min, self.r_max, self.levels)

    def extra_inputs(self, inputs):
        """Return no extra columns: the batch is read from the training-set solve."""
        return None

    def proposed_update(self, circuit, states, batch, desired):
        """Return the sign rule's step of every edge for a batch, shape (R, E)."""
        return discrete_direction(*batch_drops(circuit, states, batch, desired, self.nudge))

    def keep_edges(self, kept):
        """Drop every edge not listed in ``kept``, int array (R, E'), per run."""
        self.positions = np.take_along_axis(self.positions, kept, axis=1)

    def propose(self, circuit, states, batch, desired, extra=None):
        """Return the step every edge would make from the current state."""
        return self.proposed_update(circuit, states, batch, desired)

    def apply(self, proposal, mask):
        """Move the masked edges; return the moves (-1, 0, +1), shape (R, E)."""
        old = self.positions
        self.positions = apply_discrete(old, proposal, mask, self.levels)
        return (self.positions - old).astype(np.int8)


def _reference_update(learner, circuit, states, data):
    """Full-batch, all-edge update of the ideal rule from the current state."""
    all_points = np.broadcast_to(np.arange(data.n_train), (circuit.n_replicas, data.n_train))
    if isinstance(learner, (ContinuousLearner, DiscreteLearner)):
        return learner.proposed_update(circuit, states, all_points, data.train_desired)
    # Emulated hardware: the noise-free sign rule on the free network.
    ideal = DiscreteLearner(learner.positions, learner.parameters.levels, learner.parameters.r_min,
                            learner.parameters.r_max, learner.nudge)
    return ideal.proposed_update(circuit, states, all_points, data.train_desired)


@dataclass
class Trajectory:
    """Record of one training call for R runs.

    Errors are in volts squared, conductances in siemens.

    Attributes
    ----------
    error : ndarray, shape (R, steps + 1)
        Mean training error before each step, and after the last one.
    record_steps : ndarray, shape (K,)
        Steps at which the attributes below were recorded.
    test_error, accuracy, test_accuracy, cosine_similarity : ndarray, shape (R, K)
        ``cosine_similarity`` compares the step's actual update with the
        synchronous full-batch update from the same state (NaN on the last
        record, where no update follows).
    conductances : ndarray, shape (R, K, E)
    updates_per_step : ndarray, shape (R, steps)
        Number of edges in each step's mask.
    raster : ndarray of bool, shape (R, raster_steps, E)
        Update masks of the first steps.
    distance_travelled : ndarray, shape (R,)
        Path length in conductance space, Σ_t ||k_{t+1} - k_t||, siemens.
    exploration : dict of ndarray, shape (R,)
        Discrete learners only: distinct_states, parity_classes,
        flip_back_fraction, moves.
    elapsed_seconds : float
    """

    error: np.ndarray
    record_steps: np.ndarray
    test_error: np.ndarray
    accuracy: np.ndarray
    test_accuracy: np.ndarray
    cosine_similarity: np.ndarray
    conductances: np.ndarray
    updates_per_step: np.ndarray
    raster: np.ndarray
    distance_travelled: np.ndarray
    exploration: dict = field(default_factory=dict)
    elapsed_seconds: float = 0.0


def train(circuit, tasks, learner, schedule: UpdateSchedule, *, steps, batch_size, seeds,
          record_every=1, raster_steps=0, staleness=0, progress_seconds=30.0) -> Trajectory:
    """Train R runs with coupled learning and record their trajectories.

    Parameters
    ----------
    circuit : Circuit
        R replicas of the network with terminals.
    tasks : list of Task
        One per run, all of the same sizes.
    learner : ContinuousLearner, DiscreteLearner or HardwareLearner
    schedule : UpdateSchedule
        Chooses the edges that update at each step.
    steps : int
        Number of training steps, at least 1.
    batch_size : int
        b in 1..M, the training points used per step.
    seeds : list of SeedSequence
        One per run (see :func:`~desync_learning.randomness.run_seed`).
    record_every : int
        Record test error, accuracy, cosine similarity and conductances
        every this many steps (and at the last step).
    raster_steps : int
        Keep the update masks of this many first steps.
    staleness : int
        d >= 0: each update uses the voltage drops measured d steps earlier,
        while the other edges have kept changing. With d > 0 no edge moves
        during the first d steps.
    progress_seconds : float
        Log progress at most this often.

    Returns
    -------
    Trajectory

    Raises
    ------
    ValueError
        If sizes disagree or an argument is out of range.
    """
    steps = check_integer("steps", steps, 1)
    record_every = check_integer("record_every", record_every, 1)
    raster_steps = check_integer("raster_steps", raster_steps, 0)
    staleness = check_integer("staleness", staleness, 0)
    n_runs = circuit.n_replicas
    if len(tasks) != n_runs or len(seeds) != n_runs:
        raise ValueError(
            f"circuit has {n_runs} replicas but {len(tasks)} tasks and {len(seeds)} seeds were given"
        )
    data = TaskStack.from_tasks(tasks)
    if data.train_inputs.shape[2] != circuit.n_sources or data.train_desired.shape[2] != circuit.n_targets:
        raise ValueError(
            f"task has {data.train_inputs.shape[2]} inputs and {data.train_desired.shape[2]} outputs "
            f"but the network has {circuit.n_sources} sources and {circuit.n_targets} targets"
        )
    batch_size = check_integer("batch_size", batch_size, 1, data.n_train)

    schedule.start(circuit.n_edges, seeds)
    sampler = BatchSampler(data.n_train, batch_size, seeds)
    learner.start(circuit, seeds, batch_size)
    tracker = ExplorationTracker(learner.positions) if learner.discrete else None

    record_steps = np.unique(np.append(np.arange(0, steps + 1, record_every), steps))
    n_records = len(record_steps)
    error = np.empty((n_runs, steps + 1))
    test_error = np.full((n_runs, n_records), np.nan)
    train_accuracy = np.full((n_runs, n_records), np.nan)
    test_accuracy = np.full((n_runs, n_records), np.nan)
    cosine = np.full((n_runs, n_records), np.nan)
    snapshots = np.empty((n_runs, n_records, circuit.n_edges))
    updates_per_step = np.empty((n_runs, steps), dtype=np.int32)
    raster = np.zeros((n_runs, min(raster_steps, steps), circuit.n_edges), dtype=bool)
    distance = np.zeros(n_runs)

    m, m_test = data.n_train, data.n_test
    pending = deque()
    record = 0
    started = last_log = time.perf_counter()
    k = learner.conductances()
    for t in range(steps + 1):
        recording = record < n_records and record_steps[record] == t
        if t < steps:
            mask = schedule.next_mask()
            batch = sampler.next_batch()
            extra = learner.extra_inputs(_gather(data.train_inputs, batch))
        else:
            extra = None

        # One free solve: training set, test set on recorded steps, extra columns.
        columns = [data.train_inputs]
        if recording and m_test:
            columns.append(data.test_inputs)
        if extra is not None:
            columns.append(extra)
        states = circuit.solve(k, np.concatenate(columns, axis=1) if len(columns) > 1 else columns[0],
                               label="free")
        outputs = states.outputs(circuit)
        error[:, t] = mean_error(outputs[:, :m], data.train_desired)

        if recording:
            snapshots[:, record] = k
            if m_test:
                test_outputs = outputs[:, m:m + m_test]
                test_error[:, record] = mean_error(test_outputs, data.test_desired)
                if data.has_labels:
                    test_accuracy[:, record] = accuracy(test_outputs, data.test_labels)
            if data.has_labels:
                train_accuracy[:, record] = accuracy(outputs[:, :m], data.train_labels)
        if t == steps:
            break

        reference = _reference_update(learner, circuit, states, data) if recording else None
        desired = _gather(data.train_desired, batch)
        proposal = learner.propose(circuit, states, batch, desired, extra)
        if staleness:
            # Each edge acts on what it measured `staleness` steps ago; until
            # then it has no measurement and does not move.
            pending.append(proposal)
            proposal = pending.popleft() if len(pending) > staleness else np.zeros_like(proposal)
        change = learner.apply(proposal, mask)
        if recording:
            cosine[:, record] = cosine_similarity(change.astype(float), reference.astype(float))
        if tracker is not None:
            tracker.observe(learner.positions, change)

        new_k = learner.conductances()
        distance += np.linalg.norm(new_k - k, axis=1)
        k = new_k
        updates_per_step[:, t] = mask.sum(axis=1)
        if t < raster.shape[1]:
            raster[:, t] = mask
        record += recording

        now = time.perf_counter()
        if now - last_log > progress_seconds:
            logger.info("step %d/%d, median training error %.4g, %.1f s elapsed",
                        t + 1, steps, float(np.median(error[:, t])), now - started)
            last_log = now

    elapsed = time.perf_counter() - started
    logger.info("trained %d runs for %d steps in %.2f s; median final error %.4g",
                n_runs, steps, elapsed, float(np.median(error[:, -1])))
    return Trajectory(
        error=error,
        record_steps=record_steps,
        test_error=test_error,
        accuracy=train_accuracy,
        test_accuracy=test_accuracy,
        cosine_similarity=cosine,
        conductances=snapshots,
        updates_per_step=updates_per_step,
        raster=raster,
        distance_travelled=distance,
        exploration=tracker.summary() if tracker is not None else {},
        elapsed_seconds=elapsed,
    )
