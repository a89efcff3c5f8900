"""Rule script: build the tidy tables from every trajectory file."""

import logging

from desync_learning.io import provenance, setup_logging, write_provenance
from desync_learning.tables import tables_from_runs, write_table

setup_logging(snakemake.log[0])
tables = tables_from_runs(snakemake.input.runs, final_fraction=snakemake.params.final_fraction)
for name, frame in tables.items():
    path = snakemake.output[name]
    write_table(frame, path)
    # Timestamps live beside the table so the table itself is byte-reproducible.
    write_provenance(path, provenance(config=snakemake.config, sources=list(snakemake.input.runs)))
    logging.getLogger("make_tables").info("wrote %s: %d rows", path, len(frame))
