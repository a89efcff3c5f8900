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
# # Exploring the pipeline's results
#
# The figures are drawn from five tidy tables in `results/tables/`, one row
# per observation. Every row names the trajectory file it came from (column
# `run_file`), so any number in a figure can be traced back to a training
# run, and from there to the configuration and code version that made it.
#
# This notebook loads the tables, picks one point of Fig. 3c, recomputes it
# from its trajectory file, and reads the provenance stored beside each file.
#
# Run the pipeline first, for example at smoke size:
# `snakemake --cores 2 --configfile=config/smoke.yaml`. The results folder is
# taken from the environment variable `RESULTS_DIR` (default `results`). A
# relative path is resolved against the project root, the first folder
# upwards from here that contains the `Snakefile`.

# %%
import json
import os
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import xarray as xr

from desync_learning import plotting
from desync_learning.measures import final_mean


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
TABLES = RESULTS / "tables"
if not TABLES.is_dir():
    raise FileNotFoundError(f"no tables folder at {TABLES}; run the pipeline first or set RESULTS_DIR")


def resolve_run_file(run_file: str) -> Path:
    """Return the path of a ``run_file`` entry, which is relative to the project root.

    Entries start with ``results/``; that part is replaced by ``RESULTS`` so
    that a results folder moved elsewhere still resolves.
    """
    parts = Path(run_file).parts
    if parts and parts[0] == "results":
        return RESULTS.joinpath(*parts[1:])
    return ROOT / run_file


print("project root:", ROOT)
print("results:", RESULTS)

# %% [markdown]
# ## The tables
#
# | table | one row per | used by |
# |---|---|---|
# | `learning_curves.csv` | run, seed and recorded step | Fig. 2, 3, 4 |
# | `final_errors.csv` | run and seed (late-time error, test error, accuracy) | Fig. 2, 3, 4 |
# | `exploration.csv` | run and seed of a discrete learner | Fig. 3 |
# | `update_noise.csv` | run, seed and knob (p or b/M) | Fig. 4 |
# | `update_raster.csv` | run, step and edge of seed 0 | Fig. 1 |

# %%
NAMES = ["learning_curves", "final_errors", "exploration", "update_noise", "update_raster"]
tables = {name: pd.read_csv(TABLES / f"{name}.csv") for name in NAMES}
for name, frame in tables.items():
    print(f"{name:16s} {frame.shape[0]:7d} rows  columns: {', '.join(frame.columns)}")

# %% [markdown]
# Seeds and late-time errors per setting: the medians behind the right-hand
# panels of Fig. 2 and 3.

# %%
finals = tables["final_errors"]
summary = (finals.groupby(["study", "task", "learner", "p", "batch_size"])
           .agg(seeds=("seed", "nunique"),
                median_final_error=("final_error_normalized", "median"),
                q25=("final_error_normalized", lambda values: values.quantile(0.25)),
                q75=("final_error_normalized", lambda values: values.quantile(0.75))))
summary

# %% [markdown]
# ## Tracing a figure number back to its run
#
# Fig. 3c shows, for each update probability p of the hardware study, the
# median over seeds of `final_error_normalized`. Take the smallest p and
# find the seed whose value is closest to that median.

# %%
hardware = finals[finals["study"] == "hardware"]
smallest_p = hardware["p"].min()
point = hardware[hardware["p"] == smallest_p]
median = point["final_error_normalized"].median()
row = point.iloc[int(np.argmin((point["final_error_normalized"] - median).abs().to_numpy()))]
print(f"Fig. 3c at p = {smallest_p:g}: median {median:.4g} over {point['seed'].nunique()} seeds")
row[["study", "task", "learner", "p", "batch_size", "seed", "steps", "final_error_normalized", "run_file"]]

# %% [markdown]
# The row's `run_file` is a NetCDF trajectory holding all seeds of that
# setting, with the dimension `run` indexing the seed.

# %%
run_path = resolve_run_file(row["run_file"])
with xr.open_dataset(run_path, engine="h5netcdf") as dataset:
    dataset.load()
dataset

# %% [markdown]
# Recompute the table's value from the trajectory. The late-time error is
# the mean training error over the last `final_fraction` of the steps,
# divided by the error before training. The fraction is part of the
# configuration stored in the table's provenance record.

# %%
table_provenance = json.loads((TABLES / "final_errors.csv.provenance.json").read_text())
final_fraction = table_provenance["config"]["figures"]["final_fraction"]
error = dataset["error"].sel(run=int(row["seed"])).to_numpy()
recomputed = final_mean(error[1:], final_fraction) / error[0]
print(f"final_fraction = {final_fraction}")
print(f"from the table:      {row['final_error_normalized']:.10g}")
print(f"from the trajectory: {recomputed:.10g}")
# The table stores 10 significant digits.
assert np.isclose(recomputed, row["final_error_normalized"], rtol=1e-8)

# %%
figure, (error_ax, conductance_ax) = plt.subplots(1, 2, figsize=(8, 3), layout="constrained")
error_ax.semilogy(dataset["step"], error / error[0])
error_ax.set_xlabel("step t")
error_ax.set_ylabel("training error / initial")
error_ax.set_title(f"{run_path.name}, seed {int(row['seed'])}")
conductances = dataset["conductances"].sel(run=int(row["seed"]))
conductance_ax.plot(dataset["record_step"], conductances.to_numpy(), linewidth=0.8)
conductance_ax.set_xlabel("step t")
conductance_ax.set_ylabel("conductance (S), one line per edge")
plt.show()

# %% [markdown]
# ## Provenance
#
# Each trajectory file carries its provenance twice: in the NetCDF global
# attributes (without the creation time) and in the JSON file
# `<file>.provenance.json` beside it.

# %%
attributes = dict(dataset.attrs)
run_config = json.loads(attributes["config"])
for key in ["study", "learner", "task", "update_probability", "batch_size", "n_train", "package_version",
            "git_commit", "base_seed", "seeds"]:
    print(f"{key:20s} {attributes.get(key)}")
print("study settings:", json.dumps(run_config["study"]))
print("learner settings:", json.dumps(run_config["learner"]))

# %%
sidecar = json.loads(Path(f"{run_path}.provenance.json").read_text())
print("created:", sidecar["created_utc"], "commit:", sidecar["git_commit"])
print("same configuration in both records:", sidecar["config"] == run_config)

# %% [markdown]
# The table's own provenance lists every trajectory file it was built from.

# %%
print("tables built", table_provenance["created_utc"], "from", len(table_provenance["sources"]), "run files")
print("this run file is among them:", row["run_file"] in table_provenance["sources"])

# %% [markdown]
# ## Redrawing a panel
#
# The figure helpers work on the tables directly. This redraws Fig. 3b, the
# hardware study's error against updates per edge.

# %%
plotting.set_style()
curves = tables["learning_curves"]
hardware_curves = curves[curves["study"] == "hardware"]
figure, ax = plt.subplots(figsize=(4, 3), layout="constrained")
plotting.plot_curves(ax, hardware_curves, x="updates_per_edge", y="error_normalized")
ax.legend(frameon=False)
ax.set_xlabel("updates per edge p t")
ax.set_ylabel("training error / initial")
plotting.annotate_seeds(ax, plotting.seed_count_text(hardware_curves, "p") + " per curve")
plt.show()
