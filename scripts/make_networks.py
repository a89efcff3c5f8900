"""Rule script: write the networks of one config entry, one file per seed."""

from desync_learning.io import setup_logging
from desync_learning.pipeline import write_networks

setup_logging(snakemake.log[0])
write_networks(snakemake.config, snakemake.wildcards.network, snakemake.output[0], snakemake.params.seeds)
