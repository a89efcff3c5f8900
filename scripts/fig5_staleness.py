"""Rule script: Fig. 5, how much staleness coupled learning absorbs, with and without desynchronization.

Each edge runs on its own clock and applies an update computed from the
voltage drops it measured d steps earlier. Columns: the continuous learner
and the emulated hardware. Rows: the late-time error against the staleness
d in steps, one line per update probability p; the same against d·p, the
staleness counted in updates of the edge; and each seed's late-time error at
d divided by its own at d = 0 with the same p, against d·p.
"""

import logging

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

from desync_learning import plotting  # noqa: E402
from desync_learning.io import setup_logging  # noqa: E402

setup_logging(snakemake.log[0])
logger = logging.getLogger("fig5_staleness")

STUDY = "staleness"
# Columns this figure reads from final_errors.csv.
FINAL_COLUMNS = ["study", "learner", "schedule", "p", "seed", "staleness", "final_error_normalized", "run_file"]
LEARNERS = ["continuous", "hardware"]
LEARNER_TITLES = {"continuous": "continuous learner (idealized)", "hardware": "emulated hardware"}
# A seed keeps its task instance and initial state at every p and d.
PAIR_ON = ["learner", "p", "seed"]
# Ratio to d = 0 marked by a dotted reference line: a doubled error.
DOUBLED = 2.0
LEGEND_TITLE = "lines and points: median over seeds; bars and bands: interquartile range"
STALENESS_LABEL = "staleness $d$ (steps)"
UPDATES_LABEL = "staleness $d\\,p$ (updates per edge)"


def draw_error(ax, rows, x, x_label, late_label, palette):
    """Draw the late-time error against a staleness axis, one line per p."""
    labels = {p: plotting.knob_label("p", p) for p in palette}
    plotting.plot_knob_summary(ax, rows, x=x, y="final_error_normalized", hue="p", palette=palette,
                               x_scale="symlog", hue_order=sorted(palette, reverse=True), hue_labels=labels,
                               log_y=True)
    ax.set_xlabel(x_label)
    ax.set_ylabel(late_label)
    plotting.annotate_seeds(ax, plotting.seed_count_text(rows, ["p", "staleness"]) + " per point")


def draw_growth(ax, rows, palette):
    """Draw each seed's late-time error at d over its own at d = 0, against d·p, one line per p."""
    ratios = plotting.paired_ratio(rows, "final_error_normalized", PAIR_ON, knob="staleness", reference=0)
    if ratios.empty:
        plotting.mark_missing(ax, "no seed has runs at d = 0 and at d > 0")
        return ratios, None
    ratios = ratios.assign(staleness_updates=ratios["staleness"] * ratios["p"])
    labels = {p: plotting.knob_label("p", p) for p in palette}
    summary = plotting.plot_ratio_summary(ax, ratios, x="staleness_updates", hue="p", palette=palette,
                                          x_scale="symlog", hue_order=sorted(palette, reverse=True),
                                          hue_labels=labels, reference_label="1: as at $d = 0$")
    ax.axhline(DOUBLED, color="0.5", linestyle=":", linewidth=0.8, label=f"{DOUBLED:g}: error doubled", zorder=0)
    ax.set_xlabel(UPDATES_LABEL)
    ax.set_ylabel("late-time error at $d$ /\nsame seed's at $d = 0$")
    plotting.annotate_seeds(ax, plotting.seed_count_text(ratios, ["p", "staleness"]).replace("seeds", "pairs")
                            + " per point")
    return ratios, summary


def log_tolerance(learner, ratios, summary):
    """Log the ratio at each d, and per p the largest d whose median ratio is below :data:`DOUBLED`."""
    steps_of = ratios.groupby(["p", "staleness_updates"])["staleness"].first()
    for (p, updates), row in summary.iterrows():
        logger.info("%s p=%g d=%d (d*p=%g): error ratio to d=0 median %.3g (IQR %.3g-%.3g), %d seeds",
                    learner, p, steps_of[(p, updates)], updates, row["median"], row["q25"], row["q75"],
                    row["seeds"])
    for p, group in summary.groupby(level="p"):
        below = group[group["median"] < DOUBLED].index.get_level_values("staleness_updates")
        if len(below):
            updates = float(below.max())
            logger.info("%s p=%g: largest d with a median ratio below %g: d=%d steps (d*p=%g)", learner, p,
                        DOUBLED, steps_of[(p, updates)], updates)
        else:
            logger.info("%s p=%g: the median ratio is at least %g at every d > 0", learner, p, DOUBLED)


plotting.set_style()
finals = plotting.select_rows(
    plotting.read_table(snakemake.input.final_errors, FINAL_COLUMNS, "final_errors"), study=STUDY)
finals = finals.assign(staleness_updates=finals["staleness"] * finals["p"])
late_label = f"late-time error / initial\n(mean of last {snakemake.params.final_fraction:.0%} of steps)"

palette = plotting.knob_palette(finals["p"]) if not finals.empty else {}
logger.info("study %r: schedules %s, p values %s, staleness %s, %d late-time rows", STUDY,
            sorted(finals["schedule"].unique()), sorted(palette, reverse=True),
            sorted(int(d) for d in finals["staleness"].unique()), len(finals))

figure = plt.figure(figsize=(7.2, 7.2), layout="constrained")
columns = figure.subfigures(1, len(LEARNERS), wspace=0.03, squeeze=False)[0]
column_axes = [subfigure.subplots(3, 1) for subfigure in columns]
for other in column_axes[1:]:
    for ax, first in zip(other, column_axes[0]):
        # Shared y axes, so that a row compares the learners directly.
        ax.sharey(first)

for column, learner in enumerate(LEARNERS):
    columns[column].suptitle(LEARNER_TITLES.get(learner, learner), fontsize=9, fontweight="bold")
    by_steps, by_updates, growth = column_axes[column]
    for row, ax in enumerate(column_axes[column]):
        plotting.label_panel(ax, "abcdef"[row * len(LEARNERS) + column])
    rows = plotting.select_rows(finals, learner=learner)
    if rows.empty:
        for ax in column_axes[column]:
            plotting.mark_missing(ax, f"no {learner!r} rows of study {STUDY!r} in final_errors.csv")
        continue

    draw_error(by_steps, rows, "staleness", STALENESS_LABEL, late_label, palette)
    draw_error(by_updates, rows, "staleness_updates", UPDATES_LABEL, late_label, palette)
    ratios, summary = draw_growth(growth, rows, palette)
    if summary is not None:
        # The same d·p axis as the panel above, where d = 0 is the ratio's reference.
        growth.set_xlim(by_updates.get_xlim())
        growth.set_xticks(by_updates.get_xticks(), by_updates.get_xticklabels())
        log_tolerance(learner, ratios, summary)
        if column == 0:
            # The p colours are in the figure legend; this one lists the reference lines.
            handles, labels = growth.get_legend_handles_labels()
            references = [(h, label) for h, label in zip(handles, labels) if not label.startswith("p =")]
            growth.legend(*zip(*references), frameon=False, loc="upper left")

if palette:
    plotting.knob_legend(figure, palette, "p", LEGEND_TITLE)

plotting.save_figure(figure, [snakemake.output.pdf, snakemake.output.png], sources=list(snakemake.input))
