"""Where data lives: a data root for shared files, ``pkg://`` for data inside packages.

The same YAML works on any machine: relative source paths resolve against the data
root, ``$SEQKERAS_DATA_ROOT`` (default ``../shared/data`` from the working directory),
and ``pkg://PACKAGE/FILE`` names a file shipped inside an installed Python package.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from seqkeras.errors import DataError

DATA_ROOT_ENV = "SEQKERAS_DATA_ROOT"
DEFAULT_DATA_ROOT = "../shared/data"
PKG_SCHEME = "pkg://"


def data_root() -> Path:
    return Path(os.environ.get(DATA_ROOT_ENV, DEFAULT_DATA_ROOT)).expanduser().resolve()


def resolve(path: str) -> Path:
    """Resolve a source path from a spec to an absolute file path (existence not checked)."""
    if path.startswith(PKG_SCHEME):
        package, _, inner = path[len(PKG_SCHEME):].partition("/")
        spec = importlib.util.find_spec(package)
        if spec is None or not spec.submodule_search_locations:
            raise DataError(f"{path}: package {package!r} is not installed "
                            f"(pip install {package})")
        return Path(list(spec.submodule_search_locations)[0]) / inner
    p = Path(path).expanduser()
    return p if p.is_absolute() else data_root() / p


def describe_missing(path: str) -> str:
    """A message for a source path that does not exist, saying how it was resolved."""
    resolved = resolve(path)
    if path.startswith(PKG_SCHEME) or Path(path).is_absolute():
        return f"file not found: {resolved}"
    return (f"file not found: {resolved} (relative paths resolve against the data root "
            f"{data_root()}; set ${DATA_ROOT_ENV} to change it)")
