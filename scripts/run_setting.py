"""Rule script: train all seeds of one setting and write the trajectory file."""

from desync_learning.io import setup_logging
from desync_learning.pipeline import run_setting

setup_logging(snakemake.log[0])
run_setting(
    snakemake.config,
    snakemake.params.setting,
    snakemake.input.tasks,
    snakemake.output[0],
    raster_steps=snakemake.params.raster_steps,
)
