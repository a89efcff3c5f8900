"""Coupled learning in resistor networks with desynchronous edge updates.

The package contains the physics and learning used by the pipeline: network
generators and files (:mod:`.networks`), the linear circuit solver
(:mod:`.solver`), tasks (:mod:`.tasks`), learning rules (:mod:`.rules`),
update schedules (:mod:`.schedules`), the laboratory hardware emulator
(:mod:`.hardware`), training loops (:mod:`.training`) and measures
(:mod:`.measures`).
"""

__version__ = "0.1.0"
