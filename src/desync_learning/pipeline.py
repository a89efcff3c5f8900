"""Glue between the Snakemake configuration and the library.

The rule scripts stay thin: they call :func:`write_networks`,
:func:`write_tasks` and :func:`run_setting` with the config after
Snakemake's ``validate`` has checked it against
``workflow/schemas/config.schema.yaml`` and filled in the defaults, which
these functions rely on.
:func:`check_config` adds the cross-references and ranges that the JSON
schema cannot express, and :func:`study_settings` lists the jobs of a study.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from . import __version__
from .checks import check_in_range
from .hardware import HardwareLearner, HardwareParameters
from .io import atomic_folder, provenance, write_netcdf, write_provenance
from .networks import (
    choose_terminals,
    remove_edges,
    disordered_network,
    read_network,
    square_lattice,
    triangular_lattice,
    write_network,
)
from .randomness import run_seed
from .schedules import SCHEDULES, make_schedule
from .solver import Circuit
from .tasks import make_task, read_task, teacher_map, write_task
from .training import ContinuousLearner, DiscreteLearner, Trajectory, train

logger = logging.getLogger(__name__)

#: Config keys passed on to each task generator.
TASK_PARAMETERS = {
    "allostery": ("input_voltage", "target_range"),
    "regression": ("n_train", "n_test"),
    "classification": ("n_train", "input_voltage", "high", "low", "bias"),
}

#: Config keys that each learner kind uses; provenance records only these.
LEARNER_PARAMETERS = {
    "continuous": ("kind", "learning_rate", "nudge", "k_min", "k_max", "initial_range"),
    "discrete": ("kind", "nudge", "initial_positions", "levels", "r_min", "r_max"),
    "hardware": ("kind", "nudge", "initial_positions", "levels", "r_min", "r_max", "twin_mismatch",
                 "comparator_offset", "comparator_noise", "dac_bits", "adc_bits", "voltage_range",
                 "dac_noise", "adc_noise"),
}

HARDWARE_KEYS = ("levels", "r_min", "r_max", "twin_mismatch", "comparator_offset", "comparator_noise",
                 "dac_bits", "adc_bits", "voltage_range", "dac_noise", "adc_noise")


@dataclass(frozen=True)
class Setting:
    """One job: a study, learner, task and network with one value of every knob.

    ``levels`` overrides the learner's resistor resolution (None keeps it);
    ``damage_fraction`` is the share of edges removed halfway (None: no
    damage phase).
    """

    study: str
    learner: str
    task: str
    network: str
    update_probability: float
    batch_size: int | str
    staleness: int = 0
    levels: int | None = None
    damage_fraction: float | None = None

    @property
    def name(self) -> str:
        """File stem of the job's outputs, e.g. ``disordered-continuous-regression-p0.5-bfull``."""
        name = f"{self.network}-{self.learner}-{self.task}-p{self.update_probability:g}-b{self.batch_size}"
        if self.staleness:
            name += f"-d{self.staleness}"
        if self.levels is not None:
            name += f"-L{self.levels}"
        if self.damage_fraction is not None:
            name += f"-f{self.damage_fraction:g}"
        return name


def study_networks(study: dict) -> list[str]:
    """Return the networks a study runs on: its ``networks`` list or its ``network``."""
    return list(study.get("networks") or [study["network"]])


def config_errors(config: dict, schema_path) -> list[str]:
    """Return one short line per schema violation of ``config``, with its location.

    Unknown keys get the closest allowed key as a suggestion. The pipeline
    shows these lines in place of the full schema dump when Snakemake's
    ``validate`` rejects a config.
    """
    import difflib

    import jsonschema
    import yaml

    schema = yaml.safe_load(Path(schema_path).read_text())
    lines = []
    for error in jsonschema.Draft202012Validator(schema).iter_errors(config):
        where = "/".join(str(part) for part in error.absolute_path) or "top level"
        message = error.message
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            allowed = list(error.schema.get("properties", {}))
            unknown = [key for key in error.instance if key not in allowed]
            hints = []
            for key in unknown:
                close = difflib.get_close_matches(key, allowed, n=1)
                hints.append(f"{key!r} (did you mean {close[0]!r}?)" if close else repr(key))
            message = f"unknown key {', '.join(hints)}; allowed keys are {sorted(allowed)}"
        lines.append(f"{where}: {message}")
    return lines


