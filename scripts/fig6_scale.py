"""Rule script: Fig. 6, the benefit of desynchronization against network size and resistor resolution.

Top row: the late-time error against the update probability p, one panel
per network and one line per number of resistor positions, with the p of
lowest median error marked. Lower rows, one per p < 1: each seed's
late-time error at p divided by its own at p = 1, against the number of
positions (one line per network) and against the number of edges (one line
per number of positions), and the share of seeds whose error went down.
"""

import logging
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from desync_learning import plotting  # noqa: E402
from desync_learning.io import setup_logging  # noqa: E402
from desync_learning.networks import read_network  # noqa: E402
from desync_learning.pipeline import seed_file  # noqa: E402

setup_logging(snakemake.log[0])
logger = logging.getLogger("fig6_scale")

STUDY = "scale"
# Columns this figure reads from final_errors.csv.
FINAL_COLUMNS = ["study", "network", "learner", "p", "seed", "levels", "final_error_normalized", "run_file"]
# A seed keeps its task instance, device imperfections and initial state at every p.
PAIR_ON = ["network", "learner", "levels", "seed"]
# Network colours: green, purple, brown and further ones, none of them a learner colour (blue, vermilion).
NETWORK_COLORS = [sns.color_palette("colorblind")[index] for index in (2, 4, 5, 6, 8, 9, 7)]
LEGEND_TITLE = "lines and points: median over seeds; bars and bands: interquartile range"
LEVELS_LABEL = "resistor positions (levels)"


def edge_counts(folders, n_seeds):
    """Return, per network folder name, the edge counts of the study's seeds, read from the network files."""
    counts = {}
    for folder in folders:
        networks = [read_network(seed_file(folder, seed, ".json")) for seed in range(n_seeds)]
        counts[Path(folder).name] = np.array([network.n_edges for network in networks])
    return counts


def network_label(name, edges):
    """Return a legend label such as "disordered_500 (E = 1000)", or a range if seeds differ."""
    if edges is None:
        return name
    low, high = int(edges.min()), int(edges.max())
    return f"{name} (E = {low})" if low == high else f"{name} (E = {low}–{high})"


def draw_error_against_p(ax, rows, palette, late_label):
    """Draw the late-time error against p, one line per number of positions, and star the best p."""
    # Only the numbers of positions this network has, so the stars get the same offsets as the lines.
    order = [levels for levels in sorted(palette) if (rows["levels"] == levels).any()]
    labels = {levels: f"{levels:g} positions" for levels in order}
    plotting.plot_knob_summary(ax, rows, x="p", y="final_error_normalized", hue="levels", palette=palette,
                               hue_order=order, hue_labels=labels, log_y=True)
    medians = rows.groupby(["levels", "p"])["final_error_normalized"].median()
    for index, levels in enumerate(order):
        best_p = medians.loc[levels].idxmin()
        # The same page offset as the line of this number of positions.
        shifted = plotting.offset_transform(ax, plotting.GROUP_OFFSET_POINTS * (index - (len(order) - 1) / 2))
        ax.scatter([best_p], [medians.loc[(levels, best_p)]], marker="*", s=90, facecolors="none",
                   edgecolors=palette[levels], linewidths=0.9, zorder=3, transform=shifted)
        logger.info("network %s, %g positions: best p = %g (median late-time error %.3g; at p = 1 %.3g)",
                    rows["network"].iloc[0], levels, best_p, medians.loc[(levels, best_p)],
                    medians.get((levels, 1.0), np.nan))
    ax.set_xlabel("update probability $p$")
    ax.set_ylabel(late_label)
    plotting.annotate_seeds(ax, plotting.seed_count_text(rows, ["levels", "p"]) + " per point")


def draw_ratio_panels(axes, ratios, network_palette, network_labels, levels_palette, edges):
    """Draw the paired ratio against positions and against edges, and the share of seeds improved."""
    by_levels, by_edges, improved = axes
    networks = [name for name in network_palette if name in set(ratios["network"])]
    plotting.plot_ratio_summary(by_levels, ratios, x="levels", hue="network", palette=network_palette,
                                hue_order=networks, hue_labels=network_labels)
    by_levels.set_xlabel(LEVELS_LABEL)

    if edges:
        with_edges = ratios.assign(edges=ratios["network"].map(lambda name: float(np.median(edges[name]))))
        levels = sorted(levels_palette)
        plotting.plot_ratio_summary(by_edges, with_edges, x="edges", hue="levels", palette=levels_palette,
                                    hue_order=levels, hue_labels={value: f"{value:g} positions" for value in levels})
        by_edges.set_xlabel("edges $E$ (median over seeds)")
    else:
        plotting.mark_missing(by_edges, "no network files to count edges")

    summary = plotting.ratio_summary(ratios, ["network", "levels"])
    for index, name in enumerate(networks):
        rows = summary.loc[name]
        shifted = plotting.offset_transform(improved, plotting.GROUP_OFFSET_POINTS * (index - (len(networks) - 1) / 2))
        improved.plot(rows.index.to_numpy(dtype=float), rows["fraction_below_one"].to_numpy(), marker="o",
                      markersize=3.5, linewidth=1.2, color=network_palette[name], transform=shifted)
    improved.update_datalim(np.column_stack([summary.index.get_level_values("levels").to_numpy(dtype=float),
                                             summary["fraction_below_one"].to_numpy()]))
    plotting.set_x_scale(improved, ratios["levels"].to_numpy(dtype=float), "log")
    plotting.add_reference_line(improved, 0.5, None)
    improved.set_ylim(-0.05, 1.05)
    improved.set_xlabel(LEVELS_LABEL)
    improved.set_ylabel("share of seeds with\nlower error than at $p = 1$")

    for ax in axes:
        plotting.annotate_seeds(ax, plotting.seed_count_text(ratios, ["network", "levels"]).replace("seeds", "pairs")
                                + " per point")
    for (name, levels), row in summary.iterrows():
        logger.info("network %s, %g positions: error ratio to p=1 median %.3g (IQR %.3g-%.3g), %d of %d seeds "
                    "below 1", name, levels, row["median"], row["q25"], row["q75"], row["below_one"], row["seeds"])


