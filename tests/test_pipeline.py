"""End-to-end tests of the Snakemake pipeline at smoke size.

The smoke pipeline runs once per test session in a copy of the workflow
under a temporary folder. The tests then check its tables, figures and
provenance. Further runs with one core and after an interruption must give
byte-identical tables.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
import yaml

from desync_learning.tables import (
    EXPLORATION_COLUMNS,
    FINAL_ERROR_COLUMNS,
    LEARNING_CURVE_COLUMNS,
    UPDATE_NOISE_COLUMNS,
)

REPOSITORY = Path(__file__).resolve().parents[1]
TABLES = ["learning_curves", "final_errors", "exploration", "update_noise", "update_raster", "damage"]

pytestmark = pytest.mark.pipeline


def copy_workflow(destination: Path) -> Path:
    """Copy what the pipeline needs into ``destination`` and return it."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in ("Snakefile", "workflow", "scripts", "config", "profiles", "notebooks", "environment.yml"):
        source = REPOSITORY / name
        if source.is_dir():
            shutil.copytree(source, destination / name)
        elif source.exists():
            shutil.copy(source, destination / name)
    data = destination / "src" / "desync_learning" / "data"
    data.mkdir(parents=True)
    shutil.copy(REPOSITORY / "src/desync_learning/data/laboratory_network.json", data)
    return destination


def snakemake(folder: Path, *arguments, check=True, timeout=900):
    """Run Snakemake in ``folder`` with this interpreter; return the completed process."""
    command = [sys.executable, "-m", "snakemake", *arguments]
    result = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


@pytest.fixture(scope="session")
def smoke_run(tmp_path_factory):
    """Run the whole smoke pipeline once with two cores."""
    folder = copy_workflow(tmp_path_factory.mktemp("smoke"))
    snakemake(folder, "--cores", "2", "--configfile=config/smoke.yaml")
    return folder


def test_tables_have_columns(smoke_run):
    expected = {
        "learning_curves": LEARNING_CURVE_COLUMNS,
        "final_errors": FINAL_ERROR_COLUMNS,
        "exploration": EXPLORATION_COLUMNS,
        "update_noise": UPDATE_NOISE_COLUMNS,
    }
    for name, columns in expected.items():
        frame = pd.read_csv(smoke_run / "results" / "tables" / f"{name}.csv")
        assert list(frame.columns) == columns, name
        assert len(frame) > 0, name


def test_tables_cover_studies(smoke_run):
    config = yaml.safe_load((smoke_run / "config" / "smoke.yaml").read_text())
    finals = pd.read_csv(smoke_run / "results/tables/final_errors.csv")
    assert set(finals["study"]) == set(config["studies"])
    assert set(finals["task"]) == set(config["tasks"])
    simulation = finals[finals["study"] == "simulation"]
    assert simulation.groupby(["task", "p"]).size().eq(config["studies"]["simulation"]["seeds"]).all()
    assert finals["final_error"].ge(0).all()
    assert finals["final_error"].notna().all()


def test_learning_reduces_error(smoke_run):
    finals = pd.read_csv(smoke_run / "results/tables/final_errors.csv")
    simulation = finals[finals["study"] == "simulation"]
    # Even at smoke size, coupled learning lowers the training error on average.
    assert simulation["final_error_normalized"].median() < 1.0


def test_updates_per_edge_is_p_times_step(smoke_run):
    curves = pd.read_csv(smoke_run / "results/tables/learning_curves.csv")
    assert (curves["updates_per_edge"] - curves["p"] * curves["step"]).abs().max() < 1e-9
    first = curves[curves["step"] == 0]
    assert (first["error_normalized"] == 1.0).all()


def test_update_noise_knobs(smoke_run):
    noise = pd.read_csv(smoke_run / "results/tables/update_noise.csv")
    minibatch = noise[noise["study"] == "minibatch"]
    assert set(minibatch["knob"]) == {"p", "batch_fraction"}
    assert minibatch["cosine_similarity"].between(-1.0, 1.0).all()
    # The synchronous full-batch step of the continuous rule is its own
    # reference; the hardware's reference is the noise-free sign rule.
    reference = minibatch[(minibatch["knob"] == "p") & (minibatch["value"] == 1.0)
                          & (minibatch["learner"] == "continuous")]
    assert len(reference) > 0
    assert (reference["cosine_similarity"] > 1 - 1e-9).all()