def check_config(config: dict) -> None:
    """Check what the schema cannot: names that refer to other entries, and ranges.

    Raises
    ------
    ValueError
        Naming the study or entry, the bad value and what to change.
    """
    for name, network in config["networks"].items():
        generator = network["generator"]
        needed = {"file": ["path"], "disordered": ["n_nodes"], "square": ["nx", "ny"],
                  "triangular": ["nx", "ny"]}[generator]
        missing = [key for key in needed if key not in network]
        if missing:
            raise ValueError(f"network {name!r} (generator {generator!r}) is missing {missing}")
    for name, learner in config["learners"].items():
        if learner["k_min"] >= learner["k_max"]:
            raise ValueError(
                f"learner {name!r}: k_min={learner['k_min']!r} must be smaller than "
                f"k_max={learner['k_max']!r}"
            )
        if learner["r_min"] >= learner["r_max"]:
            raise ValueError(
                f"learner {name!r}: r_min={learner['r_min']!r} must be smaller than "
                f"r_max={learner['r_max']!r}"
            )
    for name, task in config["tasks"].items():
        if task["kind"] in ("regression", "classification") and "n_train" not in task:
            raise ValueError(f"task {name!r} ({task['kind']}) needs n_train")

    for name in config.get("only_studies") or []:
        if name not in config["studies"]:
            raise ValueError(
                f"only_studies names unknown study {name!r}; known studies are {sorted(config['studies'])}"
            )
    raster = set(config["figures"]["raster_probabilities"]) if "figures" in config else set()
    if "hardware" in config["studies"] and raster - set(config["studies"]["hardware"]["update_probabilities"]):
        missing = sorted(raster - set(config["studies"]["hardware"]["update_probabilities"]))
        raise ValueError(
            f"figures.raster_probabilities {missing} are not among the hardware study's "
            "update_probabilities, so Fig. 1 would have no raster for them; use values from that list"
        )

    for study_name, study in config["studies"].items():
        where = f"study {study_name!r}"
        if not study.get("network") and not study.get("networks"):
            raise ValueError(f"{where}: name a network (network: NAME) or several (networks: [NAMES])")
        for network in study_networks(study):
            if network not in config["networks"]:
                raise ValueError(
                    f"{where}: unknown network {network!r}; known networks are "
                    f"{sorted(config['networks'])}"
                )
        generated = any(config["networks"][n]["generator"] != "file" for n in study_networks(study))
        for task in study["tasks"]:
            if task not in config["tasks"]:
                raise ValueError(f"{where}: unknown task {task!r}; known tasks are {sorted(config['tasks'])}")
            spec = config["tasks"][task]
            missing = [key for key in ("n_sources", "n_targets") if key not in spec]
            if generated and spec["kind"] != "classification" and missing:
                raise ValueError(
                    f"{where}: task {task!r} on the generated networks {study_networks(study)} needs "
                    f"{missing}; a generated network has no terminals of its own"
                )
        for learner in study["learners"]:
            if learner not in config["learners"]:
                raise ValueError(
                    f"{where}: unknown learner {learner!r}; known learners are {sorted(config['learners'])}"
                )
        schedule = study["schedule"]
        if schedule not in SCHEDULES:
            raise ValueError(f"{where}: unknown schedule {schedule!r}; known schedules are {sorted(SCHEDULES)}")
        for p in study["update_probabilities"]:
            check_in_range(f"{where}: update probability", p, 0.0, 1.0, low_open=True)
        for task in study["tasks"]:
            n_train = config["tasks"][task].get("n_train", 1)
            for b in study["batch_sizes"]:
                if b != "full" and b > n_train:
                    raise ValueError(
                        f"{where}: batch size {b} exceeds the {n_train} training points of task "
                        f"{task!r}; use a batch size in 1..{n_train} or 'full'"
                    )


def study_settings(config: dict, study_name: str) -> list[Setting]:
    """List the jobs of a study, in a fixed order."""
    study = config["studies"][study_name]
    probabilities = [float(p) for p in study["update_probabilities"]]
    batches = list(study["batch_sizes"])
    if study["design"] == "one_at_a_time":
        pairs = [(p, "full") for p in probabilities] + [(1.0, b) for b in batches if b != "full"]
    else:
        pairs = [(p, b) for p in probabilities for b in batches]
    levels = study["levels"] or [None]
    damage = study["damage_fractions"] or [None]
    return [
        Setting(study_name, learner, task, network, p, b, d, level, fraction)
        for network in study_networks(study)
        for learner in study["learners"]
        for task in study["tasks"]
        for level in levels
        for d in study["staleness"]
        for fraction in damage
        for p, b in pairs
    ]


