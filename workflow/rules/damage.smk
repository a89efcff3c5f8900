# Fig. 7, beyond the paper: how synchronous and desynchronous learning
# recover when a fraction of the edges is removed halfway through training.
# Reads the rows of the damage study from the tidy tables.


if "damage" in SETTINGS:
    FIGURES.append("fig7")

    rule fig7_damage:
        input:
            damage=rules.tables.output.damage,
            learning_curves=rules.tables.output.learning_curves,
        output:
            pdf=report("results/figures/fig7.pdf", caption="../report/fig7.rst", category="Beyond the paper"),
            png=report("results/figures/fig7.png", caption="../report/fig7.rst", category="Beyond the paper"),
        log:
            "results/logs/figures/fig7.log",
        benchmark:
            "results/benchmarks/figures/fig7.tsv"
        params:
            final_fraction=config["figures"]["final_fraction"],
        conda:
            "../../environment.yml"
        script:
            "../../scripts/fig7_damage.py"
