"""Rule script: Fig. 3, desynchronous learning on the emulated laboratory hardware.

Top row: the normalized training error against steps t and against updates
per edge p·t, one curve per update probability p. Middle row: the late-time
error against p, and the late-time error of each seed at p divided by that
of the same seed at p = 1. Bottom row: how much of the discrete state space
the runs explore, against p: distinct states visited, parity classes
visited and the fraction of moves that undo the same edge's previous move.
"""

import logging

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from desync_learning import plotting  # noqa: E402
from desync_learning.io import setup_logging  # noqa: E402

setup_logging(snakemake.log[0])
logger = logging.getLogger("fig3_hardware")

STUDY = "hardware"
# Columns this figure reads from each table.
CURVE_COLUMNS = ["study", "p", "seed", "step", "updates_per_edge", "error_normalized"]
FINAL_COLUMNS = ["study", "p", "seed", "steps", "final_error_normalized", "run_file"]
EXPLORATION_COLUMNS = ["study", "p", "seed", "distinct_states", "parity_classes", "flip_back_fraction",
                       "run_file"]
SYNCHRONOUS_LABEL = "median at $p = 1$"
LEGEND_TITLE = "lines and points: median over seeds; bands and bars: interquartile range"


def draw_learning_curves(by_time, by_updates, curves, palette):
    """Draw the error against t and against p·t."""
    plotting.plot_curves(by_time, curves, x="step", y="error_normalized", palette=palette, legend=False)
    by_time.set_xlabel("step $t$")
    by_time.set_ylabel("training error / initial")
    plotting.plot_curves(by_updates, curves, x="updates_per_edge", y="error_normalized", palette=palette,
                         legend=False)
    by_updates.set_xlabel("updates per edge $p\\,t$")
    by_updates.set_ylabel("training error / initial")
    for ax in (by_time, by_updates):
        plotting.annotate_seeds(ax, plotting.seed_count_text(curves, "p") + " per curve")


def draw_late_time(ax, finals, late_label):
    """Draw the late-time error against p with the synchronous median as a dashed line."""
    plotting.plot_knob_summary(ax, finals, x="p", y="final_error_normalized", log_y=True)
    synchronous = finals.loc[finals["p"] == 1.0, "final_error_normalized"].dropna()
    if not synchronous.empty:
        plotting.add_reference_line(ax, synchronous.median(), SYNCHRONOUS_LABEL)
        ax.legend(frameon=False, loc="best")
    ax.set_xlabel("update probability $p$")
    ax.set_ylabel(late_label)
    plotting.annotate_seeds(ax, plotting.seed_count_text(finals, "p") + " per point")


def draw_paired_ratio(ax, finals):
    """Draw each seed's late-time error at p divided by its own at p = 1, with the seeds improved.

    A seed keeps its task instance, device imperfections and initial state
    at every p, so the ratio cancels the seed-to-seed spread that hides the
    effect of p in the late-time error itself.
    """
    ratios = plotting.paired_ratio(finals, "final_error_normalized", pair_on=["seed"])
    if ratios.empty:
        plotting.mark_missing(ax, "no seed has runs at p = 1 and at p < 1")
        return
    summary = plotting.plot_ratio_summary(ax, ratios, x="p", count_below_one=True)
    ax.legend(frameon=False, loc="best", handlelength=1.5)
    ax.set_xlabel("update probability $p$")
    ax.set_ylabel("late-time error at $p$ /\nsame seed's at $p = 1$")
    plotting.annotate_seeds(ax, plotting.seed_count_text(ratios, "p").replace("seeds", "pairs") + " per point")
    for p, row in summary.iterrows():
        logger.info("p=%g: late-time error ratio to p=1, median %.3f (IQR %.3f-%.3f), %d of %d seeds below 1",
                    p, row["median"], row["q25"], row["q75"], row["below_one"], row["seeds"])


