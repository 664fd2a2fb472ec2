"""TF Serving treats every integer-named child of a model's base path as a version."""

from __future__ import annotations

from pathlib import Path

from seqkeras.errors import SeqkerasError


def version_dirs(base: Path) -> list[Path]:
    """The version folders of a model base path, newest last: integer names, read as TF
    Serving reads them ("007" is version 7, loaded from the folder "007")."""
    base = Path(base)
    if not base.is_dir():
        return []
    return sorted((p for p in base.iterdir() if p.is_dir() and p.name.isascii()
                   and p.name.isdigit()), key=lambda p: (int(p.name), p.name))


def versions(base: Path) -> list[int]:
    return [int(p.name) for p in version_dirs(base)]


def latest(base: Path) -> Path:
    """The newest version folder of a model base path (or the path itself if it is one)."""
    base = Path(base)
    if (base / "saved_model.pb").exists():
        return base
    siblings = versions(base.parent) if not base.exists() and base.name.isdigit() else []
    if siblings:
        raise SeqkerasError(f"{base}: no such version of {base.parent} (its versions: "
                            f"{', '.join(map(str, siblings))})")
    found = version_dirs(base)
    if not found:
        others = sorted(p.name for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
        named = (f"; folders {', '.join(others[:5])} are not versions: TF Serving reads "
                 "only integer names" if others else "")
        raise SeqkerasError(f"{base}: no exported version found (expected {base}/<integer>/"
                            f"saved_model.pb; run the export stage first{named})")
    return found[-1]
