# Shared helpers: config cross-checks, the list of jobs, input functions.

from desync_learning.pipeline import check_config, seeds_needed, study_settings

# Reject a bad config before any job is scheduled.
try:
    check_config(config)
except ValueError as error:
    raise WorkflowError(f"invalid configuration: {error}") from error

SEEDS = seeds_needed(config)
SETTINGS = {study: study_settings(config, study) for study in config["studies"]}
FIGURES = ["fig1", "fig2", "fig3", "fig4"]


wildcard_constraints:
    network=r"[A-Za-z0-9_]+",
    task=r"[A-Za-z0-9_]+",
    study=r"[A-Za-z0-9_]+",
    setting=r"[A-Za-z0-9_.\-]+",


def run_files():
    """All trajectory files of all studies."""
    return [
        f"results/runs/{study}/{setting.name}.nc"
        for study, settings in SETTINGS.items()
        for setting in settings
    ]


def find_setting(wildcards):
    for setting in SETTINGS[wildcards.study]:
        if setting.name == wildcards.setting:
            return setting
    raise WorkflowError(f"no setting {wildcards.setting!r} in study {wildcards.study!r}")


def task_folder(wildcards):
    setting = find_setting(wildcards)
    return f"results/tasks/{setting.network}-{setting.task}"
