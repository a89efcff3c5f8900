"""Benchmark coupled-learning training steps against a plain sparse-solver baseline.

For each case the script times ``desync_learning.training.train`` and a
baseline written here: for every data point, the baseline slices the
constrained system out of a sparse Laplacian and calls
``scipy.sparse.linalg.spsolve`` once for the free and once for the clamped
state. It then applies the continuous rule
``Δk = (α/η) <(ΔV_F)² - (ΔV_C)²>`` averaged over all data points and clips
k to [k_min, k_max]. Replicas are solved one after another.

Cases:

- the 16-edge laboratory network with 1, 100 and 1000 replicas, trained on a
  one-point allostery task by the hardware emulator (default
  ``HardwareParameters``, so every imperfection is on, with batch 1 and a
  Bernoulli schedule with p = 0.5) and by the continuous rule (synchronous),
- disordered networks of 64, 512 and 4096 nodes (mean coordination 4,
  3 sources, 2 targets, 1 ground) with M = 1, 32 and 150 regression points,
  continuous rule, synchronous, full batch,
- the 512-node networks again with the batched dense solver forced
  (``dense_limit=FORCED_DENSE_LIMIT``), because their 508 free nodes exceed
  ``DENSE_LIMIT`` and take the sparse path by default. These rows show what
  the choice of path is worth at this size.

Our time per step is the loop time that ``train`` stores in
``Trajectory.elapsed_seconds`` divided by the step count. The rest of the
call (setup) is shown in its own column. The baseline's time per step is
wall time divided by its step count. Step counts are chosen per case from a
calibration run, and the table shows medians over repeats, which alternate
between ours and the baseline. Peak memory comes from a separate, untimed
run under ``tracemalloc``. It counts allocations made through Python's and
NumPy's allocators but not memory that SuperLU or OpenBLAS allocate in C,
such as LU factors.

Each case runs in its own fresh process. In one long process, glibc's malloc
keeps the mmap and trim thresholds that earlier cases' large arrays raised,
and later cases then skip most page faults on their temporary arrays. On a
2-core AMD EPYC that made the 512-node, M = 150 step about 2.2x faster than
in a fresh process, which is how a training job starts.

For the continuous cases the script also checks that ours and the baseline
reach the same conductances after the same steps from the same start.
It exits with status 1 when they disagree or a case raises, and never
because a time is slow.

Run on one core::

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \\
        python benchmarks/bench_training.py [--quick] [--output FILE]
"""

from __future__ import annotations

import argparse
import csv
import math
import multiprocessing
import platform
import statistics
import sys
import time
import traceback
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

import numpy as np
import scipy
import scipy.sparse as sp
from scipy.sparse.linalg import spsolve

from desync_learning.hardware import HardwareLearner, HardwareParameters
from desync_learning.networks import choose_terminals, disordered_network, laboratory_network
from desync_learning.randomness import CHUNK_STEPS, run_seed
from desync_learning.rules import position_resistance
from desync_learning.schedules import Bernoulli, Synchronous
from desync_learning.solver import DENSE_LIMIT, Circuit
from desync_learning.tasks import allostery_task, regression_task
from desync_learning.training import ContinuousLearner, train

BASE_SEED = 20220404

# Continuous rule: learning rate α (S/V²), nudge η, conductance bounds (S).
LEARNING_RATE = 0.05
NUDGE = 0.1
K_MIN, K_MAX = 0.01, 10.0
INITIAL_K_RANGE = (0.5, 1.5)

# Hardware emulator: nudge and the share of edges updating per step.
HARDWARE_NUDGE = 0.5
HARDWARE_UPDATE_PROBABILITY = 0.5

# Disordered networks: mean coordination 2E/N and terminal counts.
COORDINATION = 4.0
N_SOURCES, N_TARGETS, N_GROUND = 3, 2, 1

# Largest relative difference between our conductances and the baseline's
# accepted after the check steps.
AGREEMENT_TOLERANCE = 1e-8

LABORATORY_TARGET = 100_000.0  # replica-steps per second, hardware, 1000 replicas
SPEEDUP_TARGET = 20.0  # baseline time / our time, disordered 512 nodes, M = 150

