# Fig. 5, beyond the paper: how much staleness coupled learning absorbs, and
# whether desynchronous updates make it more or less tolerant. Reads the
# rows of the staleness study from the tidy tables.


if "staleness" in SETTINGS:
    FIGURES.append("fig5")

    rule fig5_staleness:
        input:
            final_errors=rules.tables.output.final_errors,
        output:
            pdf=report("results/figures/fig5.pdf", caption="../report/fig5.rst", category="Beyond the paper"),
            png=report("results/figures/fig5.png", caption="../report/fig5.rst", category="Beyond the paper"),
        log:
            "results/logs/figures/fig5.log",
        benchmark:
            "results/benchmarks/figures/fig5.tsv"
        params:
            final_fraction=config["figures"]["final_fraction"],
        conda:
            "../../environment.yml"
        script:
            "../../scripts/fig5_staleness.py"
