# Regenerates the figures of "Desynchronous learning in a physics-driven
# learning network" (Wycoff et al., J. Chem. Phys. 156, 144903, 2022).
#
#   snakemake --cores all                          # paper-scale study
#   snakemake --cores 2 --configfile config/smoke.yaml   # toy size, for tests
#
# Stages: networks -> tasks -> runs -> tables -> figures.

import os

from snakemake.utils import min_version, validate

min_version("9.0")

# One BLAS thread per job: jobs run in parallel, and a fixed thread count
# keeps results bit-identical whatever --cores is.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "1"

configfile: "config/config.yaml"


try:
    validate(config, "workflow/schemas/config.schema.yaml")
except WorkflowError:
    # Show where the config is wrong in a few lines instead of the schema dump.
    from desync_learning.pipeline import config_errors

    problems = config_errors(config, "workflow/schemas/config.schema.yaml")
    raise WorkflowError("invalid configuration:\n  " + "\n  ".join(problems)) from None


include: "workflow/rules/common.smk"
include: "workflow/rules/networks.smk"
include: "workflow/rules/runs.smk"
include: "workflow/rules/tables.smk"
include: "workflow/rules/figures.smk"
# Studies beyond the paper: each rule file adds its own figure to FIGURES.
include: "workflow/rules/staleness.smk"
include: "workflow/rules/scale.smk"
include: "workflow/rules/damage.smk"


rule all:
    input:
        rules.tables.output,
        expand("results/figures/{figure}.{ext}", figure=FIGURES, ext=["pdf", "png"]),
    default_target: True
