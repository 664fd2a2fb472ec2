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
    if not base.exists() and base.name.isdigit() and versions(base.parent):
        raise SeqkerasError(f"{base}: no such version of {base.parent} (its versions: "
                            f"{', '.join(map(str, versions(base.parent)))})")
    found = versions(base)
    if not found:
        others = sorted(p.name for p in base.iterdir() if p.is_dir()) if base.is_dir() else []
        named = (f"; folders {', '.join(others[:5])} are not versions: TF Serving reads "
                 "only integer names" if others else "")
        raise SeqkerasError(f"{base}: no exported version found (expected {base}/<integer>/"
                            f"saved_model.pb; run the export stage first{named})")
    # the folder itself: TF Serving reads "007" as version 7, from the folder "007"
    return max((p for p in base.iterdir() if p.is_dir() and p.name.isascii()
                and p.name.isdigit()), key=lambda p: (int(p.name), p.name))
