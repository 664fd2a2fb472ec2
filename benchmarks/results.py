"""RESULTS.md: one section per benchmark between ``<!-- key:begin -->`` and
``<!-- key:end -->`` markers. Writing a section replaces only that section (or appends
it), so the results of other benchmarks in the file are kept."""

from __future__ import annotations

import os
import re
from pathlib import Path

TITLE = "# seqkeras benchmarks\n"
INTRO = ("Measured by `python -m benchmarks.run` (`make bench`). Each section is rewritten "
         "by its own benchmark run; numbers come from the run named in the section.\n")


def markers(key: str) -> tuple[str, str]:
    return f"<!-- {key}:begin -->", f"<!-- {key}:end -->"


def write_section(path: str | Path, key: str, body: str) -> None:
    """Put ``body`` between the markers for ``key`` in ``path``, keeping everything else."""
    path = Path(path)
    begin, end = markers(key)
    block = f"{begin}\n{body.rstrip()}\n{end}"
    text = path.read_text(encoding="utf-8") if path.exists() else f"{TITLE}\n{INTRO}"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text, count=1)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    os.replace(tmp, path)


def table(header: list[str], rows: list[list], align: str | None = None) -> str:
    """A markdown table; ``align`` is one character per column: l, r or c."""
    align = align or "l" + "r" * (len(header) - 1)
    rule = {"l": ":--", "r": "--:", "c": ":-:"}
    lines = ["| " + " | ".join(header) + " |",
             "| " + " | ".join(rule[a] for a in align) + " |"]
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _cell(value) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return fmt(value)
    return str(value).replace("|", "\\|")


def fmt(x: float) -> str:
    """Four significant digits for small numbers (1.953 must not read as 1.95 beside an
    aim of 1.95), thousands separators for large ones."""
    if x != x:  # NaN
        return "n/a"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 10:
        return f"{x:.2f}"
    return f"{x:.4g}"
