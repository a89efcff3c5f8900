"""Rule script: Fig. 2, desynchronous learning in the idealized simulation.

One row per task: the normalized training error against steps t and against
updates per edge p·t, one curve per update probability p, and the late-time
error against p. If the classification task recorded test accuracy, a last
row shows it against p·t and its late-time value against p.
"""

import logging

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from desync_learning import plotting  # noqa: E402
from desync_learning.io import setup_logging  # noqa: E402

setup_logging(snakemake.log[0])
logger = logging.getLogger("fig2_simulation")

STUDY = "simulation"
# Columns this figure reads from each table.
CURVE_COLUMNS = ["study", "task", "p", "seed", "step", "updates_per_edge", "error_normalized", "test_accuracy"]
FINAL_COLUMNS = ["study", "task", "p", "seed", "final_error_normalized", "test_accuracy"]
# These tasks come first, in this order, and any other task of the study follows alphabetically.
TASK_ORDER = ["allostery", "regression", "classification"]
LETTERS = "abcdefghijklmnopqrstuvwxyz"
SYNCHRONOUS_LABEL = "median at $p = 1$"
LEGEND_TITLE = "lines and points: median over seeds; bands and bars: interquartile range"


def ordered_tasks(frame):
    """Return the study's tasks, the usual three first."""
    present = set(frame["task"])
    return [t for t in TASK_ORDER if t in present] + sorted(present - set(TASK_ORDER))


def draw_late_time(ax, finals, column):
    """Draw a late-time quantity against p with a dashed line at the synchronous (p = 1) median."""
    plotting.plot_knob_summary(ax, finals, x="p", y=column, log_y=column.startswith("final_error"))
    synchronous = finals.loc[finals["p"] == 1.0, column].dropna()
    if not synchronous.empty:
        plotting.add_reference_line(ax, synchronous.median(), SYNCHRONOUS_LABEL)
        ax.legend(frameon=False, loc="best")
    ax.set_xlabel("update probability $p$")
    plotting.annotate_seeds(ax, plotting.seed_count_text(finals, "p") + " per point")


plotting.set_style()
curves = plotting.select_rows(
    plotting.read_table(snakemake.input.learning_curves, CURVE_COLUMNS, "learning_curves"), study=STUDY)
finals = plotting.select_rows(
    plotting.read_table(snakemake.input.final_errors, FINAL_COLUMNS, "final_errors"), study=STUDY)
late_label = f"late-time error / initial\n(mean of last {snakemake.params.final_fraction:.0%} of steps)"

tasks = ordered_tasks(curves) if not curves.empty else []
palette = plotting.knob_palette(curves["p"]) if not curves.empty else {}
accuracy_curves = curves[(curves["task"] == "classification") & curves["test_accuracy"].notna()]
show_accuracy = not accuracy_curves.empty
logger.info("study %r: tasks %s, p values %s, accuracy row %s", STUDY, tasks,
            sorted(palette, reverse=True), "shown" if show_accuracy else "absent")

n_rows = max(1, len(tasks)) + int(show_accuracy)
figure = plt.figure(figsize=(7.2, 2.05 * n_rows + 0.5), layout="constrained")
grid = figure.add_gridspec(n_rows, 6)
letters = iter(LETTERS)

if not tasks:
    plotting.mark_missing(figure.add_subplot(grid[0, :]), f"no rows of study {STUDY!r} in learning_curves.csv")

for row, task in enumerate(tasks):
    task_curves = plotting.select_rows(curves, task=task)
    task_finals = plotting.select_rows(finals, task=task)
    by_time, by_updates, late = (figure.add_subplot(grid[row, 2 * i:2 * i + 2]) for i in range(3))

    plotting.plot_curves(by_time, task_curves, x="step", y="error_normalized", palette=palette, legend=False)
    by_time.set_xlabel("step $t$")
    by_time.set_ylabel(f"{task}\nerror / initial")
    plotting.label_panel(by_time, next(letters))

    plotting.plot_curves(by_updates, task_curves, x="updates_per_edge", y="error_normalized", palette=palette,
                         legend=False)
    by_updates.set_xlabel("updates per edge $p\\,t$")
    by_updates.set_ylabel("error / initial")
    plotting.label_panel(by_updates, next(letters))
    for ax in (by_time, by_updates):
        plotting.annotate_seeds(ax, plotting.seed_count_text(task_curves, "p") + " per curve")

    if task_finals.empty:
        plotting.mark_missing(late, f"no {task!r} rows in final_errors.csv")
    else:
        draw_late_time(late, task_finals, "final_error_normalized")
    late.set_ylabel(late_label)
    plotting.label_panel(late, next(letters))
    logger.info("task %r: %d curve rows, %d late-time rows", task, len(task_curves), len(task_finals))

if show_accuracy:
    by_updates = figure.add_subplot(grid[n_rows - 1, 0:3])
    late = figure.add_subplot(grid[n_rows - 1, 3:6])
    plotting.plot_curves(by_updates, accuracy_curves, x="updates_per_edge", y="test_accuracy", palette=palette,
                         log_y=False, legend=False)
    by_updates.set_xlabel("updates per edge $p\\,t$")
    by_updates.set_ylabel("classification\ntest accuracy")
    plotting.annotate_seeds(by_updates, plotting.seed_count_text(accuracy_curves, "p") + " per curve")
    plotting.label_panel(by_updates, next(letters))

    accuracy_finals = plotting.select_rows(finals, task="classification")
    draw_late_time(late, accuracy_finals, "test_accuracy")
    late.set_ylabel("final test accuracy")
    plotting.label_panel(late, next(letters))

if palette:
    plotting.knob_legend(figure, palette, "p", LEGEND_TITLE)

plotting.save_figure(figure, [snakemake.output.pdf, snakemake.output.png], sources=list(snakemake.input))
