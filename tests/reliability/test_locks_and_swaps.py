"""Locks that name their holder and die with it; output swaps that never leave the output
missing; temporary folders of dead processes cleared, live ones kept."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from seqkeras.errors import SeqkerasError
from seqkeras.io import atomic, locks
from seqkeras.runner import is_fresh

HOLD = """
import sys, time
from pathlib import Path
from seqkeras.io.locks import exclusive
with exclusive(Path(sys.argv[1]), "pipeline demo"):
    print("held", flush=True)
    time.sleep(120)
"""


@pytest.fixture
def holder(tmp_path):
    """A child process holding the lock at tmp_path/.lock; yields (process, lock path)."""
    lock = tmp_path / ".lock"
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(lock)], stdout=subprocess.PIPE,
                            text=True, env=dict(os.environ, PYTHONPATH=os.getcwd()))
    assert proc.stdout.readline().strip() == "held"
    yield proc, lock
    proc.kill()
    proc.wait()


def test_a_held_lock_names_its_holder_and_dies_with_it(holder):
    proc, lock = holder
    with pytest.raises(locks.LockBusy, match=rf"pipeline demo is running \(pid {proc.pid} on"):
        with locks.exclusive(lock, "pipeline demo"):
            pass
    with pytest.raises(SeqkerasError, match=rf"gave up after 0 s waiting for pid {proc.pid}"):
        with locks.waiting(lock, "opening the store", timeout=0.2):
            pass
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    with locks.exclusive(lock, "pipeline demo"):  # the kernel released it
        assert locks.holder_of(lock)["pid"] == os.getpid()


def test_replace_dir_swaps_and_leaves_nothing_behind(tmp_path):
    final, new = tmp_path / "train", tmp_path / atomic.temp_name("train")
    final.mkdir()
    (final / "old.txt").write_text("old")
    new.mkdir()
    (new / "new.txt").write_text("new")
    atomic.replace_dir(new, final)
    assert sorted(p.name for p in final.iterdir()) == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["train"]


def test_an_interrupted_swap_is_undone_by_the_next_reader(tmp_path):
    # the state a kill leaves between the two renames of the fallback swap
    out = tmp_path / "train"
    aside = tmp_path / atomic.temp_name("train", "old")
    aside.mkdir()
    (aside / "_stage.json").write_text('{"fingerprint": "abc"}')
    half = tmp_path / atomic.temp_name("train")
    half.mkdir()
    assert not out.exists()
    assert is_fresh(out, "abc")  # recovered, and still the previous good output
    assert (out / "_stage.json").exists() and not aside.exists()
    assert atomic.remove_stale(tmp_path, all_pids=True) == [half.name]


def test_remove_stale_keeps_folders_of_live_processes(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True).stdout.strip()
        names = {"dead": f".tmp-{dead}-0000abcd", "live": f".tmp-{child.pid}-0000abcd",
                 "mine": f".export.tmp-{os.getpid()}-0000abcd", "legacy": ".train.tmp-0000abcd",
                 "version": "3"}
        for name in names.values():
            (tmp_path / name).mkdir()
        removed = atomic.remove_stale(tmp_path)
        assert sorted(removed) == sorted([names["dead"], names["legacy"]])
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
            [names["live"], names["mine"], "3"])
    finally:
        child.kill()
        child.wait()


def test_rename_new_never_replaces(tmp_path):
    a, b = tmp_path / "a", tmp_path / "1"
    a.mkdir()
    b.mkdir()
    assert not atomic.rename_new(a, b) and a.exists()
    assert atomic.rename_new(a, tmp_path / "2") and not a.exists()


def test_a_second_run_of_a_pipeline_is_refused_while_one_runs(tmp_path, monkeypatch, holder):
    from seqkeras.runner import LOCK_FILE, run_pipeline

    proc, lock = holder
    monkeypatch.chdir(tmp_path)
    (tmp_path / "data" / "demo").mkdir(parents=True)
    os.replace(lock, tmp_path / "data" / "demo" / LOCK_FILE)  # the holder keeps its inode
    spec = tmp_path / "demo.yaml"
    spec.write_text("data: {sources: [{path: pkg://names/dist.male.first, format: columns, "
                    "text_field: 0, label: male}]}\n")
    started = time.monotonic()
    with pytest.raises(locks.LockBusy, match=rf"pipeline demo is running \(pid {proc.pid} "):
        run_pipeline(spec, stage="ingest", track=False)
    assert time.monotonic() - started < 10  # at once, not after a wait
