# Fig. 6, beyond the paper: whether the benefit of desynchronization on the
# discretized network changes with network size and resistor resolution.
# Reads the rows of the scale study from the tidy tables, and the network
# files to label each network with its number of edges.

from desync_learning.pipeline import study_networks


if "scale" in SETTINGS:
    FIGURES.append("fig6")

    rule fig6_scale:
        input:
            final_errors=rules.tables.output.final_errors,
            networks=expand("results/networks/{network}", network=study_networks(config["studies"]["scale"])),
        output:
            pdf=report("results/figures/fig6.pdf", caption="../report/fig6.rst", category="Beyond the paper"),
            png=report("results/figures/fig6.png", caption="../report/fig6.rst", category="Beyond the paper"),
        log:
            "results/logs/figures/fig6.log",
        benchmark:
            "results/benchmarks/figures/fig6.tsv"
        params:
            final_fraction=config["figures"]["final_fraction"],
            networks=study_networks(config["studies"]["scale"]),
            seeds=config["studies"]["scale"]["seeds"],
        conda:
            "../../environment.yml"
        script:
            "../../scripts/fig6_scale.py"
