"""WAV recordings from a zip archive, a folder, a single file or a manifest (format ``wav``).

A source of recordings is one of

* a zip archive: every ``.wav`` member (macOS ``__MACOSX`` metadata left out), by name;
* a folder: every ``.wav`` file below it, by relative path;
* one ``.wav`` file;
* a manifest, a csv/tsv/jsonl table (told by its suffix) whose ``audio_field`` names each
  WAV file relative to the manifest's folder, its other fields (label, split, target
  transcript) read like any record's.

Each recording is a row ``{"ref": {"path": ..., "member": ...}, "name": file name,
"bytes": the file's bytes, <manifest fields>}``. ``ref`` is what ingest stores: the
source path as the pipeline wrote it (relative to the data root) or the file's path
joined to it, plus the archive member, so records stay small and the audio is read
again, from the same bytes, when datasets are built (:func:`read_ref`). Nothing here
checks the audio: :mod:`seqkeras.audio.wav` does, and ingest rejects with its reason.
"""

from __future__ import annotations

import posixpath
import zipfile
from pathlib import Path, PurePosixPath
from typing import Iterator

from seqkeras.errors import DataError
from seqkeras.io import paths
from seqkeras.io.archives import listed_files
from seqkeras.io.path_readers import register_path_reader
from seqkeras.io.readers import READERS, RowError, detect_format, get_field, open_text
from seqkeras.spec.inputs import is_manifest

SUFFIX = ".wav"


def _is_wav(name: str) -> bool:
    return name.lower().endswith(SUFFIX)


@register_path_reader("wav")
def read_wav_files(path: Path, source) -> Iterator[tuple]:
    """Yield ``(where, row)`` per recording of the source (see the module docstring), in
    name order; a manifest row without its audio field, or naming a missing file, is a
    RowError. Raises DataError when the source holds no WAV file at all."""
    path = Path(path)
    if is_manifest(str(path)):
        yield from _manifest(path, source)
        return
    found = 0
    if path.is_dir():
        for file in sorted(p for p in path.rglob("*") if p.is_file() and _is_wav(p.name)):
            found += 1
            rel = file.relative_to(path).as_posix()
            yield rel, {"ref": {"path": posixpath.join(source.path, rel), "member": None},
                        "name": file.name, "bytes": file.read_bytes()}
    elif path.suffix.lower() == ".zip":
        try:
            archive = zipfile.ZipFile(path)
        except zipfile.BadZipFile:
            raise DataError(f"{path}: not a zip archive") from None
        with archive:
            for member in sorted(n for n in listed_files(archive.namelist()) if _is_wav(n)):
                found += 1
                yield member, {"ref": {"path": source.path, "member": member},
                               "name": PurePosixPath(member).name,
                               "bytes": archive.read(member)}
    elif _is_wav(path.name):
        found += 1
        yield path.name, {"ref": {"path": source.path, "member": None}, "name": path.name,
                          "bytes": path.read_bytes()}
    if not found:
        raise DataError(f"{path}: no .wav recordings found (a wav source is a zip archive, "
                        "a folder, a .wav file or a csv/tsv/jsonl manifest)")


def _manifest(path: Path, source) -> Iterator[tuple]:
    folder = posixpath.dirname(source.path)
    with open_text(path, None, source.encoding) as (stream, name):
        reader = READERS[detect_format(name)]
        for line, row in reader(stream, header=source.header, delimiter=source.delimiter):
            if isinstance(row, RowError):
                yield line, row
                continue
            try:
                relative = get_field(row, source.audio_field).strip()
            except KeyError as exc:
                yield line, RowError(exc.args[0], str(row)[:200])
                continue
            ref_path = relative if posixpath.isabs(relative) else posixpath.join(folder,
                                                                                 relative)
            file = paths.resolve(ref_path)
            if not relative or not file.is_file():
                yield line, RowError(f"audio file not found: {file}", str(row)[:200])
                continue
            out = dict(row) if isinstance(row, dict) else dict(enumerate(row))
            out.update(ref={"path": ref_path, "member": None}, name=file.name,
                       bytes=file.read_bytes())
            yield line, out


def read_ref(ref: dict, archives: dict | None = None) -> bytes:
    """The bytes of a stored recording reference ``{"path", "member"}``; ``archives``
    (path -> open ZipFile) keeps archives open across calls (the caller closes them).
    Raises DataError when the file or member is gone."""
    file = paths.resolve(ref["path"])
    try:
        if ref.get("member") is None:
            return file.read_bytes()
        if archives is None:
            with zipfile.ZipFile(file) as archive:
                return archive.read(ref["member"])
        if str(file) not in archives:
            archives[str(file)] = zipfile.ZipFile(file)
        return archives[str(file)].read(ref["member"])
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        raise DataError(f"cannot read recording {ref['path']}"
                        f"{'!' + ref['member'] if ref.get('member') else ''}: {exc} (the "
                        "data changed since ingest: rerun it)") from None