# A free-node limit above every network here, so Circuit takes the dense path.
FORCED_DENSE_LIMIT = 10**9


@dataclass
class Case:
    """One benchmark configuration and, after running, its measurements."""

    name: str
    network_kind: str  # "laboratory" or "disordered"
    rule: str  # "hardware" or "continuous"
    replicas: int
    n_nodes: int
    n_points: int
    dense_limit: int = DENSE_LIMIT
    n_edges: int = 0
    path: str = ""
    ours_steps: int = 0
    baseline_steps: int = 0
    ours_seconds: float = math.nan
    ours_setup_seconds: float = math.nan
    baseline_seconds: float = math.nan
    ours_peak_bytes: int = 0
    baseline_peak_bytes: int = 0
    max_relative_difference: float = math.nan
    error: str = ""
    ours_samples: list = field(default_factory=list)
    baseline_samples: list = field(default_factory=list)

    @property
    def speedup(self) -> float:
        """Baseline time per step divided by ours."""
        return self.baseline_seconds / self.ours_seconds

    @property
    def replica_steps_per_second(self) -> float:
        """Replicas times steps completed per second by ours."""
        return self.replicas / self.ours_seconds


@dataclass
class Setup:
    """Everything a case needs to train: networks, tasks, seeds and the starting state."""

    networks: list
    circuit: Circuit
    tasks: list
    seeds: list
    initial: np.ndarray  # conductances (R, E) or hardware positions (R, E)


def laboratory_cases():
    cases = []
    for rule in ("hardware", "continuous"):
        for replicas in (1, 100, 1000):
            cases.append(Case(f"lab-{rule}-R{replicas}", "laboratory", rule, replicas, 9, 1))
    return cases


def disordered_cases(sizes, points):
    return [
        Case(f"disordered-N{n}-M{m}", "disordered", "continuous", 1, n, m)
        for n in sizes
        for m in points
    ]


def forced_dense_cases(points):
    """Return 512-node cases on the dense path, which DENSE_LIMIT would solve with sparse LU."""
    return [
        Case(f"disordered-N512-M{m}-dense", "disordered", "continuous", 1, 512, m,
             dense_limit=FORCED_DENSE_LIMIT)
        for m in points
    ]


def build_setup(case: Case) -> Setup:
    """Build the networks, tasks, seeds and initial state of a case (untimed)."""
    seeds = [run_seed(BASE_SEED, case.name, r) for r in range(case.replicas)]
    if case.network_kind == "laboratory":
        network = laboratory_network()
        networks = [network] * case.replicas
        tasks = [
            allostery_task(len(network.sources), len(network.targets), seed) for seed in seeds
        ]
    elif case.network_kind == "disordered":
        network = disordered_network(case.n_nodes, run_seed(BASE_SEED, "network", case.n_nodes),
                                     coordination=COORDINATION)
        network = choose_terminals(network, N_SOURCES, N_TARGETS, N_GROUND,
                                   run_seed(BASE_SEED, "terminals", case.n_nodes))
        networks = [network] * case.replicas
        tasks = [regression_task(N_SOURCES, N_TARGETS, case.n_points, 0, seed) for seed in seeds]
    else:
        raise ValueError(
            f"case {case.name!r} has unknown network kind {case.network_kind!r}. "
            "Use 'laboratory' or 'disordered'"
        )
    circuit = Circuit(networks[0], replicas=case.replicas, dense_limit=case.dense_limit)
    case.n_edges = circuit.n_edges
    case.path = "dense" if circuit.dense else "sparse"

    rng = np.random.default_rng(run_seed(BASE_SEED, "initial", case.name))
    if case.rule == "hardware":
        initial = rng.integers(0, HardwareParameters().levels, size=(case.replicas, circuit.n_edges))
    else:
        initial = rng.uniform(*INITIAL_K_RANGE, size=(case.replicas, circuit.n_edges))
    return Setup(networks, circuit, tasks, seeds, initial)


# ---------------------------------------------------------------------------
# Ours


