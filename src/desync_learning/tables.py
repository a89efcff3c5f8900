"""Tidy tables built from trajectory files, one row per observation.

The figures are drawn from these tables alone. Every row names the run
file's study, task, learner, update probability, batch size and seed, so a
number in a figure can be traced back to ``results/runs/<study>/<file>.nc``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

from .measures import final_mean

KNOB_COLUMNS = ["staleness", "levels", "damage_fraction"]
LEARNING_CURVE_COLUMNS = ["study", "task", "network", "learner", "schedule", "p", "batch_size", "n_train", "seed",
                          "step", "updates_per_edge", "error", "error_normalized", "test_error",
                          "accuracy", "test_accuracy", *KNOB_COLUMNS, "run_file"]
FINAL_ERROR_COLUMNS = ["study", "task", "network", "learner", "schedule", "p", "batch_size", "n_train",
                       "seed", "steps", "final_error", "final_error_normalized", "final_error_std",
                       "test_error", "accuracy", "test_accuracy", "distance_travelled", *KNOB_COLUMNS,
                       "run_file"]
DAMAGE_COLUMNS = ["study", "task", "network", "learner", "p", "batch_size", "damage_fraction", "seed",
                  "damage_step", "error_before", "error_just_after", "error_late", "run_file"]
EXPLORATION_COLUMNS = ["study", "task", "network", "learner", "p", "batch_size", "seed", "steps",
                       "distinct_states", "parity_classes", "flip_back_fraction", "distance_travelled",
                       *KNOB_COLUMNS, "run_file"]
UPDATE_NOISE_COLUMNS = ["study", "learner", "knob", "value", "seed", "cosine_similarity", "run_file"]
RASTER_COLUMNS = ["study", "task", "learner", "p", "batch_size", "seed", "step", "edge", "updated", "run_file"]


def _describe(dataset: xr.Dataset, path) -> dict:
    import json

    config = json.loads(dataset.attrs["config"])
    # Run files store -1 for learners with continuous conductances.
    levels = int(dataset.attrs["levels"])
    levels = levels if levels >= 0 else np.nan
    return {
        "study": dataset.attrs["study"],
        "task": dataset.attrs["task"],
        "network": dataset.attrs["network"],
        "staleness": int(dataset.attrs["staleness"]),
        "levels": levels,
        "damage_fraction": float(dataset.attrs.get("damage_fraction", np.nan)),
        "learner": dataset.attrs["learner"],
        "schedule": config["study"].get("schedule", "bernoulli"),
        "p": float(dataset.attrs["update_probability"]),
        "batch_size": int(dataset.attrs["batch_size"]),
        "n_train": int(dataset.attrs["n_train"]),
        "run_file": str(path),
    }


def tables_from_runs(paths, final_fraction=0.1, raster_seed=0) -> dict[str, pd.DataFrame]:
    """Build all tidy tables from trajectory NetCDF files.

    Parameters
    ----------
    paths : iterable of path
        Trajectory files written by :func:`desync_learning.pipeline.run_setting`.
    final_fraction : float
        Late-time error is the mean over this last fraction of a run's steps.
    raster_seed : int
        Seed whose update raster goes into the raster table.

    Returns
    -------
    dict of DataFrame
        Keys ``learning_curves``, ``final_errors``, ``exploration``,
        ``update_noise``, ``update_raster`` and ``damage`` (errors normalized
        by the initial error: the mean over the last ``final_fraction`` of
        the steps before the damage, right after it, and at the end).
    """
    curves, finals, exploration, noise, raster, damage = [], [], [], [], [], []
    for path in sorted(str(p) for p in paths):
        with xr.open_dataset(path, engine="h5netcdf") as dataset:
            dataset.load()
        info = _describe(dataset, path)
        error = dataset["error"].values
        initial = error[:, :1]
        normalized = error / initial
        steps = error.shape[1] - 1
        record_steps = dataset["record_step"].values
        n_runs = error.shape[0]

        for run in range(n_runs):
            curves.append(pd.DataFrame({
                **info,
                "seed": run,
                "step": record_steps,
                "updates_per_edge": record_steps * info["p"],
                "error": error[run, record_steps],
                "error_normalized": normalized[run, record_steps],
                "test_error": dataset["test_error"].values[run],
                "accuracy": dataset["accuracy"].values[run],
                "test_accuracy": dataset["test_accuracy"].values[run],
            }))

        final_error = final_mean(error[:, 1:], final_fraction)
        late_steps = max(1, int(round(steps * final_fraction)))
        late = max(1, int(round(len(record_steps) * final_fraction)))
        finals.append(pd.DataFrame({
            **info,
            "seed": np.arange(n_runs),
            "steps": steps,
            "final_error": final_error,
            "final_error_normalized": final_error / initial[:, 0],
            "final_error_std": error[:, -late_steps:].std(axis=1),
            "test_error": np.nanmean(dataset["test_error"].values[:, -late:], axis=1)
            if np.isfinite(dataset["test_error"].values).any() else np.nan,
            "accuracy": dataset["accuracy"].values[:, -1],
            "test_accuracy": dataset["test_accuracy"].values[:, -1],
            "distance_travelled": dataset["distance_travelled"].values,
        }))

        if "damage_step" in dataset.attrs:
            at = int(dataset.attrs["damage_step"])
            window = max(1, int(round(at * final_fraction)))
            damage.append(pd.DataFrame({
                **{key: info[key] for key in ("study", "task", "network", "learner", "p", "batch_size",
                                              "damage_fraction", "run_file")},
                "seed": np.arange(n_runs),
                "damage_step": at,
                "error_before": normalized[:, at - window:at].mean(axis=1),
                "error_just_after": normalized[:, at],
                "error_late": final_mean(normalized[:, at:], final_fraction),
            }))

        if "distinct_states" in dataset:
            exploration.append(pd.DataFrame({
                **info,
                "seed": np.arange(n_runs),
                "steps": steps,
                "distinct_states": dataset["distinct_states"].values,
                "parity_classes": dataset["parity_classes"].values,
                "flip_back_fraction": dataset["flip_back_fraction"].values,
                "distance_travelled": dataset["distance_travelled"].values,
            }))

        cosine = dataset["cosine_similarity"].values[:, :-1]
        with np.errstate(all="ignore"):
            mean_cosine = np.nanmean(cosine, axis=1) if cosine.size else np.full(n_runs, np.nan)
        full_batch = info["batch_size"] == info["n_train"]
        knobs = []
        if full_batch:
            knobs.append(("p", info["p"]))
        if info["p"] == 1.0:
            knobs.append(("batch_fraction", info["batch_size"] / info["n_train"]))
        for knob, value in knobs:
            noise.append(pd.DataFrame({
                "study": info["study"], "learner": info["learner"], "knob": knob, "value": value,
                "seed": np.arange(n_runs), "cosine_similarity": mean_cosine, "run_file": info["run_file"],
            }))

        masks = dataset["raster"].values
        if masks.shape[1] and raster_seed < n_runs:
            step_index, edge_index = np.meshgrid(np.arange(masks.shape[1]), np.arange(masks.shape[2]), indexing="ij")
            raster.append(pd.DataFrame({
                **{key: info[key] for key in ("study", "task", "learner", "p", "batch_size")},
                "seed": raster_seed,
                "step": step_index.ravel(), "edge": edge_index.ravel(),
                "updated": masks[raster_seed].ravel().astype(int), "run_file": info["run_file"],
            }))

    def frame(parts, columns):
        if not parts:
            return pd.DataFrame(columns=columns)
        return pd.concat(parts, ignore_index=True)[columns]

    return {
        "learning_curves": frame(curves, LEARNING_CURVE_COLUMNS),
        "final_errors": frame(finals, FINAL_ERROR_COLUMNS),
        "exploration": frame(exploration, EXPLORATION_COLUMNS),
        "update_noise": frame(noise, UPDATE_NOISE_COLUMNS),
        "update_raster": frame(raster, RASTER_COLUMNS),
        "damage": frame(damage, DAMAGE_COLUMNS),
    }


def write_table(frame: pd.DataFrame, path) -> None:
    """Write a table to CSV atomically with a fixed float format (byte-reproducible)."""
    from .io import atomic_path

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as temporary:
        frame.to_csv(temporary, index=False, float_format="%.10g")
