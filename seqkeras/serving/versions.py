"""TF Serving treats every integer-named child of a model's base path as a version."""

from __future__ import annotations

from pathlib import Path

from seqkeras.errors import SeqkerasError


def versions(base: Path) -> list[int]:
    base = Path(base)
    if not base.is_dir():
        return []
    return sorted(int(p.name) for p in base.iterdir() if p.is_dir() and p.name.isascii() and p.name.isdigit())


def latest(base: Path) -> Path:
    """The newest version folder of a model base path (or the path itself if it is one)."""
    base = Path(base)
    if (base / "saved_model.pb").exists():
        return base
    found = versions(base)
    if not found:
        raise SeqkerasError(f"{base}: no exported version found (expected {base}/<integer>/"
                            "saved_model.pb; run the export stage first)")
    return base / str(found[-1])