def selected_studies(config: dict) -> list[str]:
    """Return the studies to run: ``only_studies`` if given, else every study."""
    return list(config.get("only_studies") or config["studies"])


def seeds_needed(config: dict) -> dict:
    """Return, per network name, the number of seeds any selected study uses it with."""
    needed = {}
    for study in (config["studies"][name] for name in selected_studies(config)):
        for network in study_networks(study):
            needed[network] = max(needed.get(network, 0), study["seeds"])
    return needed


def seed_file(folder, seed: int, suffix: str) -> Path:
    """Return the file of one seed in a network or task folder."""
    return Path(folder) / f"seed{seed:03d}{suffix}"


# ---------------------------------------------------------------------------
# Jobs


def write_networks(config: dict, name: str, folder, n_seeds: int) -> None:
    """Generate (or copy) network ``name`` for seeds 0..n_seeds-1 into ``folder``."""
    spec = config["networks"][name]
    base = config["base_seed"]
    with atomic_folder(folder) as temporary:
        _write_networks(spec, name, base, temporary, n_seeds)
    logger.info("wrote %d networks %r to %s", n_seeds, name, folder)


def _write_networks(spec, name, base, folder, n_seeds):
    for seed in range(n_seeds):
        generator = spec["generator"]
        if generator == "file":
            network = read_network(spec["path"])
        elif generator == "disordered":
            network = disordered_network(spec["n_nodes"], run_seed(base, "network", name, seed),
                                         coordination=spec.get("coordination"))
        elif generator == "square":
            network = square_lattice(spec["nx"], spec["ny"])
        else:
            network = triangular_lattice(spec["nx"], spec["ny"])
        network.name = name
        network.provenance = {**network.provenance, **provenance(config=spec, seed=seed)}
        del network.provenance["created_utc"]
        write_network(network, seed_file(folder, seed, ".json"))


def write_tasks(config: dict, network_name: str, task_name: str, network_folder, folder, n_seeds: int) -> None:
    """Write task data and the network with its terminals for every seed.

    File networks keep their own terminals; generated networks get terminals
    drawn at random with the task's counts.
    """
    spec = config["tasks"][task_name]
    base = config["base_seed"]
    with atomic_folder(folder) as temporary:
        _write_tasks(spec, base, network_name, task_name, network_folder, temporary, n_seeds)
        record = provenance(config={"task": spec, "network_name": network_name}, base_seed=base,
                            seeds=list(range(n_seeds)), network_folder=str(network_folder))
        write_provenance(Path(temporary) / "task", record)
    logger.info("wrote %d instances of task %r on network %r to %s", n_seeds, task_name, network_name, folder)


def _write_tasks(spec, base, network_name, task_name, network_folder, folder, n_seeds):
    kind = spec["kind"]
    for seed in range(n_seeds):
        network = read_network(seed_file(network_folder, seed, ".json"))
        if not network.targets:
            if kind == "classification":
                n_sources, n_targets = 4 + int(spec["bias"]), 3
            else:
                n_sources, n_targets = spec["n_sources"], spec["n_targets"]
            network = choose_terminals(network, n_sources, n_targets, spec["n_ground"],
                                       run_seed(base, "terminals", network_name, task_name, seed))
        parameters = {key: spec[key] for key in TASK_PARAMETERS[kind] if key in spec}
        if kind == "regression" and spec["map"] == "teacher":
            parameters["matrix"] = teacher_map(network, run_seed(base, "teacher", task_name, seed),
                                               spec["teacher_resistance_range"])
        task = make_task(kind, len(network.sources), len(network.targets),
                         run_seed(base, "task", task_name, seed), **parameters)
        write_network(network, seed_file(folder, seed, ".network.json"))
        write_task(task, seed_file(folder, seed, ".csv"))


