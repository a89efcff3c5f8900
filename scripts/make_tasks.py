"""Rule script: write one task's data and terminals for every seed of a network."""

from desync_learning.io import setup_logging
from desync_learning.pipeline import write_tasks

setup_logging(snakemake.log[0])
write_tasks(
    snakemake.config,
    snakemake.wildcards.network,
    snakemake.wildcards.task,
    snakemake.input.networks,
    snakemake.output[0],
    snakemake.params.seeds,
)
