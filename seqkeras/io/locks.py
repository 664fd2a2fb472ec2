"""Advisory file locks, so that runs in the same folder are safe at any time.

A lock is ``flock(2)`` on a small file that records who holds it (pid, host, start
time, what for). The kernel releases it when the holder's process ends, however it
ends (SIGKILL included), so a killed run never leaves a stale lock behind. Two kinds:

- :func:`exclusive` fails at once with a clear message naming the holder
  ("pipeline X is running (pid N)"): a second run of the same pipeline must not wait
  silently for an hour of training;
- :func:`waiting` waits (bounded) for short critical sections: creating and migrating
  the MLflow store, choosing an export's version number.

POSIX only (Linux, macOS), like TensorFlow Serving itself.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import socket
import time
from contextlib import contextmanager
from pathlib import Path

from seqkeras.errors import SeqkerasError


class LockBusy(SeqkerasError):
    """Another live process holds the lock; ``holder`` is what it wrote (may be empty)."""

    def __init__(self, message: str, holder: dict):
        super().__init__(message)
        self.holder = holder


def holder_of(path: Path) -> dict:
    """What the current (or last) holder of the lock file wrote: pid, host, started, what."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists on this machine."""
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    except (OverflowError, ValueError):
        return False
    return True


def _open(path: Path) -> int:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # no O_TRUNC: the holder's record must survive other processes' attempts
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)


def _record(fd: int, what: str) -> None:
    record = {"pid": os.getpid(), "host": socket.gethostname(), "what": what,
              "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    os.ftruncate(fd, 0)
    os.pwrite(fd, json.dumps(record).encode(), 0)


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EWOULDBLOCK):
            return False
        raise


@contextmanager
def exclusive(path: Path, what: str, busy_message: str | None = None):
    """Hold the lock at ``path`` for the body, or raise :class:`LockBusy` at once.

    ``busy_message`` may use ``{pid}``, ``{host}``, ``{started}`` and ``{what}`` (the
    holder's record); the default names the holder and the lock file.
    """
    fd = _open(path)
    try:
        if not _try_lock(fd):
            holder = {}
            for _ in range(20):  # the holder writes its record just after locking
                holder = holder_of(path)
                if holder:
                    break
                time.sleep(0.05)
            fields = {"pid": holder.get("pid", "unknown"), "host": holder.get("host", "?"),
                      "started": holder.get("started", "?"), "what": holder.get("what", what)}
            message = (busy_message or "{what} is running (pid {pid} on {host}, since "
                       "{started}); wait for it to finish").format(**fields)
            raise LockBusy(f"{message} [lock: {path}]", holder)
        _record(fd, what)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@contextmanager
def waiting(path: Path, what: str, timeout: float = 300.0, poll: float = 0.05):
    """Hold the lock at ``path`` for the body, waiting up to ``timeout`` seconds for it.

    Raises SeqkerasError naming the holder when the wait times out (a live process
    holding a short critical section for minutes is itself a fault worth reporting).
    """
    fd = _open(path)
    try:
        deadline = time.monotonic() + timeout
        while not _try_lock(fd):
            if time.monotonic() > deadline:
                holder = holder_of(path)
                raise SeqkerasError(
                    f"{what}: gave up after {timeout:.0f} s waiting for pid "
                    f"{holder.get('pid', 'unknown')} ({holder.get('what', '?')}) "
                    f"[lock: {path}]")
            time.sleep(poll)
        _record(fd, what)
        yield
    finally:
        os.close(fd)
