"""Which member of a zip archive holds the data.

A downloaded archive often carries a README, a licence or an ``_about.txt`` beside
the data file; reading the first ``.txt`` found once turned a README into 49 training
records. The choice is explicit: ``member:`` names the file; without it the archive
must hold exactly one data file once folders, macOS metadata and documentation are
set aside, else the error lists the members to choose from. ``seqkeras validate`` and
ingest (``seqkeras.io.readers.open_text``) call the same function, so they agree.
"""

from __future__ import annotations

from pathlib import PurePosixPath
from typing import Optional

from seqkeras.errors import DataError

#: File names (without suffix, lowercased) that document an archive rather than hold data.
DOCUMENTATION_NAMES = frozenset({
    "readme", "license", "licence", "copying", "notice", "authors", "contributors",
    "changes", "changelog", "history", "citation", "about", "_about", "manifest"})
DOCUMENTATION_SUFFIXES = frozenset({".md", ".rst", ".pdf", ".html", ".htm", ".doc", ".docx",
                                    ".py", ".sh", ".xml", ".yaml", ".yml", ".cff"})
#: Suffixes of the formats seqkeras reads (``seqkeras.io.readers``) and of CoNLL files.
DATA_SUFFIXES = frozenset({".csv", ".tsv", ".tab", ".jsonl", ".ndjson", ".json", ".txt",
                           ".conll", ".conllu", ".iob", ".bio", ".dat"})
SHOWN = 12


def listed_files(names: list[str]) -> list[str]:
    """Archive entries that are files (no folders, no ``__MACOSX`` or ``._`` metadata)."""
    return [n for n in names if not n.endswith("/") and "__MACOSX" not in n
            and not PurePosixPath(n).name.startswith("._")]


def is_documentation(name: str) -> bool:
    p = PurePosixPath(name)
    stem = p.name.split(".")[0].lower()
    return stem in DOCUMENTATION_NAMES or p.suffix.lower() in DOCUMENTATION_SUFFIXES \
        or p.name.startswith(".")


def _shown(names: list[str]) -> str:
    more = f", ... ({len(names)} in all)" if len(names) > SHOWN else ""
    return ", ".join(names[:SHOWN]) + more


def choose_member(archive: object, names: list[str], member: Optional[str] = None) -> str:
    """The member of ``archive`` (shown in errors) to read, from its entry ``names``.

    ``member`` given: it must be one of the files. Otherwise the one data file: files
    that are not documentation, preferring those with a data suffix (.csv, .tsv,
    .jsonl, .txt, .conll ...).
    Raises DataError naming the archive and listing its files when ``member`` is not
    there or when no single data file stands out.
    """
    files = listed_files(names)
    if member is not None:
        if member not in files:
            raise DataError(f"{archive}: no member {member!r} in the archive "
                            f"(it holds: {_shown(files)})")
        return member
    data = [n for n in files if not is_documentation(n)]
    known = [n for n in data if PurePosixPath(n).suffix.lower() in DATA_SUFFIXES]
    for candidates in (known, data):
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            raise DataError(f"{archive}: set 'member' to the file to read inside the archive "
                            f"(it holds {len(candidates)} data files: {_shown(candidates)})")
    raise DataError(f"{archive}: set 'member' to the file to read inside the archive "
                    f"(no data file stands out; it holds: {_shown(files) or 'nothing'})")
