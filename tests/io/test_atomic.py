"""seqkeras.io.atomic: atomic stage folders and the small json helpers."""

from __future__ import annotations

import json

import pytest

from seqkeras.io.atomic import atomic_dir, read_json, read_jsonl, write_json, write_jsonl


def test_atomic_dir_creates_the_folder_and_its_parents(tmp_path):
    final = tmp_path / "work" / "pipe" / "ingest"
    with atomic_dir(final) as tmp:
        assert tmp != final and tmp.parent == final.parent and tmp.is_dir()
        assert not final.exists()  # nothing visible under the final name mid-stage
        (tmp / "out.txt").write_text("new")
    assert (final / "out.txt").read_text() == "new"
    assert not tmp.exists()


def test_atomic_dir_replaces_the_old_folder_on_success(tmp_path):
    final = tmp_path / "stage"
    final.mkdir()
    (final / "old.txt").write_text("old")
    with atomic_dir(final) as tmp:
        (tmp / "new.txt").write_text("new")
    assert sorted(p.name for p in final.iterdir()) == ["new.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["stage"]  # no tmp/old folders left


def test_atomic_dir_keeps_the_old_folder_when_the_body_raises(tmp_path):
    final = tmp_path / "stage"
    final.mkdir()
    (final / "old.txt").write_text("old")
    with pytest.raises(RuntimeError, match="stage crashed"):
        with atomic_dir(final) as tmp:
            (tmp / "partial.txt").write_text("half")
            raise RuntimeError("stage crashed")
    assert sorted(p.name for p in final.iterdir()) == ["old.txt"]
    assert (final / "old.txt").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["stage"]  # the temporary folder is gone


def test_atomic_dir_failure_on_first_run_leaves_nothing(tmp_path):
    final = tmp_path / "stage"
    with pytest.raises(KeyboardInterrupt):
        with atomic_dir(final):
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_write_json_round_trip(tmp_path):
    path = tmp_path / "x.json"
    write_json(path, {"b": 1, "a": [1.5, "é"]})
    assert read_json(path) == {"b": 1, "a": [1.5, "é"]}
    text = path.read_text()
    assert text.index('"a"') < text.index('"b"')  # sorted keys
    assert list(tmp_path.iterdir()) == [path]  # no .tmp file left behind


def test_write_jsonl_round_trip(tmp_path):
    path = tmp_path / "rows.jsonl"
    rows = [{"text": "naïve ☃"}, {"text": "two", "label": "b"}]
    assert write_jsonl(path, iter(rows)) == 2
    assert "☃" in path.read_text(encoding="utf-8")  # written as UTF-8, not \u escapes
    assert [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] == rows
    path.write_text(path.read_text(encoding="utf-8") + "\n\n", encoding="utf-8")
    assert read_jsonl(path) == rows  # blank lines are ignored
