"""Corpus of bad inputs: each file under tests/bad_inputs gets a clear error.

Config files are overlays on config/smoke.yaml and state the text the error
must contain in their first line (``# expect: <regular expression>``). They
are checked the way the Snakefile checks them: the config schema (through
Snakemake's own ``validate``), then the library's cross-checks.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest
import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import validate

from desync_learning.networks import Network, read_network, validate_terminals
from desync_learning.pipeline import check_config
from desync_learning.tasks import read_task

REPOSITORY = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).parent / "bad_inputs"
SCHEMA = REPOSITORY / "workflow" / "schemas" / "config.schema.yaml"


def merge(base: dict, overlay: dict) -> dict:
    """Merge ``overlay`` into a copy of ``base`` key by key, as Snakemake does."""
    merged = copy.deepcopy(base)
    for key, value in overlay.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def load_config(path: Path) -> dict:
    base = merge(yaml.safe_load((REPOSITORY / "config/config.yaml").read_text()),
                 yaml.safe_load((REPOSITORY / "config/smoke.yaml").read_text()))
    overlay = yaml.safe_load(path.read_text())
    # Snakemake's validate works on the config it is given, filling defaults.
    return merge(base, overlay)


def expected_message(path: Path) -> str:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect: "), path
    return first.removeprefix("# expect: ")


def check_like_snakefile(config: dict) -> None:
    validate(config, str(SCHEMA))
    check_config(config)


@pytest.mark.parametrize("path", sorted((CORPUS / "configs").glob("*.yaml")), ids=lambda p: p.stem)
def test_bad_config_rejected(path):
    config = load_config(path)
    with pytest.raises((WorkflowError, ValueError)) as error:
        check_like_snakefile(config)
    assert re.search(expected_message(path), str(error.value)), str(error.value)


def test_good_configs_accepted():
    for name in ("config.yaml", "smoke.yaml"):
        config = yaml.safe_load((REPOSITORY / "config" / name).read_text())
        check_like_snakefile(config)


NETWORK_CASES = {
    "not_json": "not valid JSON",
    "missing_positions": "'positions' is a required property",
    "duplicate_edge": r"edges \[1, 2\] all join nodes \[1, 2\]",
    "self_loop": r"edges \[1\] are self-loops",
    "node_out_of_range": r"node ids outside 0\.\.3",
    "disconnected": "disconnected into 2 pieces",
    "source_is_target": r"nodes \[0\] are both sources and targets",
    "negative_conductance": r"conductances of edges \[1\] are \[-2\.0\]",
}


@pytest.mark.parametrize("name", sorted(NETWORK_CASES))
def test_bad_network_file_rejected(name):
    path = CORPUS / "networks" / f"{name}.json"
    with pytest.raises(ValueError, match=NETWORK_CASES[name]) as error:
        read_network(path)
    assert "bad" in str(error.value) or str(path) in str(error.value)


def test_network_without_boundary_rejected():
    network = Network([[0, 0], [1, 0], [2, 0]], [[0, 1], [1, 2]], name="floating")
    with pytest.raises(ValueError, match="no source or ground node"):
        validate_terminals(network, [], [1], [])


def test_floating_node_rejected():
    # Nodes 2 and 3 form a piece with no source or ground: their voltage floats.
    network = Network([[0, 0], [1, 0], [2, 0], [3, 0]], [[0, 1], [2, 3]], name="floating")
    with pytest.raises(ValueError, match=r"nodes \[2, 3\] float"):
        validate_terminals(network, [0], [1], [])


DATASET_CASES = {
    "nan_value": "line 3, column 'x1' is empty or NaN",
    "wrong_column_count": "wrong number of fields",
    "non_numeric": "line 3, column 'x1' holds 'high', which is not a number",
    "wrong_header": "do not match the dataset format",
}


@pytest.mark.parametrize("name", sorted(DATASET_CASES))
def test_bad_dataset_rejected(name):
    with pytest.raises(ValueError, match=re.escape(DATASET_CASES[name]) if name != "wrong_column_count" else DATASET_CASES[name]):
        read_task(CORPUS / "datasets" / f"{name}.csv", "regression")


def test_config_errors_short_lines():
    from desync_learning.pipeline import config_errors

    config = load_config(CORPUS / "configs" / "p_zero.yaml")
    config["learners"]["continuous"]["learning_rte"] = 1.0
    lines = config_errors(config, SCHEMA)
    assert "studies/hardware/update_probabilities/0: 0.0 is less than or equal to the minimum of 0" in lines
    assert any("learners/continuous: unknown key 'learning_rte' (did you mean 'learning_rate'?)" in line
               for line in lines)
    assert len(lines) == 2