def draw_exploration(axes, exploration):
    """Draw distinct states, parity classes and flip-back fraction against p.

    Runs with smaller p take more steps (the same updates per edge), so the
    number of states a run can visit, steps + 1, is drawn as a bound.
    """
    states_ax, parity_ax, flip_ax = axes
    plotting.plot_knob_summary(states_ax, exploration, x="p", y="distinct_states", log_y=True)
    if exploration["steps"].notna().any():
        bound = exploration.groupby("p")["steps"].max() + 1
        states_ax.plot(bound.index, bound.to_numpy(), color="0.45", linestyle="--", linewidth=0.8,
                       marker="_", markersize=12, markeredgewidth=1.2, label="steps + 1", zorder=3)
        states_ax.legend(frameon=False, loc="best")
    states_ax.set_ylabel("distinct states visited")

    plotting.plot_knob_summary(parity_ax, exploration, x="p", y="parity_classes", log_y=True)
    # Synchronous ±1 steps move every edge at every step, so without saturation
    # the position parities of all edges flip together and allow at most 2 classes.
    plotting.add_reference_line(parity_ax, 2, "2, synchronous limit")
    parity_ax.legend(frameon=False, loc="best")
    parity_ax.set_ylabel("parity classes visited")

    plotting.plot_knob_summary(flip_ax, exploration, x="p", y="flip_back_fraction")
    flip_ax.set_ylabel("flip-back fraction of moves")
    for ax in axes:
        ax.set_xlabel("update probability $p$")
        plotting.annotate_seeds(ax, plotting.seed_count_text(exploration, "p") + " per point")


plotting.set_style()
curves = plotting.select_rows(
    plotting.read_table(snakemake.input.learning_curves, CURVE_COLUMNS, "learning_curves"), study=STUDY)
finals = plotting.select_rows(
    plotting.read_table(snakemake.input.final_errors, FINAL_COLUMNS, "final_errors"), study=STUDY)
exploration = plotting.select_rows(
    plotting.read_table(snakemake.input.exploration, EXPLORATION_COLUMNS, "exploration"), study=STUDY)
late_label = f"late-time error / initial\n(mean of last {snakemake.params.final_fraction:.0%} of steps)"

palette = plotting.knob_palette(curves["p"]) if not curves.empty else {}
logger.info("study %r: p values %s; %d curve rows, %d late-time rows, %d exploration rows", STUDY,
            sorted(palette, reverse=True), len(curves), len(finals), len(exploration))

# Rows: learning curves, late-time error, exploration of the state space.
figure = plt.figure(figsize=(7.2, 6.8), layout="constrained")
curve_row, late_row, exploration_row = figure.subfigures(3, 1)
curve_axes = curve_row.subplots(1, 2)
late_axes = late_row.subplots(1, 2)
exploration_axes = exploration_row.subplots(1, 3)
for ax, letter in zip([*curve_axes, *late_axes, *exploration_axes], "abcdefg"):
    plotting.label_panel(ax, letter)

if curves.empty:
    for ax in curve_axes:
        plotting.mark_missing(ax, f"no rows of study {STUDY!r} in learning_curves.csv")
else:
    draw_learning_curves(*curve_axes, curves, palette)
if finals.empty:
    for ax in late_axes:
        plotting.mark_missing(ax, f"no rows of study {STUDY!r} in final_errors.csv")
else:
    draw_late_time(late_axes[0], finals, late_label)
    draw_paired_ratio(late_axes[1], finals)
    # The same p axis as panel (c), where p = 1 is the ratio's reference.
    late_axes[1].set_xlim(late_axes[0].get_xlim())
    late_axes[1].set_xticks(late_axes[0].get_xticks(), late_axes[0].get_xticklabels())
if exploration.empty:
    for ax in exploration_axes:
        plotting.mark_missing(ax, f"no rows of study {STUDY!r} in exploration.csv")
else:
    draw_exploration(exploration_axes, exploration)

if palette:
    plotting.knob_legend(figure, palette, "p", LEGEND_TITLE)

plotting.save_figure(figure, [snakemake.output.pdf, snakemake.output.png], sources=list(snakemake.input))
