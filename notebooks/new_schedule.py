# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Adding an update schedule
#
# An update schedule decides which edges update at each training step. This
# notebook defines a new one, a **round-robin** schedule, trains the
# emulated laboratory hardware with it, and compares its late-time error
# with the Bernoulli schedule at the same update probability p.
#
# Round robin: each run puts its edges in a random order once, at the start.
# Step t updates the next block of round(pE) edges in that order, wrapping
# around at the end. Every edge then updates once per pass through the
# order, about every E / round(pE) steps, like a clock that never drifts. The
# Bernoulli schedule instead lets an edge wait any number of steps.
#
# The notebook reads the laboratory task folder and the configuration from
# a finished pipeline run, for example
# `snakemake --cores 2 --configfile=config/smoke.yaml`. The results folder is
# taken from the environment variable `RESULTS_DIR` (default `results`). A
# relative path is resolved against the project root, the first folder
# upwards from here that contains the `Snakefile`.

# %%
import json
import math
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from desync_learning.checks import check_in_range
from desync_learning.hardware import HardwareLearner, HardwareParameters
from desync_learning.measures import final_mean
from desync_learning.networks import read_network
from desync_learning.pipeline import HARDWARE_KEYS, seed_file
from desync_learning.randomness import purpose_generator, run_seed
from desync_learning.schedules import UpdateSchedule, make_schedule, register_schedule
from desync_learning.solver import Circuit
from desync_learning.tasks import read_task
from desync_learning.training import train


def find_project_root(start: Path) -> Path:
    """Return the first folder from ``start`` upwards that contains a Snakefile, else ``start``."""
    for folder in [start, *start.parents]:
        if (folder / "Snakefile").exists():
            return folder
    return start


ROOT = find_project_root(Path.cwd().resolve())
RESULTS = Path(os.environ.get("RESULTS_DIR", "results"))
if not RESULTS.is_absolute():
    RESULTS = ROOT / RESULTS
PROVENANCE = RESULTS / "tables" / "final_errors.csv.provenance.json"
if not PROVENANCE.is_file():
    raise FileNotFoundError(f"no table provenance at {PROVENANCE}; run the pipeline first or set RESULTS_DIR")
print("results:", RESULTS)


# %% [markdown]
# ## The schedule
#
# A schedule subclasses `UpdateSchedule` and implements `_start`, called
# once with the runs' seed sequences, and `_mask`, which returns a boolean
# array of shape (runs, edges) per step. `register_schedule` makes it
# available by name to `make_schedule`. Random numbers come from the run's
# own seed sequence, so a run gets the same edge order however many runs are
# trained together.

# %%
@register_schedule("round_robin")
class RoundRobin(UpdateSchedule):
    """A rotating block of round(pE) edges updates at each step.

    Parameters
    ----------
    update_probability : float
        p in (0, 1]. The block size round(pE) must be at least 1, and the
        realized fraction round(pE) / E becomes :attr:`update_fraction`.
    """

    def __init__(self, update_probability=1.0):
        self.update_probability = check_in_range(
            "update_probability", update_probability, 0.0, 1.0, low_open=True
        )
        self.update_fraction = self.update_probability

    def _start(self, seeds):
        self.count = int(round(self.update_probability * self.n_edges))
        if self.count < 1:
            raise ValueError(
                f"update_probability={self.update_probability!r} gives a block of round(pE) = 0 of "
                f"{self.n_edges} edges; use p >= {0.5 / self.n_edges:.3g}"
            )
        self.update_fraction = self.count / self.n_edges
        self.order = np.stack([purpose_generator(seed, "round_robin_order").permutation(self.n_edges)
                               for seed in seeds])

    def _mask(self):
        first = (self.step * self.count) % self.n_edges
        block = self.order[:, (first + np.arange(self.count)) % self.n_edges]
        mask = np.zeros((self.n_runs, self.n_edges), dtype=bool)
        np.put_along_axis(mask, block, True, axis=1)
        return mask

    def parameters(self):
        return {"update_probability": self.update_probability}


# %% [markdown]
# A quick check on 16 edges at p = 0.25: blocks of 4 edges, so after 8
# steps every edge has updated exactly twice.

# %%
check = make_schedule("round_robin", update_probability=0.25).start(16, [run_seed(0, "round_robin_check", 0)])
masks = np.stack([check.next_mask()[0] for _ in range(8)])
assert (masks.sum(axis=1) == 4).all()
assert (masks.sum(axis=0) == 2).all()

figure, ax = plt.subplots(figsize=(4, 2.5), layout="constrained")
ax.imshow(masks.T, aspect="auto", cmap="Greys", origin="lower", interpolation="nearest")
ax.set_xlabel("step t")
ax.set_ylabel("edge")
ax.set_title("round robin, p = 0.25 (dark = updated)")
plt.show()

# %% [markdown]
# ## The laboratory task and the hardware settings
#
# The table provenance contains the configuration the pipeline ran with. The
# hardware study names the network and task, and its learner entry gives the
# emulated device parameters.

