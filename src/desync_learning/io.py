"""Atomic file output and provenance records.

Every file is written under a temporary name in the destination folder and
renamed into place only once complete, so an interrupted job never leaves a
truncated file under the final name.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from . import __version__


@contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; rename it to ``path`` on success.

    The temporary file is removed if the block raises.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    os.close(handle)
    try:
        yield Path(temporary)
        # mkstemp creates the file readable by its owner only; give it the
        # permissions an ordinary new file would have.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_folder(path):
    """Yield a temporary folder beside ``path``; move it to ``path`` on success.

    An existing folder at ``path`` is replaced. The temporary folder is
    removed if the block raises, so ``path`` never holds a partial set of
    files.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part"))
    try:
        yield temporary
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o777 & ~umask)
        if path.exists():
            shutil.rmtree(path)
        os.replace(temporary, path)
    except BaseException:
        shutil.rmtree(temporary, ignore_errors=True)
        raise


def atomic_write_text(path, text: str) -> None:
    """Write ``text`` to ``path`` atomically."""
    with atomic_path(path) as temporary:
        temporary.write_text(text)


def git_commit() -> str:
    """Return the current git commit of the working directory, or ``"unknown"``."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return result.stdout.strip() or "unknown"


def git_has_local_changes() -> bool | None:
    """Return whether the git working tree differs from its commit (None outside git)."""
    try:
        result = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True,
            timeout=10, check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return bool(result.stdout.strip())


def provenance(**fields) -> dict:
    """Return a provenance record: package version, git commit, time and ``fields``."""
    record = {
        "package": "desync_learning",
        "package_version": __version__,
        "git_commit": git_commit(),
        "git_local_changes": str(git_has_local_changes()).lower(),
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    record.update(fields)
    return record


def write_provenance(path, record: dict) -> None:
    """Write a provenance record as JSON beside a result file (``<file>.provenance.json``)."""
    atomic_write_text(Path(f"{path}.provenance.json"), json.dumps(record, indent=1, default=str) + "\n")


def write_netcdf(dataset, path) -> None:
    """Write an xarray Dataset to NetCDF-4 atomically with compression."""
    encoding = {name: {"zlib": True, "complevel": 4} for name in dataset.data_vars}
    with atomic_path(path) as temporary:
        dataset.to_netcdf(temporary, engine="h5netcdf", encoding=encoding)


def setup_logging(log_path=None, level="INFO") -> None:
    """Send the package's log records to stderr and, if given, to ``log_path``.

    Rule scripts call this first so that each job's log file records what
    the job did.
    """
    import logging

    handlers = [logging.StreamHandler()]
    if log_path:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(log_path, mode="w"))
    logging.basicConfig(level=level, format="%(asctime)s %(name)s %(levelname)s: %(message)s",
                        handlers=handlers, force=True)

    # An uncaught error goes to the log file too, so "check log file(s)"
    # leads to the traceback.
    def log_uncaught(kind, error, trace):
        logging.getLogger("desync_learning").critical("job failed", exc_info=(kind, error, trace))

    sys.excepthook = log_uncaught
