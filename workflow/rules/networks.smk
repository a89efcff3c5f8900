# Network generation and task data, one folder per network or network-task pair.


rule network:
    output:
        directory("results/networks/{network}"),
    log:
        "results/logs/networks/{network}.log",
    benchmark:
        "results/benchmarks/networks/{network}.tsv"
    params:
        seeds=lambda wildcards: SEEDS[wildcards.network],
    conda:
        "../../environment.yml"
    script:
        "../../scripts/make_networks.py"


rule task:
    input:
        networks="results/networks/{network}",
    output:
        directory("results/tasks/{network}-{task}"),
    log:
        "results/logs/tasks/{network}-{task}.log",
    benchmark:
        "results/benchmarks/tasks/{network}-{task}.tsv"
    params:
        seeds=lambda wildcards: SEEDS[wildcards.network],
    conda:
        "../../environment.yml"
    script:
        "../../scripts/make_tasks.py"
