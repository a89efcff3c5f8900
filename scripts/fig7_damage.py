"""Rule script: Fig. 7, recovery of synchronous and desynchronous learning after edges are removed.

One row per learner. Left: the error just before the damage, just after it
and late after it, against the fraction of edges removed, one colour per
update probability p. Middle: learning curves against updates per edge for
one removed fraction, with the undamaged runs for comparison. Right: each
seed's late error after the damage at p < 1 divided by its own at p = 1.
"""

import logging

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from desync_learning import plotting  # noqa: E402
from desync_learning.io import setup_logging  # noqa: E402

setup_logging(snakemake.log[0])
logger = logging.getLogger("fig7_damage")

STUDY = "damage"
# Columns this figure reads from each table.
DAMAGE_COLUMNS = ["study", "learner", "p", "damage_fraction", "seed", "damage_step", "error_before",
                  "error_just_after", "error_late", "run_file"]
CURVE_COLUMNS = ["study", "learner", "p", "damage_fraction", "seed", "step", "updates_per_edge", "error_normalized"]
LEARNERS = ["continuous", "hardware"]
LEARNER_TITLES = {"continuous": "continuous learner", "hardware": "emulated hardware"}
# Removed fraction whose learning curves are drawn. A study without it gets its nearest non-zero fraction.
CURVE_FRACTION = 0.1
# A seed keeps its task, network, initial state and removed edges at every p.
PAIR_ON = ["learner", "damage_fraction", "seed"]
FRACTION_LABEL = "fraction of edges removed"
LEGEND_TITLE = "lines and points: median over seeds; bars and bands: interquartile range"
# Per error column of damage.csv: legend label, marker and line style.
PHASES = {
    "error_before": ("before the damage", "s", ":"),
    "error_just_after": ("just after the damage", "v", "--"),
    "error_late": ("late after the damage", "o", "-"),
}


def choose_curve_fraction(fractions):
    """Return :data:`CURVE_FRACTION` if the study has it, else the non-zero fraction nearest to it."""
    nonzero = sorted(f for f in fractions if f > 0)
    if not nonzero:
        return None
    return min(nonzero, key=lambda f: abs(f - CURVE_FRACTION))


def draw_phases(ax, rows, palette):
    """Draw the three error columns against the removed fraction, one colour per p."""
    labels = {p: plotting.knob_label("p", p) for p in palette}
    for column, (_, marker, linestyle) in PHASES.items():
        plotting.plot_knob_summary(ax, rows, x="damage_fraction", y=column, hue="p", palette=palette,
                                   x_scale="linear", hue_order=sorted(palette, reverse=True), hue_labels=labels,
                                   marker=marker, linestyle=linestyle, show_seeds=column == "error_late")
    values = rows[list(PHASES)].to_numpy().ravel()
    plotting.set_log_y(ax, values[values > 0])
    ax.set_xlabel(FRACTION_LABEL)
    ax.set_ylabel("training error / initial")
    plotting.annotate_seeds(ax, plotting.seed_count_text(rows, ["p", "damage_fraction"]) + " per point")


def draw_curves(ax, curves, damage, fraction, palette):
    """Draw learning curves at one removed fraction, the undamaged medians dashed, and the damage time."""
    damaged = curves[np.isclose(curves["damage_fraction"], fraction)]
    undamaged = curves[curves["damage_fraction"] == 0.0]
    if damaged.empty:
        plotting.mark_missing(ax, f"no learning curves at removed fraction {fraction:g}")
        return
    plotting.plot_curves(ax, damaged, x="updates_per_edge", y="error_normalized", palette=palette, legend=False)
    for p, group in undamaged.groupby("p"):
        median = group.groupby("updates_per_edge")["error_normalized"].median()
        ax.plot(median.index, median.to_numpy(), color=palette[float(p)], linestyle="--", linewidth=0.8, alpha=0.8)
    for updates in sorted(set(damage["damage_step"] * damage["p"])):
        ax.axvline(updates, color="0.3", linestyle=":", linewidth=0.8, zorder=0)
    ax.set_xlabel("updates per edge $p\\,t$")
    ax.set_ylabel("training error / initial")
    plotting.annotate_seeds(ax, plotting.seed_count_text(damaged, "p") + " per curve")


