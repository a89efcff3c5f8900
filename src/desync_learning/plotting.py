"""Shared figure helpers: style, ensemble bands over seeds, seed counts, saving.

Every figure shows statistics over seeds, and this module fixes which: the
median across seeds, with a band or error bar from the 25th to the 75th
percentile (the interquartile range, linear interpolation between seeds).
Change :data:`ESTIMATOR`, :data:`ERRORBAR` and :data:`SPREAD_QUANTILES`
together with the captions in ``workflow/report``, which state the
statistic in words.

The figure scripts select the Agg backend before importing this module, so
the module itself leaves the backend alone and also works in notebooks.
"""

from __future__ import annotations

import logging
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.lines import Line2D

logger = logging.getLogger(__name__)

#: Statistic across seeds at each x value, as seaborn's ``estimator``.
ESTIMATOR = "median"
#: Spread across seeds, as seaborn's ``errorbar``: the 25th to 75th percentile.
ERRORBAR = ("pi", 50)
#: Quantiles drawn as the spread by :func:`plot_knob_summary`; the same
#: interval as :data:`ERRORBAR`.
SPREAD_QUANTILES = (0.25, 0.75)

#: Colours of the learners, the same in every figure.
LEARNER_COLORS = {"continuous": "#0072B2", "hardware": "#D55E00"}
#: Colours of the terminal roles in network drawings.
ROLE_COLORS = {"source": "#009E73", "target": "#CC79A7", "ground": "#333333", "interior": "#FFFFFF"}
#: Axis symbols of the knobs, for legends and labels.
KNOB_SYMBOLS = {"p": "p", "batch_fraction": "b/M"}


def set_style() -> None:
    """Apply the figure style: seaborn "ticks" at paper size, fonts embedded as TrueType."""
    sns.set_theme(context="paper", style="ticks", font_scale=1.0)
    mpl.rcParams.update({
        "pdf.fonttype": 42,
        "ps.fonttype": 42,
        "axes.titlesize": 9,
        "axes.labelsize": 8,
        "legend.fontsize": 7,
        "legend.title_fontsize": 7,
        "xtick.labelsize": 7,
        "ytick.labelsize": 7,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "savefig.dpi": 200,
    })
    # Embedding TrueType fonts in PDFs makes fontTools log every subsetting
    # step at INFO level, which would bury the figure's own log lines.
    logging.getLogger("fontTools").setLevel(logging.WARNING)


# ---------------------------------------------------------------------------
# Tables


def read_table(path, columns, name=None) -> pd.DataFrame:
    """Read a tidy CSV table and check that it has the columns a figure needs.

    Raises
    ------
    ValueError
        If a column is missing; the message names the table and the columns.
    """
    frame = pd.read_csv(path)
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(
            f"table {name or path} is missing columns {missing}; it has {list(frame.columns)}. "
            "Rebuild the tables with the current pipeline (rule tables)"
        )
    logger.info("read %s: %d rows", path, len(frame))
    return frame


def select_rows(frame: pd.DataFrame, **conditions) -> pd.DataFrame:
    """Return the rows where every column equals its given value, with a fresh index."""
    mask = np.ones(len(frame), dtype=bool)
    for column, value in conditions.items():
        mask &= (frame[column] == value).to_numpy()
    return frame.loc[mask].reset_index(drop=True)


def seed_count_text(frame: pd.DataFrame, by, seed="seed") -> str:
    """Return "n = K seeds" for the groups of ``frame``, or "n = K–L seeds" if the groups differ.

    Parameters
    ----------
    frame : DataFrame
        Rows of one panel.
    by : str or list of str
        Columns that identify one curve or point. Seeds are counted per group.
    """
    if frame.empty:
        return "n = 0 seeds"
    counts = frame.groupby(by)[seed].nunique()
    low, high = int(counts.min()), int(counts.max())
    if low == high:
        return f"n = {low} seed" + ("" if low == 1 else "s")
    return f"n = {low}–{high} seeds"


# ---------------------------------------------------------------------------
# Colours and labels


def knob_label(knob: str, value: float) -> str:
    """Return a legend label such as ``"p = 0.5"`` or ``"b/M = 0.25"``."""
    return f"{KNOB_SYMBOLS.get(knob, knob)} = {value:.3g}"


def knob_palette(values, cmap="viridis") -> dict:
    """Map knob values to colours, the largest value darkest.

    The colours are spread by rank over the first 85 % of the colour map, so
    two values always contrast and the light yellow end, hard to see on
    white, stays unused.
    """
    ordered = sorted({float(v) for v in values}, reverse=True)
    if not ordered:
        return {}
    colormap = mpl.colormaps[cmap]
    positions = np.linspace(0.0, 0.85, len(ordered)) if len(ordered) > 1 else [0.0]
    return {value: colormap(position) for value, position in zip(ordered, positions)}


# ---------------------------------------------------------------------------
# Panels


