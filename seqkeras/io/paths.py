"""Where data lives: a data root for shared files, ``pkg://`` for data inside packages.

The same YAML works on any machine: relative source paths resolve against the data
root, ``$SEQKERAS_DATA_ROOT`` (default ``../shared/data`` from the working directory),
and ``pkg://PACKAGE/FILE`` names a file shipped inside an installed Python package.

A YAML file is input like any other, so its paths are confined: a relative path may
not climb out of the data root (``../../etc/passwd``), a ``pkg://`` path not out of its
package, and a relative export folder not out of the project (the working directory).
Reading or writing elsewhere takes an absolute path, written as such.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from seqkeras.errors import DataError, SpecError

DATA_ROOT_ENV = "SEQKERAS_DATA_ROOT"
DEFAULT_DATA_ROOT = "../shared/data"
PKG_SCHEME = "pkg://"


def data_root() -> Path:
    return Path(os.environ.get(DATA_ROOT_ENV, DEFAULT_DATA_ROOT)).expanduser().resolve()


def _inside(path: Path, root: Path) -> bool:
    """Lexically inside ``root`` (``..`` collapsed; symbolic links inside the root are
    the data owner's business and are followed)."""
    normal = Path(os.path.normpath(path))
    return normal == root or root in normal.parents


def resolve(path: str) -> Path:
    """Resolve a source path from a spec to an absolute file path (existence not checked).

    Raises DataError for a ``pkg://`` path whose package is not installed, and for a
    relative or ``pkg://`` path that climbs out of the data root or the package.
    """
    if "\x00" in path:
        raise DataError(f"{path!r}: a path may not contain a NUL character")
    if not path.strip():
        raise DataError("the path is empty; name a data file")
    if path.startswith(PKG_SCHEME):
        package, _, inner = path[len(PKG_SCHEME):].partition("/")
        try:
            spec = importlib.util.find_spec(package) if package.isidentifier() else None
        except (ImportError, ValueError):
            spec = None
        if spec is None or not spec.submodule_search_locations:
            raise DataError(f"{path}: package {package!r} is not installed "
                            f"(pip install {package})")
        root = Path(list(spec.submodule_search_locations)[0])
        target = root / inner
        if Path(inner).is_absolute() or not _inside(target, root):
            raise DataError(f"{path}: leaves the package folder {root}; a pkg:// path names "
                            "a file inside the package")
        return _usable(path, Path(os.path.normpath(target)))
    p = Path(path).expanduser()
    if p.is_absolute():
        return _usable(path, p)
    root = data_root()
    if not _inside(root / p, root):
        raise DataError(f"{path}: leaves the data root {root} (relative paths must stay "
                        f"inside it); write an absolute path to read a file elsewhere")
    return _usable(path, Path(os.path.normpath(root / p)))


def _usable(written: str, resolved: Path) -> Path:
    """``resolved``, if the file system can take a name that long (else DataError)."""
    if len(os.fsencode(str(resolved))) >= 4096 or any(
            len(os.fsencode(part)) > 255 for part in resolved.parts):
        raise DataError(f"{written[:80]}...: the path is too long for the file system "
                        "(a name over 255 bytes or a path over 4095)")
    return resolved


def describe_missing(path: str) -> str:
    """A message for a source path that does not exist, saying how it was resolved."""
    resolved = resolve(path)
    if path.startswith(PKG_SCHEME) or Path(path).expanduser().is_absolute():
        return f"file not found: {resolved}"
    return (f"file not found: {resolved} (relative paths resolve against the data root "
            f"{data_root()}; set ${DATA_ROOT_ENV} to change it)")


def project_dir(value: str, key: str, project: Path | None = None) -> Path:
    """An output folder from a spec (``export.base_dir``): a relative one must stay inside
    the project (the working directory, or ``project``); an absolute one is taken as
    written. Raises SpecError naming ``key`` otherwise."""
    if "\x00" in value or not value.strip():
        raise SpecError(f"{key}: {value!r} is not a usable folder name")
    project = Path(project or Path.cwd()).resolve()
    p = Path(value).expanduser()
    if p.is_absolute():
        return p
    if not _inside(project / p, project):
        raise SpecError(f"{key}: {value!r} leaves the project folder {project}; relative "
                        "output folders must stay inside it (write an absolute path to "
                        "export elsewhere)")
    return Path(os.path.normpath(project / p))