# %%
config = json.loads(PROVENANCE.read_text())["config"]
study = config["studies"]["hardware"]
task_name = study["tasks"][0]
learner_spec = config["learners"][study["learners"][0]]
task_folder = RESULTS / "tasks" / f"{study['network']}-{task_name}"
n_seeds = len(sorted(task_folder.glob("seed*.network.json")))
if n_seeds == 0:
    raise FileNotFoundError(f"no seed*.network.json in {task_folder}; run the pipeline's task rule first")

networks = [read_network(seed_file(task_folder, seed, ".network.json")) for seed in range(n_seeds)]
tasks = [read_task(seed_file(task_folder, seed, ".csv"), config["tasks"][task_name]["kind"])
         for seed in range(n_seeds)]
parameters = HardwareParameters(**{key: learner_spec[key] for key in HARDWARE_KEYS if key in learner_spec})
batch_size = study["batch_sizes"][0]
batch_size = tasks[0].n_train if batch_size == "full" else int(batch_size)
final_fraction = config["figures"]["final_fraction"]
# The smallest p < 1 of the hardware study, or 0.5 if the study has none.
probability = min([p for p in study["update_probabilities"] if p < 1.0], default=0.5)
print(f"{n_seeds} seeds of task {task_name!r} on {networks[0].n_edges} edges, batch size {batch_size}, "
      f"p = {probability:g}, {study['updates_per_edge']} updates per edge")


# %% [markdown]
# ## Training
#
# Every schedule trains the same seeds: the same task instances, initial
# resistor positions and device imperfections, so the comparison is paired
# seed by seed. Each run lasts `updates_per_edge / p` steps. On the smoke
# results this takes seconds. Paper-scale results have more seeds, more
# updates per edge and p down to 0.05, so there it takes much longer.

# %%
def train_schedule(name, p):
    """Train all seeds with schedule ``name`` at update probability ``p`` and return the trajectory."""
    seeds = [run_seed(config["base_seed"], "new_schedule", task_name, seed) for seed in range(n_seeds)]
    positions = np.stack([purpose_generator(seed, "initial").integers(0, parameters.levels, networks[0].n_edges)
                          for seed in seeds])
    learner = HardwareLearner(parameters, learner_spec["nudge"], positions)
    steps = max(1, math.ceil(study["updates_per_edge"] / p))
    return train(Circuit(networks), tasks, learner, make_schedule(name, update_probability=p), steps=steps,
                 batch_size=batch_size, seeds=seeds, record_every=max(1, steps // 100))


runs = {
    "synchronous (p = 1)": (train_schedule("bernoulli", 1.0), 1.0),
    f"bernoulli (p = {probability:g})": (train_schedule("bernoulli", probability), probability),
    f"round robin (p = {probability:g})": (train_schedule("round_robin", probability), probability),
}

# %% [markdown]
# ## Late-time errors
#
# The late-time error is the mean training error over the last
# `final_fraction` of the steps, divided by the error before training, as in
# the pipeline's tables.

# %%
rows = []
for label, (trajectory, p) in runs.items():
    late = final_mean(trajectory.error[:, 1:], final_fraction) / trajectory.error[:, 0]
    rows += [{"schedule": label, "seed": seed, "late_time_error": value} for seed, value in enumerate(late)]
late_errors = pd.DataFrame(rows)
late_errors.groupby("schedule", sort=False)["late_time_error"].describe(percentiles=[0.25, 0.5, 0.75])

# %% [markdown]
# Paired by seed: the ratio of round-robin to Bernoulli late-time error
# (below 1 means round robin ends lower).

# %%
by_seed = late_errors.pivot(index="seed", columns="schedule", values="late_time_error")
ratio = by_seed[f"round robin (p = {probability:g})"] / by_seed[f"bernoulli (p = {probability:g})"]
print(ratio.rename("round robin / bernoulli").to_string())
print(f"median ratio over {len(ratio)} seeds: {ratio.median():.3g}")

# %%
figure, ax = plt.subplots(figsize=(5, 3.2), layout="constrained")
for label, (trajectory, p) in runs.items():
    normalized = trajectory.error / trajectory.error[:, :1]
    updates_per_edge = np.arange(normalized.shape[1]) * p
    ax.plot(updates_per_edge, np.median(normalized, axis=0), label=label, linewidth=1.2)
    ax.fill_between(updates_per_edge, *np.quantile(normalized, [0.25, 0.75], axis=0), alpha=0.2)
ax.set_yscale("log")
ax.set_xlabel("updates per edge p t")
ax.set_ylabel("training error / initial")
ax.set_title(f"median and interquartile range over n = {n_seeds} seeds")
ax.legend(frameon=False)
plt.show()

# %% [markdown]
# ## Using the schedule in the pipeline
#
# Every pipeline job runs in its own Python process, which imports
# `desync_learning.schedules` but not this notebook. To run a study with the
# new schedule, move the class into `src/desync_learning/schedules.py` (or a
# module that it imports), then set `schedule: round_robin` in that study's
# entry of the configuration. The configuration check accepts any name
# registered with `register_schedule`.