def run_ours(case: Case, setup: Setup, steps: int):
    """Train the case for ``steps`` steps and return the learner and the trajectory.

    Recording happens only at step 0 and at the last step, so the call makes
    one free solve more than ``steps`` and one extra full-batch update for
    the step-0 cosine similarity.
    """
    if case.rule == "hardware":
        learner = HardwareLearner(HardwareParameters(), HARDWARE_NUDGE, setup.initial)
        schedule = Bernoulli(HARDWARE_UPDATE_PROBABILITY)
        batch_size = 1
    elif case.rule == "continuous":
        learner = ContinuousLearner(setup.initial, LEARNING_RATE, NUDGE, K_MIN, K_MAX)
        schedule = Synchronous()
        batch_size = case.n_points
    else:
        raise ValueError(f"case {case.name!r} has unknown rule {case.rule!r}. Use 'hardware' or 'continuous'")
    trajectory = train(setup.circuit, setup.tasks, learner, schedule, steps=steps,
                       batch_size=batch_size, seeds=setup.seeds, record_every=steps,
                       progress_seconds=math.inf)
    return learner, trajectory


# ---------------------------------------------------------------------------
# Baseline


class BaselineNetwork:
    """One network prepared for the baseline: edge list and node sets, original node order."""

    def __init__(self, network):
        self.n_nodes = network.n_nodes
        self.tail = network.edges[:, 0]
        self.head = network.edges[:, 1]
        self.sources = np.array(network.sources)
        self.targets = np.array(network.targets)
        fixed = np.concatenate([network.sources, network.ground]).astype(np.int64)
        clamped_fixed = np.concatenate([fixed, network.targets]).astype(np.int64)
        self.free_unknown = np.setdiff1d(np.arange(self.n_nodes), fixed)
        self.free_known = fixed
        self.clamped_unknown = np.setdiff1d(np.arange(self.n_nodes), clamped_fixed)
        self.clamped_known = clamped_fixed

    def laplacian(self, conductances):
        """Return the weighted Laplacian as a CSR matrix."""
        rows = np.concatenate([self.tail, self.head, self.tail, self.head])
        cols = np.concatenate([self.tail, self.head, self.head, self.tail])
        values = np.concatenate([conductances, conductances, -conductances, -conductances])
        n = self.n_nodes
        return sp.coo_matrix((values, (rows, cols)), shape=(n, n)).tocsr()


def solve_constrained(laplacian, voltages, unknown, known):
    """Fill ``voltages[unknown]`` from Kirchhoff's law with ``voltages[known]`` imposed."""
    block = laplacian[unknown][:, unknown].tocsc()
    rhs = -(laplacian[unknown][:, known] @ voltages[known])
    voltages[unknown] = spsolve(block, rhs)


def baseline_step(net: BaselineNetwork, conductances, inputs, desired):
    """Return the conductances after one full-batch continuous step."""
    laplacian = net.laplacian(conductances)
    accumulated = np.zeros_like(conductances)
    for x, d in zip(inputs, desired):
        free = np.zeros(net.n_nodes)
        free[net.sources] = x
        if net.free_unknown.size:
            solve_constrained(laplacian, free, net.free_unknown, net.free_known)

        clamped = free.copy()
        clamped[net.targets] = (1.0 - NUDGE) * free[net.targets] + NUDGE * d
        if net.clamped_unknown.size:
            solve_constrained(laplacian, clamped, net.clamped_unknown, net.clamped_known)

        free_drops = free[net.tail] - free[net.head]
        clamped_drops = clamped[net.tail] - clamped[net.head]
        accumulated += free_drops**2 - clamped_drops**2
    update = (LEARNING_RATE / NUDGE) * accumulated / len(inputs)
    return np.clip(conductances + update, K_MIN, K_MAX)


def run_baseline(setup: Setup, prepared, steps: int):
    """Train every replica with the baseline for ``steps`` steps and return the conductances (R, E)."""
    if np.issubdtype(setup.initial.dtype, np.integer):
        # Hardware cases start from potentiometer positions; the baseline
        # starts from their nominal conductances.
        hardware = HardwareParameters()
        k = 1.0 / position_resistance(setup.initial, hardware.r_min, hardware.r_max, hardware.levels)
    else:
        k = np.array(setup.initial, dtype=float)
    for r, (net, task) in enumerate(zip(prepared, setup.tasks)):
        for _ in range(steps):
            k[r] = baseline_step(net, k[r], task.train_inputs, task.train_desired)
    return k