def plot_curves(ax, frame: pd.DataFrame, x: str, y: str, knob: str = "p", palette=None,
                log_y=True, legend=True) -> None:
    """Draw one ensemble curve per knob value: median over seeds with an interquartile band.

    Parameters
    ----------
    ax : matplotlib Axes
    frame : DataFrame
        Tidy rows, one per seed and x value.
    x, y : str
        Columns on the axes.
    knob : str
        Column whose values separate the curves (``"p"`` or ``"batch_fraction"``).
    palette : dict, optional
        Knob value to colour; by default :func:`knob_palette` of the values present.
    log_y : bool
        Use a logarithmic y axis (errors span decades).
    legend : bool
        Label the curves, so that ``ax.legend()`` lists them.
    """
    frame = frame.dropna(subset=[y])
    if frame.empty:
        mark_missing(ax, f"no finite {y} values")
        return
    palette = palette or knob_palette(frame[knob])
    labelled = frame.assign(curve=[knob_label(knob, v) for v in frame[knob]])
    order = [knob_label(knob, v) for v in sorted(frame[knob].unique(), reverse=True)]
    colors = {knob_label(knob, v): palette[float(v)] for v in frame[knob].unique()}
    sns.lineplot(data=labelled, x=x, y=y, hue="curve", hue_order=order, palette=colors,
                 estimator=ESTIMATOR, errorbar=ERRORBAR, ax=ax, legend=False, linewidth=1.2)
    if legend:
        # Seaborn's own legend would show the hue column's name; empty
        # labelled lines give ax.legend() one plain entry per curve instead.
        for label in order:
            ax.plot([], [], color=colors[label], linewidth=1.2, label=label)
    if log_y and (frame[y] > 0).all():
        set_log_y(ax, frame[y])


def plot_knob_summary(ax, frame: pd.DataFrame, x: str, y: str, hue: str | None = None, palette=None,
                      log_x=True, log_y=False, show_seeds=True) -> None:
    """Draw a per-seed quantity against a knob: median with interquartile error bars.

    Each seed is drawn as a faint point behind the summary. Groups of ``hue``
    are shifted slightly along x so that their bars do not overlap.

    Parameters
    ----------
    ax : matplotlib Axes
    frame : DataFrame
        One row per seed and knob value (and hue group).
    x, y : str
        Knob column and quantity column.
    hue : str, optional
        Column that separates groups, for example ``"learner"``.
    palette : dict, optional
        Hue value to colour; :data:`LEARNER_COLORS` is used for ``"learner"``.
    log_x, log_y : bool
        Logarithmic axes.
    show_seeds : bool
        Draw the individual seeds.
    """
    frame = frame.dropna(subset=[y])
    if frame.empty:
        mark_missing(ax, f"no finite {y} values")
        return
    groups = [(None, frame)] if hue is None else list(frame.groupby(hue, sort=True))
    if palette is None:
        palette = LEARNER_COLORS if hue == "learner" else {}
    default_colors = sns.color_palette("colorblind", len(groups))

    for index, (name, group) in enumerate(groups):
        color = palette.get(name, default_colors[index])
        # Shift groups by a few per cent so their bars and points stay apart.
        shift = 1.0 + 0.06 * (index - (len(groups) - 1) / 2) if len(groups) > 1 else 1.0
        summary = group.groupby(x)[y].quantile([SPREAD_QUANTILES[0], 0.5, SPREAD_QUANTILES[1]]).unstack()
        positions = summary.index.to_numpy(dtype=float) * (shift if log_x else 1.0)
        median = summary[0.5].to_numpy()
        spread = np.vstack([median - summary[SPREAD_QUANTILES[0]].to_numpy(),
                            summary[SPREAD_QUANTILES[1]].to_numpy() - median])
        if show_seeds:
            seed_x = group[x].to_numpy(dtype=float) * (shift if log_x else 1.0)
            ax.scatter(seed_x, group[y], s=7, color=color, alpha=0.35, linewidths=0, zorder=1)
        ax.errorbar(positions, median, yerr=spread, color=color, marker="o", markersize=3.5,
                    capsize=2.5, linewidth=1.2, label=None if name is None else str(name), zorder=2)

    if log_x:
        ax.set_xscale("log")
        _pad_log_axis(ax, frame[x].to_numpy(dtype=float))
    if log_y and (frame[y] > 0).all():
        set_log_y(ax, frame[y])


def _pad_log_axis(ax, values) -> None:
    """Set log x limits a bit beyond the data, also when there is a single value."""
    low, high = float(np.min(values)), float(np.max(values))
    ax.set_xlim(low / 1.6, high * 1.6)
    ticks = sorted(set(np.round(values, 6)))
    if len(ticks) <= 8:
        ax.set_xticks(ticks)
        ax.set_xticklabels([f"{t:g}" for t in ticks])
        ax.xaxis.set_minor_formatter(mpl.ticker.NullFormatter())


