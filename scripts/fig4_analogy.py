"""Rule script: Fig. 4, desynchronization compared with mini-batching.

Left column: the update probability p at full batch (b = M). Right column:
the batch fraction b/M at p = 1. Each column starts with learning curves of
the continuous learner and of the emulated hardware in rescaled time. Then
four panels show per-seed measures of both learners against the knob value:
the late-time error, its fluctuation over the late window, the distance the
conductances travel, and the cosine similarity between each step's update
and the synchronous full-batch update.
"""

import logging

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from desync_learning import plotting  # noqa: E402
from desync_learning.io import setup_logging  # noqa: E402

setup_logging(snakemake.log[0])
logger = logging.getLogger("fig4_analogy")

STUDY = "minibatch"
# Columns this figure reads from each table.
CURVE_COLUMNS = ["study", "learner", "p", "batch_size", "seed", "step", "updates_per_edge", "error_normalized",
                 "run_file"]
FINAL_COLUMNS = ["study", "learner", "p", "batch_size", "n_train", "seed", "final_error", "final_error_normalized",
                 "final_error_std", "distance_travelled", "run_file"]
NOISE_COLUMNS = ["study", "learner", "knob", "value", "seed", "cosine_similarity"]
LEARNERS = ["continuous", "hardware"]
# Per knob: column title, x column of the learning curves and its axis label.
KNOBS = {
    "p": ("desynchronization: $p$ at $b = M$", "updates_per_edge", "updates per edge $p\\,t$"),
    "batch_fraction": ("mini-batching: $b/M$ at $p = 1$", "step", "steps $t$ (= updates per edge at $p = 1$)"),
}
KNOB_AXIS_LABELS = {"p": "update probability $p$", "batch_fraction": "batch fraction $b/M$"}
LEGEND_TEXT = "lines and points: median over seeds; bands and bars: interquartile range"


def with_knobs(frame):
    """Return the rows of each knob with columns ``knob`` and ``value``.

    Rows at full batch vary p, and rows at p = 1 vary b/M. The synchronous
    full-batch run belongs to both.
    """
    vary_p = frame[frame["batch_size"] == frame["n_train"]].assign(knob="p", value=lambda f: f["p"])
    vary_batch = frame[frame["p"] == 1.0].assign(knob="batch_fraction",
                                                 value=lambda f: f["batch_size"] / f["n_train"])
    return vary_p, vary_batch


def draw_curves(ax, curves, knob, learner, palette):
    """Draw one learner's learning curves for one knob, one curve per knob value."""
    _, x, x_label = KNOBS[knob]
    rows = curves[curves["learner"] == learner].assign(**{knob: lambda f: f["value"]})
    if rows.empty:
        plotting.mark_missing(ax, f"no {learner!r} rows of study {STUDY!r} for this knob")
        return
    plotting.plot_curves(ax, rows, x=x, y="error_normalized", knob=knob, palette=palette, legend=True)
    ax.legend(frameon=False, loc="best")
    ax.set_xlabel(x_label)
    ax.set_ylabel(f"{learner}\ntraining error / initial")
    plotting.annotate_seeds(ax, plotting.seed_count_text(rows, "value") + " per curve")


def draw_summary(ax, rows, y, knob, y_label, log_y=False):
    """Draw a per-seed quantity against the knob value, one line per learner."""
    if rows.empty:
        plotting.mark_missing(ax, f"no rows of study {STUDY!r} for this knob")
        return
    plotting.plot_knob_summary(ax, rows, x="value", y=y, hue="learner", log_y=log_y)
    ax.set_xlabel(KNOB_AXIS_LABELS[knob])
    ax.set_ylabel(y_label)
    # The panels are narrow, so the count leaves out "per point", which the caption states.
    plotting.annotate_seeds(ax, plotting.seed_count_text(rows, ["learner", "value"]))


def draw_learner_legend(figure):
    """Draw one legend of the learners' colours above both columns, titled with the statistics shown."""
    handles = [Line2D([], [], color=color, marker="o", markersize=3.5, linewidth=1.2, label=learner)
               for learner, color in plotting.LEARNER_COLORS.items() if learner in LEARNERS]
    figure.legend(handles=handles, loc="outside upper center", ncol=len(handles), frameon=False,
                  title=f"{LEGEND_TEXT}; colours in panels c-f and i-l:")


