"""Rule script: Fig. 1, the set-up.

(a) the laboratory network with its sources, targets and ground, (b) the
free, clamped and update cycle of one training step, and (c) which edges
update at each step of one hardware run for several update probabilities p.
"""

import logging

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.colors import ListedColormap  # noqa: E402
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from desync_learning import plotting  # noqa: E402
from desync_learning.io import setup_logging  # noqa: E402
from desync_learning.networks import read_network  # noqa: E402
from desync_learning.pipeline import seed_file  # noqa: E402

setup_logging(snakemake.log[0])
logger = logging.getLogger("fig1_setup")

STUDY = "hardware"
RASTER_COLUMNS = ["study", "task", "learner", "p", "batch_size", "seed", "step", "edge", "updated", "run_file"]

# Text of the three stages of one training step, drawn as boxes in panel (b).
CYCLE_STAGES = [
    ("1  Free state",
     "impose inputs $x$ on sources,\nread outputs $V^F$ at targets\n"
     "and each edge's drop $\\Delta V^F_e$"),
    ("2  Clamped state",
     "also clamp the targets to\n$V^C = (1-\\eta)\\,V^F + \\eta\\,V^D$,\n"
     "read each edge's drop $\\Delta V^C_e$"),
    ("3  Update",
     "each edge with probability $p$:\nhardware: $R_e \\to R_e \\pm \\delta R$,\n"
     "$+$ if $|\\Delta V^C_e| > |\\Delta V^F_e|$;\nsimulation:\n"
     "$\\Delta k_e \\propto (\\Delta V^F_e)^2 - (\\Delta V^C_e)^2$"),
]
# Updated edge-steps are drawn dark blue, the others white.
RASTER_COLORS = ListedColormap(["white", "#1F4E79"])


def draw_cycle(ax):
    """Draw the three stages of a training step as boxes joined by arrows, closed into a loop."""
    ax.set_xlim(0, 3)
    ax.set_ylim(0, 1)
    ax.axis("off")
    width, height, bottom = 0.94, 0.62, 0.3
    centres = [0.5, 1.5, 2.5]
    for centre, (heading, body) in zip(centres, CYCLE_STAGES):
        ax.add_patch(FancyBboxPatch((centre - width / 2, bottom), width, height,
                                    boxstyle="round,pad=0.0,rounding_size=0.04",
                                    facecolor="#F2F2F2", edgecolor="0.3", linewidth=0.8))
        ax.text(centre, bottom + height - 0.05, heading, ha="center", va="top", fontsize=7.5,
                fontweight="bold")
        ax.text(centre, bottom + height - 0.15, body, ha="center", va="top", fontsize=6.5, linespacing=1.5)
    for left, right in zip(centres[:-1], centres[1:]):
        ax.add_patch(FancyArrowPatch((left + width / 2, bottom + height / 2),
                                     (right - width / 2, bottom + height / 2),
                                     arrowstyle="-|>", mutation_scale=9, color="0.2", linewidth=1.0,
                                     shrinkA=0, shrinkB=0))
    ax.add_patch(FancyArrowPatch((centres[-1], bottom), (centres[0], bottom),
                                 connectionstyle="arc3,rad=-0.25", arrowstyle="-|>", mutation_scale=9,
                                 color="0.2", linewidth=1.0))
    ax.text(1.5, 0.03, "next step, $t \\to t+1$", ha="center", va="bottom", fontsize=7)


def draw_raster(ax, raster, p, seed):
    """Draw one run's update masks: edges on the y axis, steps on the x axis, dark = updated."""
    grid = raster.pivot(index="edge", columns="step", values="updated").sort_index()
    ax.imshow(grid.to_numpy(), aspect="auto", cmap=RASTER_COLORS, vmin=0, vmax=1, interpolation="nearest",
              origin="lower", extent=(-0.5, grid.shape[1] - 0.5, -0.5, grid.shape[0] - 0.5))
    fraction = grid.to_numpy().mean()
    ax.set_title(f"p = {p:g}: {fraction:.0%} of edge-steps updated\none run (seed {seed})", fontsize=7.5)
    ax.set_xlabel("step $t$")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))


plotting.set_style()
network = read_network(seed_file(snakemake.input.tasks, 0, ".network.json"))
logger.info("network %r: %d nodes, %d edges, sources %s, targets %s, ground %s", network.name,
            network.n_nodes, network.n_edges, network.sources, network.targets, network.ground)
# The raster table contains seed 0 of every run file of every study. The panel
# shows the hardware study's runs: its first learner and task, the same task
# whose network panel (a) draws, and its smallest batch size.
study = snakemake.config["studies"][STUDY]
rasters = plotting.select_rows(plotting.read_table(snakemake.input.raster, RASTER_COLUMNS, "update_raster"),
                               study=STUDY, learner=study["learners"][0], task=study["tasks"][0])
if not rasters.empty:
    rasters = plotting.select_rows(rasters, batch_size=rasters["batch_size"].min())
logger.info("rasters of study %r, learner %r, task %r, batch size %s: %d run files", STUDY,
            study["learners"][0], study["tasks"][0], sorted(int(b) for b in rasters["batch_size"].unique()),
            rasters["run_file"].nunique())
probabilities = [float(p) for p in snakemake.params.raster_probabilities]

figure = plt.figure(figsize=(7.2, 5.4), layout="constrained")
top, bottom = figure.subfigures(2, 1, height_ratios=[1.15, 1.0])
network_ax, cycle_ax = top.subplots(1, 2, width_ratios=[1.0, 1.9])
raster_axes = bottom.subplots(1, len(probabilities), sharey=True, squeeze=False)[0]

plotting.draw_network(network_ax, network)
plotting.label_panel(network_ax, "a", f"laboratory network ({network.n_edges} edges)")
draw_cycle(cycle_ax)
plotting.label_panel(cycle_ax, "b", "one training step")

for index, (ax, p) in enumerate(zip(raster_axes, probabilities)):
    rows = plotting.select_rows(rasters, p=p)
    if rows.empty:
        plotting.mark_missing(ax, f"p = {p:g} not in update_raster.csv (study {STUDY!r})")
    else:
        run_files = sorted(rows["run_file"].unique())
        if len(run_files) > 1:
            logger.warning("p=%g: %d run files match, drawing the first: %s", p, len(run_files), run_files)
        run_file = run_files[0]
        rows = rows[rows["run_file"] == run_file]
        seed = int(rows["seed"].iloc[0])
        logger.info("raster p=%g: seed %d of %s, %d steps", p, seed, run_file, rows["step"].nunique())
        draw_raster(ax, rows, p, seed)
    if index == 0:
        ax.set_ylabel("edge")
raster_axes[0].set_title("c", loc="left", fontweight="bold")

plotting.save_figure(figure, [snakemake.output.pdf, snakemake.output.png], sources=list(snakemake.input))
