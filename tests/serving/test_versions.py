"""seqkeras.serving.versions: TF Serving's integer version folders."""

from __future__ import annotations

import pytest

from seqkeras.errors import SeqkerasError
from seqkeras.serving.versions import latest, versions


def make(base, *names):
    for name in names:
        (base / name).mkdir(parents=True)


def test_latest_picks_the_largest_integer_folder(tmp_path):
    make(tmp_path, "2", "9", "10", ".tmp-1a2b3c", "best", "11a")
    (tmp_path / "99").write_text("a file, not a version folder")
    assert versions(tmp_path) == [2, 9, 10]  # numeric, not string, order
    assert latest(tmp_path) == tmp_path / "10"


def test_latest_accepts_a_version_folder_itself(tmp_path):
    version = tmp_path / "3"
    version.mkdir()
    (version / "saved_model.pb").write_bytes(b"")
    assert latest(version) == version


def test_latest_without_versions_raises(tmp_path):
    make(tmp_path, ".tmp-abcd1234")
    with pytest.raises(SeqkerasError, match="no exported version found"):
        latest(tmp_path)


def test_latest_of_missing_base_raises(tmp_path):
    assert versions(tmp_path / "absent") == []
    with pytest.raises(SeqkerasError, match="absent"):
        latest(tmp_path / "absent")
