# Training runs: one job per study, learner, task, update probability and
# batch size, with all seeds of that setting trained together.


rule run:
    input:
        tasks=task_folder,
    output:
        "results/runs/{study}/{setting}.nc",
    log:
        "results/logs/runs/{study}/{setting}.log",
    benchmark:
        "results/benchmarks/runs/{study}/{setting}.tsv"
    params:
        setting=find_setting,
        raster_steps=lambda wildcards: config["figures"]["raster_steps"],
    conda:
        "../../environment.yml"
    script:
        "../../scripts/run_setting.py"