def test_figures_exist(smoke_run):
    for figure in ("fig1", "fig2", "fig3", "fig4", "fig5", "fig6", "fig7"):
        for extension in ("pdf", "png"):
            path = smoke_run / "results" / "figures" / f"{figure}.{extension}"
            assert path.stat().st_size > 1000, path


def test_provenance_beside_tables(smoke_run):
    record = json.loads((smoke_run / "results/tables/final_errors.csv.provenance.json").read_text())
    assert record["package"] == "desync_learning"
    assert "config" in record
    assert "created_utc" in record


def test_run_file_attributes(smoke_run):
    import xarray as xr

    path = next((smoke_run / "results" / "runs" / "hardware").glob("*.nc"))
    with xr.open_dataset(path, engine="h5netcdf") as dataset:
        assert dataset.attrs["study"] == "hardware"
        assert json.loads(dataset.attrs["config"])["learner"]["kind"] == "hardware"
        assert dataset["error"].attrs["units"] == "V^2"
        assert set(dataset["error"].dims) == {"run", "step"}


def test_no_partial_files_left(smoke_run):
    leftovers = [p for p in (smoke_run / "results").rglob("*.part")]
    assert leftovers == []


def test_tables_identical_with_one_core(smoke_run, tmp_path):
    folder = copy_workflow(tmp_path / "one_core")
    snakemake(folder, "--cores", "1", "--configfile=config/smoke.yaml", "tables")
    for name in TABLES:
        first = (smoke_run / "results" / "tables" / f"{name}.csv").read_bytes()
        second = (folder / "results" / "tables" / f"{name}.csv").read_bytes()
        assert first == second, name


def test_lint_is_clean(smoke_run):
    result = snakemake(smoke_run, "--lint", "--configfile=config/smoke.yaml", check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Lints for" not in result.stdout + result.stderr


def test_slurm_profile_dry_run(smoke_run, tmp_path):
    folder = copy_workflow(tmp_path / "slurm")
    result = snakemake(folder, "--profile", "profiles/slurm", "--configfile=config/smoke.yaml", "--dry-run")
    assert "run" in result.stdout


def test_bad_config_rejected_before_jobs(tmp_path):
    folder = copy_workflow(tmp_path / "bad")
    config = yaml.safe_load((folder / "config" / "smoke.yaml").read_text())
    config["studies"]["hardware"]["update_probabilities"] = [0.0, 0.5]
    (folder / "config" / "bad.yaml").write_text(yaml.safe_dump(config))
    result = snakemake(folder, "--cores", "1", "--configfile=config/bad.yaml", check=False)
    assert result.returncode != 0
    assert "update_probabilities" in result.stdout + result.stderr
    assert not (folder / "results").exists()


@pytest.mark.parametrize("notebook", ["explore_results.py", "new_schedule.py"])
def test_notebook_runs(smoke_run, notebook, tmp_path):
    jupytext = shutil.which("jupytext", path=str(Path(sys.executable).parent)) or "jupytext"
    environment = dict(os.environ, RESULTS_DIR=str(smoke_run / "results"))
    result = subprocess.run(
        [jupytext, "--to", "ipynb", "--execute", str(REPOSITORY / "notebooks" / notebook),
         "-o", str(tmp_path / "out.ipynb")],
        capture_output=True, text=True, timeout=600, env=environment, cwd=smoke_run,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_interrupted_run_resumes(smoke_run, tmp_path):
    import signal
    import time

    folder = copy_workflow(tmp_path / "interrupted")
    command = [sys.executable, "-m", "snakemake", "--cores", "2", "--configfile=config/smoke.yaml", "tables"]
    process = subprocess.Popen(command, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    # Stop it once the first run files exist, while other jobs are running.
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        if list((folder / "results" / "runs").rglob("*.nc")):
            break
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=120)
    assert not (folder / "results" / "tables" / "final_errors.csv").exists()

    snakemake(folder, "--cores", "2", "--configfile=config/smoke.yaml", "tables", "--rerun-incomplete")
    for name in TABLES:
        first = (smoke_run / "results" / "tables" / f"{name}.csv").read_bytes()
        second = (folder / "results" / "tables" / f"{name}.csv").read_bytes()
        assert first == second, name
    assert list((folder / "results").rglob("*.part")) == []
