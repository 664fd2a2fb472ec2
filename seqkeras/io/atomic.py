"""Atomic outputs: a stage writes into a temporary folder that replaces the old one
only when the stage finished, so a crash mid-stage leaves the previous good output.

The replacement never leaves the output missing, even for a process killed in the
middle of it: on Linux the two folders are swapped in one ``renameat2(RENAME_EXCHANGE)``
call; elsewhere (or on a file system without it) the old folder is renamed aside
first, and :func:`recover` puts it back if the process died before the new one was
renamed in. Temporary folders carry the pid of the process that made them, so
:func:`remove_stale` can clear those of dead processes without touching a live run's.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import re
import shutil
import uuid
from contextlib import contextmanager
from pathlib import Path

from seqkeras.io.locks import pid_alive

#: ``.<name>.tmp-<pid>-<hex>`` (stage outputs) and ``.tmp-<pid>-<hex>`` (exports); the
#: pid-less ``.<name>.tmp-<hex>`` of older versions is recognised too.
_TEMP = re.compile(r"^\.(?:(?P<name>.+)\.)?(?P<kind>tmp|old)-(?:(?P<pid>\d+)-)?[0-9a-f]{8}$")
_AT_FDCWD = -100
_RENAME_NOREPLACE, _RENAME_EXCHANGE = 1, 2


def temp_name(final_name: str | None, kind: str = "tmp") -> str:
    """A hidden, non-integer sibling name for ``final_name`` owned by this process."""
    prefix = f".{final_name}." if final_name else "."
    return f"{prefix}{kind}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def _renameat2():
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_RENAMEAT2 = _renameat2()


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths atomically; False where the system cannot (then nothing moved)."""
    if _RENAMEAT2 is None:
        return False
    if _RENAMEAT2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM):
        return False
    raise OSError(err, f"exchanging {a} and {b}: {os.strerror(err)}")


def rename_new(src: Path, dst: Path) -> bool:
    """Rename ``src`` to ``dst`` only if ``dst`` does not exist (False then, nothing moved);
    atomic where ``renameat2(RENAME_NOREPLACE)`` exists, a check then a rename elsewhere
    (callers hold a lock against each other)."""
    if _RENAMEAT2 is not None:
        if _RENAMEAT2(_AT_FDCWD, os.fsencode(src), _AT_FDCWD, os.fsencode(dst),
                      _RENAME_NOREPLACE) == 0:
            return True
        err = ctypes.get_errno()
        if err == errno.EEXIST:
            return False
        if err not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EPERM):
            raise OSError(err, f"renaming {src} to {dst}: {os.strerror(err)}")
    if os.path.lexists(dst):
        return False
    os.rename(src, dst)
    return True


def replace_dir(new: Path, final: Path) -> None:
    """Make the folder ``new`` become ``final``; ``final`` is never missing meanwhile."""
    new, final = Path(new), Path(final)
    if not final.exists():
        os.rename(new, final)
        return
    if exchange(new, final):
        shutil.rmtree(new, ignore_errors=True)  # ``new`` now holds the old output
        return
    old = final.parent / temp_name(final.name, "old")
    os.rename(final, old)
    os.rename(new, final)  # a kill between these two renames is undone by recover()
    shutil.rmtree(old, ignore_errors=True)


def recover(final: Path) -> bool:
    """Undo an interrupted :func:`replace_dir`: when ``final`` is missing but an old copy
    was renamed aside, put the newest such copy back. Returns whether it did."""
    final = Path(final)
    if final.exists() or not final.parent.is_dir():
        return False
    olds = [p for p in final.parent.iterdir()
            if (m := _TEMP.match(p.name)) and m["kind"] == "old" and m["name"] == final.name]
    if not olds:
        return False
    newest = max(olds, key=lambda p: p.stat().st_mtime_ns)
    os.rename(newest, final)
    return True


def remove_stale(parent: Path, all_pids: bool = False) -> list[str]:
    """Remove the temporary folders in ``parent`` left by dead processes (all of them with
    ``all_pids``, for a caller holding the lock that excludes every other writer), after
    recovering any output an interrupted swap left aside. Returns the names removed."""
    parent = Path(parent)
    if not parent.is_dir():
        return []
    for p in list(parent.iterdir()):
        m = _TEMP.match(p.name)
        if m and m["kind"] == "old" and m["name"]:
            recover(parent / m["name"])
    removed = []
    for p in list(parent.iterdir()):
        m = _TEMP.match(p.name)
        if not m or not p.is_dir():
            continue
        pid = None if m["pid"] is None else int(m["pid"])
        if not all_pids and pid is not None and (pid == os.getpid() or pid_alive(pid)):
            continue
        shutil.rmtree(p, ignore_errors=True)
        removed.append(p.name)
    return removed


@contextmanager
def atomic_dir(final: Path):
    """Yield a fresh temporary folder; on success it becomes ``final`` (see replace_dir)."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = final.parent / temp_name(final.name)
    tmp.mkdir()
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    replace_dir(tmp, final)


def write_json(path: Path, value) -> None:
    tmp = Path(f"{path}.tmp")
    tmp.write_text(json.dumps(value, indent=2, sort_keys=True, default=str) + "\n")
    os.replace(tmp, path)


def read_json(path: Path):
    return json.loads(Path(path).read_text())


def write_jsonl(path: Path, rows) -> int:
    count = 0
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
            count += 1
    return count


def read_jsonl(path: Path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]