def with_relative_fluctuation(finals):
    """Add ``final_error_std_normalized``: the late-time standard deviation of the error over its initial value.

    The initial error is ``final_error / final_error_normalized``, so the
    fluctuation is on the same scale as the normalized late-time error.
    """
    initial = finals["final_error"] / finals["final_error_normalized"]
    return finals.assign(final_error_std_normalized=finals["final_error_std"] / initial)


plotting.set_style()
curves = plotting.select_rows(
    plotting.read_table(snakemake.input.learning_curves, CURVE_COLUMNS, "learning_curves"), study=STUDY)
finals = plotting.select_rows(
    plotting.read_table(snakemake.input.final_errors, FINAL_COLUMNS, "final_errors"), study=STUDY)
noise = plotting.select_rows(
    plotting.read_table(snakemake.input.update_noise, NOISE_COLUMNS, "update_noise"), study=STUDY)
window = f"last {snakemake.params.final_fraction:.0%} of steps"
# Per summary panel: column, axis label, log y axis.
SUMMARIES = [
    ("final_error_normalized", f"late-time error / initial\n(mean of {window})", True),
    ("final_error_std_normalized", f"late-time fluctuation / initial\n(std of error over {window})", True),
    ("distance_travelled", "distance travelled in\nconductance space (S)", True),
]

curves_by_knob = dict(zip(KNOBS, with_knobs(curves)))
finals_by_knob = dict(zip(KNOBS, with_knobs(with_relative_fluctuation(finals))))
# One colour per value on both knobs, so that p = 0.5 and b/M = 0.5 match.
palette = plotting.knob_palette(list(curves_by_knob["p"]["value"]) + list(curves_by_knob["batch_fraction"]["value"]))
for knob in KNOBS:
    logger.info("knob %s: values %s; %d curve rows, %d late-time rows, %d update-noise rows", knob,
                sorted(float(value) for value in curves_by_knob[knob]["value"].unique()), len(curves_by_knob[knob]),
                len(finals_by_knob[knob]), int((noise["knob"] == knob).sum()))

# Each knob gets a column: two learning-curve panels across its width, then
# a 2 x 2 block of per-seed measures.
figure = plt.figure(figsize=(7.2, 9.4), layout="constrained")
columns = figure.subfigures(1, 2, wspace=0.03)
column_axes = []
for subfigure in columns:
    grid = subfigure.add_gridspec(4, 2, height_ratios=[1.0, 1.0, 1.05, 1.05])
    curve_axes = [subfigure.add_subplot(grid[row, :]) for row in range(2)]
    summary_axes = [subfigure.add_subplot(grid[2 + index // 2, index % 2]) for index in range(4)]
    column_axes.append(curve_axes + summary_axes)
for left, right in zip(*column_axes):
    # Shared y axes, so that the same panel in both columns compares the two knobs directly.
    right.sharey(left)
for column, (knob, (title, _, _)) in enumerate(KNOBS.items()):
    columns[column].suptitle(title, fontsize=9, fontweight="bold")
    axes = column_axes[column]
    for ax, letter in zip(axes, "abcdef" if column == 0 else "ghijkl"):
        plotting.label_panel(ax, letter)
    for row, learner in enumerate(LEARNERS):
        draw_curves(axes[row], curves_by_knob[knob], knob, learner, palette)
    for ax, (y, y_label, log_y) in zip(axes[2:5], SUMMARIES):
        draw_summary(ax, finals_by_knob[knob], y, knob, y_label, log_y=log_y)
    draw_summary(axes[5], noise[noise["knob"] == knob], "cosine_similarity", knob,
                 "cosine similarity with the\nsynchronous full-batch update")
    for y, _, _ in SUMMARIES:
        medians = finals_by_knob[knob].groupby(["learner", "value"])[y].median()
        logger.info("knob %s, median %s per learner and value: %s", knob, y,
                    ", ".join(f"{learner} {value:g}: {median:.3g}" for (learner, value), median in medians.items()))

draw_learner_legend(figure)
plotting.save_figure(figure, [snakemake.output.pdf, snakemake.output.png], sources=list(snakemake.input))
