# Figures 1-4: one rule, one script and one caption per figure. The scripts
# read only the tidy tables, plus the laboratory network file for Fig. 1.


if "hardware" in SETTINGS:

    rule fig1_setup:
        input:
            raster=rules.tables.output.update_raster,
            # Task folder of the hardware study: its seed000.network.json is the
            # network with the terminals that the hardware runs used.
            tasks=(
                f"results/tasks/{config['studies']['hardware']['network']}"
                f"-{config['studies']['hardware']['tasks'][0]}"
            ),
        output:
            pdf=report("results/figures/fig1.pdf", caption="../report/fig1.rst", category="Figures"),
            png=report("results/figures/fig1.png", caption="../report/fig1.rst", category="Figures"),
        log:
            "results/logs/figures/fig1.log",
        benchmark:
            "results/benchmarks/figures/fig1.tsv"
        params:
            raster_probabilities=config["figures"]["raster_probabilities"],
        conda:
            "../../environment.yml"
        script:
            "../../scripts/fig1_setup.py"


if "simulation" in SETTINGS:

    rule fig2_simulation:
        input:
            learning_curves=rules.tables.output.learning_curves,
            final_errors=rules.tables.output.final_errors,
        output:
            pdf=report("results/figures/fig2.pdf", caption="../report/fig2.rst", category="Figures"),
            png=report("results/figures/fig2.png", caption="../report/fig2.rst", category="Figures"),
        log:
            "results/logs/figures/fig2.log",
        benchmark:
            "results/benchmarks/figures/fig2.tsv"
        params:
            final_fraction=config["figures"]["final_fraction"],
        conda:
            "../../environment.yml"
        script:
            "../../scripts/fig2_simulation.py"


if "hardware" in SETTINGS:

    rule fig3_hardware:
        input:
            learning_curves=rules.tables.output.learning_curves,
            final_errors=rules.tables.output.final_errors,
            exploration=rules.tables.output.exploration,
        output:
            pdf=report("results/figures/fig3.pdf", caption="../report/fig3.rst", category="Figures"),
            png=report("results/figures/fig3.png", caption="../report/fig3.rst", category="Figures"),
        log:
            "results/logs/figures/fig3.log",
        benchmark:
            "results/benchmarks/figures/fig3.tsv"
        params:
            final_fraction=config["figures"]["final_fraction"],
        conda:
            "../../environment.yml"
        script:
            "../../scripts/fig3_hardware.py"


if "minibatch" in SETTINGS:

    rule fig4_analogy:
        input:
            learning_curves=rules.tables.output.learning_curves,
            final_errors=rules.tables.output.final_errors,
            update_noise=rules.tables.output.update_noise,
        output:
            pdf=report("results/figures/fig4.pdf", caption="../report/fig4.rst", category="Figures"),
            png=report("results/figures/fig4.png", caption="../report/fig4.rst", category="Figures"),
        log:
            "results/logs/figures/fig4.log",
        benchmark:
            "results/benchmarks/figures/fig4.tsv"
        params:
            final_fraction=config["figures"]["final_fraction"],
        conda:
            "../../environment.yml"
        script:
            "../../scripts/fig4_analogy.py"
