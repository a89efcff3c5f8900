# Shared helpers: config cross-checks, the list of jobs, input functions.

from desync_learning.pipeline import check_config, seeds_needed, selected_studies, study_settings

# Reject a bad config before any job is scheduled.
try:
    check_config(config)
except ValueError as error:
    raise WorkflowError(f"invalid configuration: {error}") from error

SEEDS = seeds_needed(config)
SETTINGS = {study: study_settings(config, study) for study in selected_studies(config)}
# Each figure is drawn when the study it shows is selected; the rule files
# of further studies append their own figures.
PAPER_FIGURES = {"fig1": "hardware", "fig2": "simulation", "fig3": "hardware", "fig4": "minibatch"}
FIGURES = [figure for figure, study in PAPER_FIGURES.items() if study in SETTINGS]


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
