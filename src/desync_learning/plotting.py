"""Shared figure helpers: style, ensemble bands over seeds, seed counts, paired ratios, saving.

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
from matplotlib.transforms import ScaledTranslation

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
#: Distance on the page, in points, between neighbouring groups drawn by
#: :func:`plot_knob_summary`, so that their error bars do not overlap.
GROUP_OFFSET_POINTS = 3.0
#: Knob axes with at most this many distinct values get a tick at each value.
MAX_VALUE_TICKS = 8


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


def paired_ratio(frame: pd.DataFrame, value: str, pair_on, knob: str = "p", reference: float = 1.0) -> pd.DataFrame:
    """Divide each row's ``value`` by that of the same pair at the reference knob value.

    Seeds that share their task, network and initial state across knob
    values form pairs, and the ratio within a pair removes the seed-to-seed
    spread that an unpaired comparison of medians has to fight.

    Parameters
    ----------
    frame : DataFrame
        One row per seed and knob value.
    value : str
        Column to divide, for example ``"final_error_normalized"``.
    pair_on : list of str
        Columns that identify a pair, for example ``["seed"]`` or
        ``["network", "levels", "seed"]``.
    knob : str
        Column whose reference value is the denominator.
    reference : float
        Knob value of the denominator (p = 1 is the synchronous run).

    Returns
    -------
    DataFrame
        The rows whose knob value differs from ``reference``, with the extra
        columns ``reference_value`` and ``ratio``. Rows without a reference
        row of their pair are dropped, with a warning in the log.

    Raises
    ------
    ValueError
        If a pair has more than one row at the reference value, so that the
        ratio would be ambiguous.

    Examples
    --------
    >>> frame = pd.DataFrame({"p": [1.0, 0.5, 1.0, 0.5], "seed": [0, 0, 1, 1], "error": [2.0, 1.0, 4.0, 6.0]})
    >>> paired_ratio(frame, "error", ["seed"])["ratio"].tolist()
    [0.5, 1.5]
    """
    pair_on = list(pair_on)
    at_reference = frame[frame[knob] == reference]
    duplicated = at_reference.duplicated(subset=pair_on, keep=False)
    if duplicated.any():
        example = at_reference.loc[duplicated, pair_on].iloc[0].to_dict()
        raise ValueError(
            f"{int(duplicated.sum())} rows at {knob} = {reference:g} share their pair columns {pair_on}, "
            f"for example {example}; add the column that tells them apart to pair_on"
        )
    denominators = at_reference[pair_on + [value]].rename(columns={value: "reference_value"})
    others = frame[frame[knob] != reference]
    paired = others.merge(denominators, on=pair_on, how="inner")
    if len(paired) < len(others):
        logger.warning("%d of %d rows have no %s = %g row to pair with and are left out of the ratio",
                       len(others) - len(paired), len(others), knob, reference)
    return paired.assign(ratio=paired[value] / paired["reference_value"])


def ratio_summary(ratios: pd.DataFrame, by, column: str = "ratio") -> pd.DataFrame:
    """Return per group the seed count, quartiles of the ratio and the share of seeds below 1.

    Returns
    -------
    DataFrame
        Indexed by ``by``, with columns ``seeds``, ``q25``, ``median``,
        ``q75``, ``below_one`` (seeds whose ratio is below 1) and
        ``fraction_below_one``.
    """
    grouped = ratios.dropna(subset=[column]).groupby(by)[column]
    summary = pd.DataFrame({
        "seeds": grouped.size(),
        "q25": grouped.quantile(SPREAD_QUANTILES[0]),
        "median": grouped.median(),
        "q75": grouped.quantile(SPREAD_QUANTILES[1]),
        "below_one": grouped.apply(lambda ratio: int((ratio < 1).sum())),
    })
    return summary.assign(fraction_below_one=summary["below_one"] / summary["seeds"])


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
                      log_x=True, log_y=False, show_seeds=True, *, x_scale: str | None = None,
                      hue_order=None, hue_labels: dict | None = None, marker="o", linestyle="-") -> None:
    """Draw a per-seed quantity against a knob: median with interquartile error bars.

    Each seed is drawn as a faint point behind the summary. Groups of ``hue``
    are shifted by :data:`GROUP_OFFSET_POINTS` along x so that their bars do
    not overlap, by the same distance on the page whatever the x scale.

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
        Logarithmic axes. ``log_x`` is ignored when ``x_scale`` is given.
    show_seeds : bool
        Draw the individual seeds.
    x_scale : {"log", "linear", "symlog"}, optional
        Scale of the x axis; ``"symlog"`` shows a knob that includes 0 (such
        as a staleness of 0 steps) next to values spanning decades. By
        default ``"log"`` if ``log_x`` else ``"linear"``.
    hue_order : list, optional
        Hue values in drawing and legend order; by default sorted.
    hue_labels : dict, optional
        Hue value to legend label; by default ``str(value)``.
    marker, linestyle : str
        Matplotlib marker and line style of the medians, to tell apart two
        quantities drawn in one panel with the same hue colours.
    """
    x_scale = x_scale or ("log" if log_x else "linear")
    frame = frame.dropna(subset=[y])
    if frame.empty:
        mark_missing(ax, f"no finite {y} values")
        return
    if hue is None:
        groups = [(None, frame)]
    else:
        order = hue_order if hue_order is not None else sorted(frame[hue].unique())
        groups = [(name, frame[frame[hue] == name]) for name in order if (frame[hue] == name).any()]
    if palette is None:
        palette = LEARNER_COLORS if hue == "learner" else {}
    default_colors = sns.color_palette("colorblind", len(groups))

    for index, (name, group) in enumerate(groups):
        color = palette.get(name, default_colors[index])
        label = None if name is None else (hue_labels or {}).get(name, str(name))
        shifted = offset_transform(ax, GROUP_OFFSET_POINTS * (index - (len(groups) - 1) / 2))
        summary = group.groupby(x)[y].quantile([SPREAD_QUANTILES[0], 0.5, SPREAD_QUANTILES[1]]).unstack()
        positions = summary.index.to_numpy(dtype=float)
        median = summary[0.5].to_numpy()
        spread = np.vstack([median - summary[SPREAD_QUANTILES[0]].to_numpy(),
                            summary[SPREAD_QUANTILES[1]].to_numpy() - median])
        if show_seeds:
            ax.scatter(group[x].to_numpy(dtype=float), group[y], s=7, color=color, alpha=0.35, linewidths=0,
                       zorder=1, transform=shifted)
        ax.errorbar(positions, median, yerr=spread, color=color, marker=marker, markersize=3.5,
                    capsize=2.5, linewidth=1.2, linestyle=linestyle, label=label, zorder=2, transform=shifted)
        # Matplotlib leaves artists drawn with an offset transform out of the
        # autoscaling, so the data limits are extended by hand.
        extent_y = group[y] if show_seeds else np.concatenate([summary[q].to_numpy() for q in summary.columns])
        extent_x = group[x] if show_seeds else np.tile(positions, len(summary.columns))
        ax.update_datalim(np.column_stack([np.asarray(extent_x, dtype=float), np.asarray(extent_y, dtype=float)]))
    ax.autoscale_view()

    set_x_scale(ax, frame[x].to_numpy(dtype=float), x_scale)
    if log_y and (frame[y] > 0).all():
        set_log_y(ax, frame[y])


def plot_ratio_summary(ax, ratios: pd.DataFrame, x: str, hue: str | None = None, palette=None, *,
                       x_scale="log", hue_order=None, hue_labels: dict | None = None, show_seeds=True,
                       count_below_one=False, reference_label="1: no change") -> pd.DataFrame:
    """Draw a paired per-seed ratio against a knob: median line with an interquartile band.

    A dashed line marks a ratio of 1. The y axis is logarithmic, so ratios
    of 0.5 and 2 lie at the same distance from it.

    Parameters
    ----------
    ax : matplotlib Axes
    ratios : DataFrame
        Output of :func:`paired_ratio`, one row per pair.
    x : str
        Knob column on the x axis.
    hue, palette, hue_order, hue_labels, show_seeds, x_scale
        As for :func:`plot_knob_summary`.
    count_below_one : bool
        Write at the bottom of the panel, under each point, the share of
        seeds whose ratio is below 1 (for example ``68%``), and add a legend
        entry that explains the numbers. Meant for panels with a single group.
    reference_label : str
        Legend label of the line at 1.

    Returns
    -------
    DataFrame
        :func:`ratio_summary` of the groups drawn, for the log.
    """
    ratios = ratios.dropna(subset=["ratio"])
    if ratios.empty:
        mark_missing(ax, "no paired ratios")
        return ratio_summary(ratios, [x] if hue is None else [hue, x])
    if hue is None:
        groups = [(None, ratios)]
    else:
        order = hue_order if hue_order is not None else sorted(ratios[hue].unique())
        groups = [(name, ratios[ratios[hue] == name]) for name in order if (ratios[hue] == name).any()]
    palette = palette or {}
    default_colors = sns.color_palette("colorblind", len(groups))

    for index, (name, group) in enumerate(groups):
        color = palette.get(name, default_colors[index] if hue is not None else "0.2")
        label = None if name is None else (hue_labels or {}).get(name, str(name))
        shifted = offset_transform(ax, GROUP_OFFSET_POINTS * (index - (len(groups) - 1) / 2))
        summary = ratio_summary(group, x)
        positions = summary.index.to_numpy(dtype=float)
        if show_seeds:
            ax.scatter(group[x].to_numpy(dtype=float), group["ratio"], s=7, color=color, alpha=0.35,
                       linewidths=0, zorder=1, transform=shifted)
        if len(positions) > 1:
            ax.fill_between(positions, summary["q25"], summary["q75"], color=color, alpha=0.2, linewidth=0,
                            zorder=1, transform=shifted)
            ax.plot(positions, summary["median"], color=color, marker="o", markersize=3.5, linewidth=1.2,
                    label=label, zorder=2, transform=shifted)
        else:
            # A band needs two x values; a single value gets an error bar instead.
            ax.errorbar(positions, summary["median"], yerr=[summary["median"] - summary["q25"],
                                                            summary["q75"] - summary["median"]],
                        color=color, marker="o", markersize=3.5, capsize=2.5, linewidth=1.2, label=label,
                        zorder=2, transform=shifted)
        # Artists drawn with an offset transform are left out of autoscaling.
        extent_y = group["ratio"] if show_seeds else pd.concat([summary["q25"], summary["q75"]])
        extent_x = group[x] if show_seeds else np.tile(positions, 2)
        ax.update_datalim(np.column_stack([np.asarray(extent_x, dtype=float), np.asarray(extent_y, dtype=float)]))
        if count_below_one:
            below = mpl.transforms.blended_transform_factory(ax.transData, ax.transAxes)
            for position, row in summary.iterrows():
                ax.text(float(position), 0.02, f"{row['fraction_below_one']:.0%}", transform=below,
                        ha="center", va="bottom", fontsize=6, color="0.3")
    ax.autoscale_view()

    add_reference_line(ax, 1.0, reference_label)
    if count_below_one:
        # An empty handle gives the numbers at the bottom a legend entry.
        ax.plot([], [], linestyle="none", label="bottom: % of seeds below 1")
    set_x_scale(ax, ratios[x].to_numpy(dtype=float), x_scale)
    positive = ratios["ratio"][ratios["ratio"] > 0]
    if not positive.empty:
        set_log_y(ax, np.append(positive.to_numpy(), 1.0))
    if count_below_one:
        # Room under the data for the seed counts.
        low, high = ax.get_ylim()
        ax.set_ylim(low / (high / low) ** 0.12, high)
    return ratio_summary(ratios, [x] if hue is None else [hue, x])


def set_x_scale(ax, values, scale="log") -> None:
    """Set a log, symlog or linear x axis for knob values, with a tick at each value if there are few.

    Parameters
    ----------
    ax : matplotlib Axes
    values : array of float
        The knob values drawn.
    scale : {"log", "linear", "symlog"}
        ``"symlog"`` is linear up to the smallest positive value and
        logarithmic beyond it, so a value of 0 fits on the axis.

    Raises
    ------
    ValueError
        If ``scale`` is not one of the three names.
    """
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if scale == "log":
        ax.set_xscale("log")
        _pad_log_axis(ax, values)
        return
    if scale == "symlog":
        positive = values[values > 0]
        threshold = float(positive.min()) if positive.size else 1.0
        ax.set_xscale("symlog", linthresh=threshold, linscale=0.5)
        low, high = float(values.min()), float(values.max())
        ax.set_xlim(low - 0.5 * threshold if low <= 0 else low / 1.6, high * 1.6 if high > 0 else threshold)
    elif scale == "linear":
        low, high = float(values.min()), float(values.max())
        margin = 0.08 * (high - low) if high > low else 0.5
        ax.set_xlim(low - margin, high + margin)
    else:
        raise ValueError(f"x scale {scale!r} is not one of 'log', 'linear', 'symlog'")
    ticks = sorted(set(np.round(values, 6)))
    if len(ticks) > MAX_VALUE_TICKS and scale == "symlog":
        ticks = _symlog_ticks(values, threshold)
    if len(ticks) <= MAX_VALUE_TICKS:
        ax.set_xticks(ticks)
    ax.xaxis.set_minor_formatter(mpl.ticker.NullFormatter())
    ax.xaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda value, _: _plain_number(value)))


def _symlog_ticks(values, threshold) -> list:
    """Return 0 (if drawn), the linear threshold, and 1, 2 and 5 times powers of ten up to the largest value."""
    high = float(np.max(values))
    ticks = [0.0] if np.min(values) <= 0 else []
    ticks.append(float(threshold))
    for exponent in range(int(np.floor(np.log10(threshold))), int(np.ceil(np.log10(high))) + 1):
        for mantissa in (1, 2, 5):
            tick = mantissa * 10.0 ** exponent
            # Skip ticks within a factor 1.5 of the threshold, whose labels would touch.
            if 1.5 * threshold < tick <= high * 1.001:
                ticks.append(tick)
    return ticks


def offset_transform(ax, points: float):
    """Return the data transform of ``ax`` shifted right by ``points`` (1/72 inch) on the page."""
    root = ax.get_figure(root=True)
    return ax.transData + ScaledTranslation(points / 72, 0, root.dpi_scale_trans)


def _pad_log_axis(ax, values) -> None:
    """Set log x limits a bit beyond the data, also when there is a single value."""
    low, high = float(np.min(values)), float(np.max(values))
    ax.set_xlim(low / 1.6, high * 1.6)
    ticks = sorted(set(np.round(values, 6)))
    if len(ticks) <= MAX_VALUE_TICKS:
        ax.set_xticks(ticks)
        ax.set_xticklabels([f"{t:g}" for t in ticks])
        ax.xaxis.set_minor_formatter(mpl.ticker.NullFormatter())


def _plain_number(value) -> str:
    """Format a tick value with up to 3 significant digits (0.05, 20), and integers from 1000 in full (2000)."""
    if 1000 <= abs(value) < 1e6 and float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:.3g}"


def set_log_y(ax, values) -> None:
    """Use a log y axis with tick labels as plain numbers (0.5, 20) rather than powers of ten.

    Matplotlib labels a log axis that spans less than a decade or two with
    minor ticks in scientific notation (``9.5 × 10^-1``), which is hard to
    read. Such an axis gets evenly spaced major ticks (data spanning less
    than a factor of 3, where 1-2-5 ticks would leave one tick or none) or
    ticks at 1, 2 and 5 times powers of ten (under three decades) instead.
    Integer ticks from 1,000 up are written out (2000, not 2e+03).
    """
    ax.set_yscale("log")
    low, high = float(np.nanmin(values)), float(np.nanmax(values))
    plain = mpl.ticker.FuncFormatter(lambda value, _: _plain_number(value))
    if high < 3 * low:
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


def save_figure(figure, paths, dpi=200, sources=()) -> None:
    """Save a figure to every path, the format taken from each suffix (PDF, PNG).

    Each file is written atomically and gets a ``<file>.provenance.json``
    beside it naming the package version, git commit and the ``sources``
    (the tables it was drawn from, whose own provenance contains the config).
    """
    from .io import atomic_path, provenance, write_provenance

    for path in paths:
        with atomic_path(path) as temporary:
            figure.savefig(temporary, dpi=dpi, format=Path(path).suffix.lstrip("."))
        write_provenance(path, provenance(sources=[str(source) for source in sources]))
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