def set_log_y(ax, values) -> None:
    """Use a log y axis with tick labels as plain numbers (0.5, 20) rather than powers of ten.

    Matplotlib labels a log axis that spans less than a decade or two with
    minor ticks in scientific notation (``9.5 × 10^-1``), which is hard to
    read. Such an axis gets evenly spaced major ticks (under a decade) or
    ticks at 1, 2 and 5 times powers of ten (under three decades) instead.
    """
    ax.set_yscale("log")
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    plain = mpl.ticker.FuncFormatter(lambda value, _: f"{value:.3g}")
    if high < 10 * low:
        counts = bool(np.all(np.mod(values, 1) == 0))
        ax.yaxis.set_major_locator(mpl.ticker.MaxNLocator(nbins=4, integer=counts))
        ax.yaxis.set_minor_locator(mpl.ticker.NullLocator())
    elif high < 1000 * low:
        ax.yaxis.set_major_locator(mpl.ticker.LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_minor_formatter(mpl.ticker.NullFormatter())
    else:
        ax.yaxis.set_minor_formatter(mpl.ticker.NullFormatter())
    ax.yaxis.set_major_formatter(plain)


def add_reference_line(ax, value, label, axis="y") -> None:
    """Draw a dashed grey reference line with a legend entry."""
    draw = ax.axhline if axis == "y" else ax.axvline
    draw(value, color="0.5", linestyle="--", linewidth=0.8, label=label, zorder=0)


def annotate_seeds(ax, text: str) -> None:
    """Write a seed count such as "n = 10 seeds per point" above the panel, on the right.

    Above the axes the count never hides data; :func:`label_panel` puts the
    panel letter on the left of the same line.
    """
    ax.set_title(text, loc="right", fontsize=6.5, color="0.25")


def knob_legend(figure, palette: dict, knob: str = "p", title: str | None = None) -> None:
    """Draw one figure-wide legend above the panels with a line per knob value."""
    handles = [Line2D([], [], color=color, linewidth=1.5, label=knob_label(knob, value))
               for value, color in palette.items()]
    figure.legend(handles=handles, loc="outside upper center", ncol=len(handles), frameon=False, title=title)


def label_panel(ax, letter: str, title: str = "") -> None:
    """Put a bold panel letter at the top left and an optional title in the centre."""
    ax.set_title(letter, loc="left", fontweight="bold")
    if title:
        ax.set_title(title)


def mark_missing(ax, message: str) -> None:
    """Replace a panel's content with a note saying what data is missing, and log it."""
    logger.warning("panel left empty: %s", message)
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, fontsize=7,
            color="0.4", wrap=True)
    ax.set_xticks([])
    ax.set_yticks([])


def save_figure(figure, paths, dpi=200) -> None:
    """Save a figure to every path, the format taken from each suffix (PDF, PNG)."""
    for path in paths:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, dpi=dpi)
        logger.info("wrote %s", path)
    plt.close(figure)


# ---------------------------------------------------------------------------
# Network drawing


def draw_network(ax, network, node_size=130, edge_labels=True) -> None:
    """Draw a resistor network from its node positions and edge list.

    Edges are grey lines labelled with their index, the same index as the
    edge axis of the update rasters. Nodes are coloured by role: sources,
    targets, ground and interior nodes, with a legend.

    Parameters
    ----------
    ax : matplotlib Axes
    network : desync_learning.networks.Network
    node_size : float
        Marker area in points squared.
    edge_labels : bool
        Write each edge's index at its midpoint.
    """
    positions = network.positions
    for index, (i, j) in enumerate(network.edges):
        (x0, y0), (x1, y1) = positions[i], positions[j]
        ax.plot([x0, x1], [y0, y1], color="0.55", linewidth=1.6, zorder=1, solid_capstyle="round")
        if edge_labels:
            ax.text((x0 + x1) / 2, (y0 + y1) / 2, str(index), fontsize=5.5, ha="center", va="center",
                    zorder=2, bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "edgecolor": "none"})

    roles = np.full(network.n_nodes, "interior", dtype=object)
    roles[network.sources] = "source"
    roles[network.targets] = "target"
    roles[network.ground] = "ground"
    for role, color in ROLE_COLORS.items():
        nodes = np.flatnonzero(roles == role)
        if nodes.size:
            ax.scatter(positions[nodes, 0], positions[nodes, 1], s=node_size, color=color,
                       edgecolors="black", linewidths=0.8, zorder=3)

    handles = [Line2D([], [], linestyle="none", marker="o", markersize=6, markerfacecolor=ROLE_COLORS[role],
                      markeredgecolor="black", label=label)
               for role, label in [("source", "source (input)"), ("target", "target (output)"),
                                   ("ground", "ground (0 V)"), ("interior", "interior")]
               if (roles == role).any()]
    ax.legend(handles=handles, frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=2,
              handletextpad=0.3, columnspacing=0.8)
    ax.set_aspect("equal")
    ax.margins(0.08)
    ax.axis("off")