plotting.set_style()
finals = plotting.select_rows(
    plotting.read_table(snakemake.input.final_errors, FINAL_COLUMNS, "final_errors"), study=STUDY)
late_label = f"late-time error / initial\n(mean of last {snakemake.params.final_fraction:.0%} of steps)"
edges = edge_counts(snakemake.input.networks, snakemake.params.seeds)

learners = sorted(finals["learner"].unique())
if len(learners) > 1:
    logger.warning("study %r has learners %s; the figure draws %r only", STUDY, learners, learners[0])
    finals = plotting.select_rows(finals, learner=learners[0])
networks = [name for name in snakemake.params.networks if name in set(finals["network"])]
network_palette = dict(zip(networks, NETWORK_COLORS))
network_labels = {name: network_label(name, edges.get(name)) for name in networks}
levels_palette = plotting.knob_palette(finals["levels"], cmap="cividis") if not finals.empty else {}
desynchronous = sorted((p for p in finals["p"].unique() if p < 1.0), reverse=True)
logger.info("study %r: learner %s, networks %s, levels %s, p values %s, %d late-time rows", STUDY, learners,
            [network_labels[name] for name in networks], sorted(levels_palette),
            sorted(float(p) for p in finals["p"].unique()), len(finals))

n_rows = 1 + max(1, len(desynchronous))
figure = plt.figure(figsize=(7.2, 2.5 * n_rows + 0.4), layout="constrained")
axes = figure.subplots(n_rows, max(3, len(networks)), squeeze=False)
letters = iter("abcdefghijklmnopqrstuvwxyz")

if finals.empty:
    for ax in axes.ravel():
        plotting.mark_missing(ax, f"no rows of study {STUDY!r} in final_errors.csv")
for ax, name in zip(axes[0], networks):
    draw_error_against_p(ax, plotting.select_rows(finals, network=name), levels_palette, late_label)
    # The network name goes on a line above the letter and the seed count, which share the line below.
    plotting.label_panel(ax, next(letters), f"{network_labels[name]}\n")
if networks:
    # The top row has one panel per network and at least three columns; spare panels stay blank.
    for ax in axes[0][len(networks):]:
        ax.axis("off")
for row, p in enumerate(desynchronous, start=1):
    ratio_axes = axes[row][:3]
    for ax in axes[row][3:]:
        ax.axis("off")
    ratios = plotting.paired_ratio(finals[finals["p"].isin([p, 1.0])], "final_error_normalized", PAIR_ON)
    for ax in ratio_axes:
        plotting.label_panel(ax, next(letters))
    if ratios.empty:
        for ax in ratio_axes:
            plotting.mark_missing(ax, f"no seed has runs at p = {p:g} and at p = 1")
        continue
    draw_ratio_panels(ratio_axes, ratios, network_palette, network_labels, levels_palette, edges)
    for ax in ratio_axes[:2]:
        ax.set_ylabel(f"late-time error at $p = {p:g}$ /\nsame seed's at $p = 1$")
if not desynchronous and not finals.empty:
    for ax in axes[1]:
        plotting.mark_missing(ax, f"study {STUDY!r} has no p < 1")

if network_palette and desynchronous:
    handles = [Line2D([], [], color=network_palette[name], marker="o", markersize=3.5, linewidth=1.2,
                      label=network_labels[name]) for name in networks]
    handles.append(Line2D([], [], color="0.5", linestyle="--", linewidth=0.8,
                          label="ratio 1; half the seeds"))
    figure.legend(handles=handles, loc="outside lower center", ncol=len(handles), frameon=False,
                  title="network colours of the ratio panels against positions and of the share panels")
if levels_palette:
    handles = [Line2D([], [], color=color, marker="o", markersize=3.5, linewidth=1.2,
                      label=f"{levels:g} positions") for levels, color in sorted(levels_palette.items())]
    handles.append(Line2D([], [], color="0.3", marker="*", markersize=8, markerfacecolor="none", linestyle="none",
                          label="lowest median error"))
    figure.legend(handles=handles, loc="outside upper center", ncol=len(handles), frameon=False,
                  title=f"{LEGEND_TITLE}; colours of the top row and of the ratio panels against edges:")

plotting.save_figure(figure, [snakemake.output.pdf, snakemake.output.png], sources=list(snakemake.input))