# ---------------------------------------------------------------------------
# Measurement


def seconds_per_step(function, steps):
    """Return the wall time per step of ``function(steps)``."""
    started = time.perf_counter()
    function(steps)
    return (time.perf_counter() - started) / steps


def ours_seconds_per_step(case, setup, steps):
    """Return our training loop's time per step and the setup time of one ``train`` call.

    The loop time is ``Trajectory.elapsed_seconds``, measured by ``train``
    from its first step to its last. Setup is the rest of the call: checks,
    stacking the tasks, and opening the random streams of every replica.
    """
    started = time.perf_counter()
    _, trajectory = run_ours(case, setup, steps)
    wall = time.perf_counter() - started
    return trajectory.elapsed_seconds / steps, wall - trajectory.elapsed_seconds


def choose_steps(per_step, target_seconds, min_steps, max_steps):
    """Return a step count whose run lasts about ``target_seconds``."""
    return int(min(max_steps, max(min_steps, math.ceil(target_seconds / max(per_step, 1e-9)))))


def traced_peak(function):
    """Return the tracemalloc peak in bytes of one call."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    try:
        function()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def measure(case: Case, options):
    """Time ours and the baseline on one case and check that they agree."""
    setup = build_setup(case)
    prepared = [BaselineNetwork(network) for network in setup.networks]

    def baseline(steps):
        run_baseline(setup, prepared, steps)

    # Calibration runs double as warm-up.
    ours_estimate, _ = ours_seconds_per_step(case, setup, options.calibration_steps)
    case.ours_steps = choose_steps(ours_estimate, options.target_seconds, options.min_steps,
                                   options.max_steps)
    baseline_estimate = seconds_per_step(baseline, 1)
    case.baseline_steps = choose_steps(baseline_estimate, options.baseline_target_seconds,
                                       options.baseline_min_steps, options.max_steps)
    baseline_repeats = options.repeats if baseline_estimate < 1.0 else options.slow_baseline_repeats

    # Alternate ours and the baseline so that a change in machine load
    # during the case affects both.
    setup_samples = []
    for repeat in range(options.repeats):
        per_step, setup_time = ours_seconds_per_step(case, setup, case.ours_steps)
        case.ours_samples.append(per_step)
        setup_samples.append(setup_time)
        if repeat < baseline_repeats:
            case.baseline_samples.append(seconds_per_step(baseline, case.baseline_steps))
    case.ours_seconds = statistics.median(case.ours_samples)
    case.ours_setup_seconds = statistics.median(setup_samples)
    case.baseline_seconds = statistics.median(case.baseline_samples)

    case.ours_peak_bytes = traced_peak(lambda: run_ours(case, setup, options.memory_steps))
    case.baseline_peak_bytes = traced_peak(lambda: baseline(1))

    if case.rule == "continuous":
        steps = max(1, min(case.baseline_steps, 3))
        learner, _ = run_ours(case, setup, steps)
        reference = run_baseline(setup, prepared, steps)
        difference = np.abs(learner.k - reference) / np.maximum(np.abs(reference), K_MIN)
        case.max_relative_difference = float(difference.max())
        if not case.max_relative_difference <= AGREEMENT_TOLERANCE:
            case.error = (
                f"conductances of ours and the baseline differ by {case.max_relative_difference:.3g} "
                f"(relative) after {steps} steps, above {AGREEMENT_TOLERANCE:.0e}"
            )


def measure_case(case: Case, options) -> Case:
    """Measure one case and return it, with an exception recorded as its error."""
    try:
        measure(case, options)
    except Exception as err:  # report the case and go on with the others
        case.error = f"{type(err).__name__}: {err}"
        traceback.print_exc()
    return case


def measure_in_fresh_process(case: Case, options) -> Case:
    """Return the case measured in a new process, so no allocator state carries over."""
    context = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=context) as executor:
            return executor.submit(measure_case, case, options).result()
    except BrokenProcessPool as err:
        case.error = f"the worker process measuring the case exited unexpectedly: {err}"
        return case


# ---------------------------------------------------------------------------
# Reporting


def fit_exponent(x, y):
    """Return the slope of log y against log x by least squares."""
    slope, _ = np.polyfit(np.log(x), np.log(y), 1)
    return float(slope)


def print_table(cases):
    header = (f"{'case':<28} {'path':<6} {'E':>5} {'ours/step':>10} {'base/step':>10} "
              f"{'speed-up':>9} {'replica-steps/s':>15} {'setup':>9} {'ours MiB':>8} "
              f"{'base MiB':>8} {'max rel dk':>10}")
    print(header)
    print("-" * len(header))
    for case in cases:
        if case.error and math.isnan(case.baseline_seconds):
            print(f"{case.name:<28} ERROR: {case.error}")
            continue
        rate = f"{case.replica_steps_per_second:15,.0f}"
        agreement = "" if math.isnan(case.max_relative_difference) else f"{case.max_relative_difference:.1e}"
        print(f"{case.name:<28} {case.path:<6} {case.n_edges:>5} {format_time(case.ours_seconds):>10} "
              f"{format_time(case.baseline_seconds):>10} {case.speedup:>8.1f}x {rate} "
              f"{format_time(case.ours_setup_seconds):>9} "
              f"{case.ours_peak_bytes / 2**20:>8.2f} {case.baseline_peak_bytes / 2**20:>8.2f} "
              f"{agreement:>10}")
        if case.error:
            print(f"{'':<28} ERROR: {case.error}")
    print("Times per step are medians over repeats: ours is the training loop time that train() "
          "reports divided by the steps, the baseline is wall time divided by the steps.")
    print("speed-up = baseline / ours. setup = the rest of one train() call (median), "
          "paid once per call and not included in ours/step.")
    print("max rel dk: largest relative difference of ours and the baseline's conductances "
          "after the same steps (continuous rule only).")
    print("Peak memory: tracemalloc peak of a separate untimed run (ours: a few steps, "
          "baseline: 1 step). C allocations of SuperLU and OpenBLAS are not counted.")
    print("Hardware rows: ours runs the emulator (batch 1, p = 0.5). The baseline "
          "runs the ideal continuous rule on the same network and replica count.")


def format_time(seconds):
    if math.isnan(seconds):
        return "n/a"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def print_exponents(cases):
    disordered = [c for c in cases
                  if c.network_kind == "disordered" and c.dense_limit == DENSE_LIMIT and not c.error]
    sizes = sorted({c.n_nodes for c in disordered})
    points = sorted({c.n_points for c in disordered})
    lookup = {(c.n_nodes, c.n_points): c for c in disordered}
    print()
    print("Fitted exponents of time per step (log-log least squares):")
    print(f"  against N (node counts {sizes}), at fixed M:")
    for m in points:
        row = [lookup[(n, m)] for n in sizes if (n, m) in lookup]
        if len(row) < 2:
            continue
        nodes = [c.n_nodes for c in row]
        print(f"    M={m:<4} ours {fit_exponent(nodes, [c.ours_seconds for c in row]):5.2f}   "
              f"baseline {fit_exponent(nodes, [c.baseline_seconds for c in row]):5.2f}")
    print(f"  against M (data points {points}), at fixed N:")
    for n in sizes:
        row = [lookup[(n, m)] for m in points if (n, m) in lookup]
        if len(row) < 2:
            continue
        counts = [c.n_points for c in row]
        print(f"    N={n:<5} ours {fit_exponent(counts, [c.ours_seconds for c in row]):5.2f}   "
              f"baseline {fit_exponent(counts, [c.baseline_seconds for c in row]):5.2f}")
    print(f"  Networks with more than {DENSE_LIMIT} free nodes use the sparse path "
          "(DENSE_LIMIT), so a fit across N mixes the dense and sparse solvers.")


def print_targets(cases):
    print()
    print("Targets:")
    by_name = {c.name: c for c in cases if not c.error}
    lab = by_name.get("lab-hardware-R1000")
    if lab is None:
        print("  laboratory hardware, 1000 replicas: not run")
    else:
        rate = lab.replica_steps_per_second
        verdict = "met" if rate >= LABORATORY_TARGET else "missed"
        print(f"  laboratory hardware, 1000 replicas: {rate:,.0f} replica-steps/s "
              f"(target {LABORATORY_TARGET:,.0f}): {verdict}")
    big = by_name.get("disordered-N512-M150")
    if big is None:
        print("  disordered 512 nodes, M=150: not run")
    else:
        verdict = "met" if big.speedup >= SPEEDUP_TARGET else "missed"
        print(f"  disordered 512 nodes, M=150: {big.speedup:.1f}x faster than the baseline "
              f"(target {SPEEDUP_TARGET:.0f}x): {verdict}")


def write_csv(cases, path):
    columns = ["case", "network", "rule", "replicas", "nodes", "edges", "data_points", "solver_path",
               "ours_steps", "baseline_steps", "ours_seconds_per_step", "ours_setup_seconds",
               "baseline_seconds_per_step",
               "speedup", "replica_steps_per_second", "ours_peak_tracemalloc_bytes",
               "baseline_peak_tracemalloc_bytes", "max_relative_conductance_difference", "error"]
    with open(path, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for c in cases:
            writer.writerow([c.name, c.network_kind, c.rule, c.replicas, c.n_nodes, c.n_edges,
                             c.n_points, c.path, c.ours_steps, c.baseline_steps,
                             f"{c.ours_seconds:.6g}", f"{c.ours_setup_seconds:.6g}",
                             f"{c.baseline_seconds:.6g}",
                             f"{c.speedup:.4g}", f"{c.replica_steps_per_second:.6g}",
                             c.ours_peak_bytes, c.baseline_peak_bytes,
                             f"{c.max_relative_difference:.3g}", c.error])


def parse_arguments(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="fewer steps and repeats, and skip the 4096-node networks")
    parser.add_argument("--output", metavar="FILE", help="also write the table as CSV to FILE")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed repeats per case (default 5, or 3 with --quick)")
    options = parser.parse_args(argv)
    if options.repeats is not None and options.repeats < 1:
        parser.error(f"--repeats must be at least 1, got {options.repeats}")

    # Step counts are chosen per case so that one timed call lasts about the
    # target time, within [min_steps, max_steps].
    options.calibration_steps = 2
    options.memory_steps = 2
    options.max_steps = 2000
    if options.quick:
        options.repeats = options.repeats or 3
        options.slow_baseline_repeats = 1
        options.target_seconds = 0.15
        options.min_steps = 20
        options.baseline_target_seconds = 0.15
        options.baseline_min_steps = 1
        options.sizes = (64, 512)
    else:
        options.repeats = options.repeats or 5
        options.slow_baseline_repeats = 3
        options.target_seconds = 1.0
        # Random streams refill every CHUNK_STEPS steps; a whole chunk per
        # call spreads the refill cost as a long training run does.
        options.min_steps = CHUNK_STEPS
        options.baseline_target_seconds = 0.5
        options.baseline_min_steps = 2
        options.sizes = (64, 512, 4096)
    options.points = (1, 32, 150)
    return options


def print_environment(options):
    import os

    threads = {name: os.environ.get(name, "unset")
               for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    print(f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__}, "
          f"{'quick' if options.quick else 'full'} run, {options.repeats} repeats")
    print("thread variables: " + ", ".join(f"{k}={v}" for k, v in threads.items()))
    if any(value != "1" for value in threads.values()):
        print("warning: thread variables are not all 1, so BLAS may use several cores",
              file=sys.stderr)
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        pass
    else:
        for pool in threadpool_info():
            print(f"thread pool: {pool.get('internal_api')} {pool.get('version')} "
                  f"num_threads={pool.get('num_threads')}")
    print()


def main(argv=None) -> int:
    options = parse_arguments(argv)
    print_environment(options)
    cases = (laboratory_cases() + disordered_cases(options.sizes, options.points)
             + forced_dense_cases(options.points))
    started = time.perf_counter()
    for index, case in enumerate(cases):
        case = cases[index] = measure_in_fresh_process(case, options)
        status = f"ERROR {case.error}" if case.error else "done"
        print(f"[{time.perf_counter() - started:7.1f} s] {case.name}: {status}", file=sys.stderr,
              flush=True)

    print_table(cases)
    print_exponents(cases)
    print_targets(cases)
    if options.output:
        write_csv(cases, options.output)
        print(f"\nwrote {options.output}")
    failed = [c.name for c in cases if c.error]
    if failed:
        print(f"\n{len(failed)} case(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
