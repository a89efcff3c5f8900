# Tidy tables drawn from every trajectory file; the figures read only these.


rule tables:
    input:
        runs=run_files(),
    output:
        learning_curves="results/tables/learning_curves.csv",
        final_errors="results/tables/final_errors.csv",
        exploration="results/tables/exploration.csv",
        update_noise="results/tables/update_noise.csv",
        update_raster="results/tables/update_raster.csv",
        damage="results/tables/damage.csv",
    log:
        "results/logs/tables.log",
    benchmark:
        "results/benchmarks/tables.tsv"
    params:
        final_fraction=config["figures"]["final_fraction"],
    conda:
        "../../environment.yml"
    script:
        "../../scripts/make_tables.py"