def draw_ratio(ax, rows, learner, palette):
    """Draw each seed's late error after the damage at p < 1 over its own at p = 1, against the fraction."""
    ratios = plotting.paired_ratio(rows, "error_late", PAIR_ON)
    if ratios.empty:
        plotting.mark_missing(ax, "no seed has runs at p = 1 and at p < 1")
        return
    desynchronous = sorted(ratios["p"].unique(), reverse=True)
    summary = plotting.plot_ratio_summary(ax, ratios, x="damage_fraction", hue="p", palette=palette,
                                          x_scale="linear", hue_order=desynchronous,
                                          hue_labels={p: plotting.knob_label("p", p) for p in desynchronous},
                                          count_below_one=len(desynchronous) == 1)
    ax.set_xlabel(FRACTION_LABEL)
    ax.set_ylabel("late error after the damage,\n$p < 1$ / same seed's at $p = 1$")
    handles, labels = ax.get_legend_handles_labels()
    references = [(h, label) for h, label in zip(handles, labels) if not label.startswith("p =")]
    ax.legend(*zip(*references), frameon=False, loc="best")
    plotting.annotate_seeds(ax, plotting.seed_count_text(ratios, ["p", "damage_fraction"]).replace("seeds", "pairs")
                            + " per point")
    for (p, fraction), row in summary.iterrows():
        logger.info("%s p=%g, removed %g: late error ratio to p=1 median %.3g (IQR %.3g-%.3g), %d of %d seeds "
                    "below 1", learner, p, fraction, row["median"], row["q25"], row["q75"], row["below_one"],
                    row["seeds"])


def log_phases(learner, rows):
    """Log the median errors before, just after and late after the damage per p and fraction."""
    medians = rows.groupby(["p", "damage_fraction"])[list(PHASES)].median()
    for (p, fraction), row in medians.iterrows():
        logger.info("%s p=%g, removed %g: median error before %.3g, just after %.3g, late %.3g", learner, p,
                    fraction, row["error_before"], row["error_just_after"], row["error_late"])


plotting.set_style()
damage = plotting.select_rows(plotting.read_table(snakemake.input.damage, DAMAGE_COLUMNS, "damage"), study=STUDY)
curves = plotting.select_rows(
    plotting.read_table(snakemake.input.learning_curves, CURVE_COLUMNS, "learning_curves"), study=STUDY)

palette = plotting.knob_palette(damage["p"]) if not damage.empty else {}
fraction = choose_curve_fraction(damage["damage_fraction"].unique())
logger.info("study %r: p values %s, removed fractions %s, curves drawn at %s; %d damage rows, %d curve rows",
            STUDY, sorted(palette, reverse=True), sorted(float(f) for f in damage["damage_fraction"].unique()),
            fraction, len(damage), len(curves))

figure = plt.figure(figsize=(7.2, 5.2), layout="constrained")
rows_of = figure.subfigures(len(LEARNERS), 1, squeeze=False)[:, 0]
axes = [subfigure.subplots(1, 3) for subfigure in rows_of]
letters = iter("abcdefghijkl")
for subfigure, learner, (phases_ax, curves_ax, ratio_ax) in zip(rows_of, LEARNERS, axes):
    subfigure.suptitle(LEARNER_TITLES.get(learner, learner), fontsize=9, fontweight="bold")
    for ax in (phases_ax, curves_ax, ratio_ax):
        plotting.label_panel(ax, next(letters))
    rows = plotting.select_rows(damage, learner=learner)
    if rows.empty:
        for ax in (phases_ax, curves_ax, ratio_ax):
            plotting.mark_missing(ax, f"no {learner!r} rows of study {STUDY!r} in damage.csv")
        continue
    log_phases(learner, rows)
    draw_phases(phases_ax, rows, palette)
    if fraction is None:
        plotting.mark_missing(curves_ax, f"study {STUDY!r} removes no edges")
    else:
        draw_curves(curves_ax, plotting.select_rows(curves, learner=learner), rows, fraction, palette)
    draw_ratio(ratio_ax, rows, learner, palette)

# One legend above the panels: the p colours, the markers of the three
# phases in the left column and the line styles of the middle column.
if palette:
    p_handles = [Line2D([], [], color=color, linewidth=1.5, label=plotting.knob_label("p", p))
                 for p, color in palette.items()]
    phase_handles = [Line2D([], [], color="0.3", marker=marker, markersize=3.5, linestyle=linestyle, linewidth=1.0,
                            label=label) for label, marker, linestyle in PHASES.values()]
    curve_handles = [] if fraction is None else [
        Line2D([], [], color="0.3", linewidth=1.2, label=f"curves: {fraction:.0%} of edges removed"),
        Line2D([], [], color="0.3", linestyle="--", linewidth=0.8, label="curves: none removed"),
        Line2D([], [], color="0.3", linestyle=":", linewidth=0.8, label="time of the damage"),
    ]
    # Legends fill column by column, so four columns keep each group of entries together.
    figure.legend(handles=p_handles + phase_handles + curve_handles, loc="outside upper center", ncol=4,
                  frameon=False,
                  title=f"{LEGEND_TITLE}; markers: left column; line styles: middle column")

plotting.save_figure(figure, [snakemake.output.pdf, snakemake.output.png], sources=list(snakemake.input))