def _make_learner(spec: dict, circuit: Circuit, seeds):
    kind = spec["kind"]
    n_edges = circuit.n_edges
    if kind == "continuous":
        low, high = spec["initial_range"]
        initial = np.stack([np.random.default_rng(_child(s, "initial")).uniform(low, high, n_edges) for s in seeds])
        return ContinuousLearner(initial, spec["learning_rate"], spec["nudge"],
                                 spec["k_min"], spec["k_max"])
    levels = spec["levels"]
    if spec["initial_positions"] == "random":
        positions = np.stack([np.random.default_rng(_child(s, "initial")).integers(0, levels, n_edges) for s in seeds])
    else:
        positions = np.full((len(seeds), n_edges), levels // 2)
    if kind == "discrete":
        return DiscreteLearner(positions, levels, spec["r_min"], spec["r_max"],
                               spec["nudge"])
    parameters = HardwareParameters(**{key: spec[key] for key in HARDWARE_KEYS if key in spec})
    return HardwareLearner(parameters, spec["nudge"], positions)


def _child(seed, purpose):
    from .randomness import purpose_generator

    return purpose_generator(seed, purpose).bit_generator.seed_seq


def run_setting(config: dict, setting: Setting, task_folder, output, raster_steps=0) -> None:
    """Train every seed of one setting together and write the trajectory NetCDF file.

    The file contains the per-step training error, recorded test error,
    accuracy, cosine similarity and conductances, the update raster of the
    first steps, and the exploration measures, with the configuration and
    provenance in its attributes. With a damage fraction the run is trained
    in two phases: after ``damage_at`` of the steps, that share of each
    network's edges is removed (open circuits, conductance 0 in the file)
    and training goes on with the remaining edges.
    """
    study = config["studies"][setting.study]
    spec = dict(config["learners"][setting.learner])
    if setting.levels is not None:
        spec["levels"] = setting.levels
    base = config["base_seed"]
    n_seeds = study["seeds"]

    networks, tasks = [], []
    for seed in range(n_seeds):
        networks.append(read_network(seed_file(task_folder, seed, ".network.json")))
        tasks.append(read_task(seed_file(task_folder, seed, ".csv"), config["tasks"][setting.task]["kind"]))
    n_train = tasks[0].n_train
    batch_size = n_train if setting.batch_size == "full" else int(setting.batch_size)

    p = setting.update_probability
    steps = max(1, int(math.ceil(study["updates_per_edge"] / p)))
    record_every = max(1, steps // study["record_points"])
    seeds = [run_seed(base, setting.study, setting.task, seed) for seed in range(n_seeds)]
    circuit = Circuit(networks)
    learner = _make_learner(spec, circuit, seeds)
    schedule_name, schedule_parameters = study["schedule"], study["schedule_parameters"]
    logger.info("%s/%s: %d seeds, %d nodes, %d edges, %d training points, batch %d, p=%g, %d steps",
                setting.study, setting.name, n_seeds, circuit.n_nodes, circuit.n_edges, n_train,
                batch_size, p, steps)
    options = dict(batch_size=batch_size, record_every=record_every, staleness=setting.staleness)

    if setting.damage_fraction is None:
        schedule = make_schedule(schedule_name, update_probability=p, **schedule_parameters)
        trajectory = train(circuit, tasks, learner, schedule, steps=steps, seeds=seeds,
                           raster_steps=raster_steps, **options)
        damage_step = None
    else:
        damage_step = max(1, int(round(study["damage_at"] * steps)))
        schedule = make_schedule(schedule_name, update_probability=p, **schedule_parameters)
        before = train(circuit, tasks, learner, schedule, steps=damage_step, seeds=seeds,
                       raster_steps=raster_steps, **options)
        damaged, kept = [], []
        for seed, network in enumerate(networks):
            network, edges = remove_edges(network, setting.damage_fraction,
                                          run_seed(base, "damage", setting.study, setting.task, seed))
            damaged.append(network)
            kept.append(edges)
        kept = np.stack(kept)
        learner.keep_edges(kept)
        later_seeds = [run_seed(base, setting.study, setting.task, seed, "after_damage") for seed in range(n_seeds)]
        schedule = make_schedule(schedule_name, update_probability=p, **schedule_parameters)
        after = train(Circuit(damaged), tasks, learner, schedule, steps=steps - damage_step,
                      seeds=later_seeds, **options) if steps > damage_step else None
        trajectory = join_trajectories(before, after, kept, circuit.n_edges)
        logger.info("removed %d of %d edges per network at step %d", circuit.n_edges - kept.shape[1],
                    circuit.n_edges, damage_step)

    dataset = trajectory_dataset(trajectory, circuit, setting, batch_size, n_train)
    dataset.attrs["levels"] = spec["levels"] if spec["kind"] != "continuous" else -1
    if damage_step is not None:
        dataset.attrs["damage_step"] = damage_step
        dataset.attrs["damage_fraction"] = setting.damage_fraction
    network_spec = config["networks"][setting.network]
    task_spec = config["tasks"][setting.task]
    task_keys = ("kind", "n_sources", "n_targets", "n_ground", *TASK_PARAMETERS[task_spec["kind"]])
    if task_spec["kind"] == "regression":
        task_keys += ("map", "teacher_resistance_range") if task_spec["map"] == "teacher" else ("map",)
    used = {
        "study": study,
        "learner": {key: spec[key] for key in LEARNER_PARAMETERS[spec["kind"]] if key in spec},
        "task": {key: task_spec[key] for key in task_keys if key in task_spec},
        "network": network_spec,
        "network_name": setting.network,
    }
    record = provenance(config=used,
                        base_seed=base, seeds=list(range(n_seeds)))
    for key, value in record.items():
        if key != "created_utc":
            dataset.attrs[key] = value if isinstance(value, (str, int, float)) else json.dumps(value)
    write_netcdf(dataset, output)
    write_provenance(output, record)


def join_trajectories(before, after, kept, n_edges):
    """Join the trajectories before and after edges were removed.

    At the damage step the joined arrays hold the state just after the
    edges were removed. Removed edges appear with conductance 0 S (open
    circuit) afterwards; exploration counts of the two phases are not
    comparable and are left out.
    """
    if after is None:
        return before
    conductances = np.zeros(after.conductances.shape[:2] + (n_edges,))
    np.put_along_axis(conductances, kept[:, None, :], after.conductances, axis=2)
    offset = before.error.shape[1] - 1

    def both(first, second):
        return np.concatenate([first[:, :-1], second], axis=1)

    return Trajectory(
        error=both(before.error, after.error),
        record_steps=np.concatenate([before.record_steps[:-1], after.record_steps + offset]),
        test_error=both(before.test_error, after.test_error),
        accuracy=both(before.accuracy, after.accuracy),
        test_accuracy=both(before.test_accuracy, after.test_accuracy),
        cosine_similarity=both(before.cosine_similarity, after.cosine_similarity),
        conductances=np.concatenate([before.conductances[:, :-1], conductances], axis=1),
        updates_per_step=np.concatenate([before.updates_per_step, after.updates_per_step], axis=1),
        raster=before.raster,
        distance_travelled=before.distance_travelled + after.distance_travelled,
        exploration={},
        elapsed_seconds=before.elapsed_seconds + after.elapsed_seconds,
    )


def trajectory_dataset(trajectory, circuit, setting: Setting, batch_size: int, n_train: int) -> xr.Dataset:
    """Pack a trajectory into a self-describing xarray Dataset."""
    n_runs, n_steps = trajectory.error.shape
    variables = {
        "error": (("run", "step"), trajectory.error,
                  {"units": "V^2", "long_name": "mean training error 1/2 sum (V_out - V_desired)^2"}),
        "test_error": (("run", "record"), trajectory.test_error, {"units": "V^2"}),
        "accuracy": (("run", "record"), trajectory.accuracy, {"units": "1"}),
        "test_accuracy": (("run", "record"), trajectory.test_accuracy, {"units": "1"}),
        "cosine_similarity": (("run", "record"), trajectory.cosine_similarity,
                              {"units": "1", "long_name": "cosine between the update and the synchronous full-batch update"}),
        "conductances": (("run", "record", "edge"), trajectory.conductances, {"units": "S"}),
        "updates_per_step": (("run", "update_step"), trajectory.updates_per_step, {"units": "edges"}),
        "raster": (("run", "raster_step", "edge"), trajectory.raster.astype(np.int8),
                   {"long_name": "1 where the edge updated at that step"}),
        "distance_travelled": (("run",), trajectory.distance_travelled,
                               {"units": "S", "long_name": "path length in conductance space"}),
        "sources": (("run", "source"), circuit.sources),
        "targets": (("run", "target"), circuit.targets),
        "ground": (("run", "ground_node"), circuit.ground),
    }
    for key, values in trajectory.exploration.items():
        variables[key] = (("run",), values)
    coords = {
        "run": np.arange(n_runs),
        "step": np.arange(n_steps),
        "record": np.arange(len(trajectory.record_steps)),
        "record_step": (("record",), trajectory.record_steps),
        "edge": np.arange(circuit.n_edges),
    }
    attrs = {
        "title": "coupled-learning training trajectories",
        "study": setting.study,
        "learner": setting.learner,
        "task": setting.task,
        "network": setting.network,
        "staleness": setting.staleness,
        "levels": -1 if setting.levels is None else setting.levels,  # run_setting stores the resolved value
        "update_probability": setting.update_probability,
        "batch_size": batch_size,
        "n_train": n_train,
        "elapsed_seconds": trajectory.elapsed_seconds,
        "package_version": __version__,
    }
    return xr.Dataset(variables, coords=coords, attrs=attrs)
