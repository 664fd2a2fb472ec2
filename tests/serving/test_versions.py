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


def test_a_zero_padded_version_is_its_own_folder(tmp_path):
    # TF Serving reads "007" as version 7 and loads it from "007", not from "7"
    make(tmp_path, "3", "007")
    assert versions(tmp_path) == [3, 7]
    assert latest(tmp_path) == tmp_path / "007"


def test_a_missing_version_lists_the_versions_there_are(tmp_path):
    make(tmp_path, "1", "2")
    with pytest.raises(SeqkerasError, match=r"7: no such version of .* \(its versions: 1, 2\)"):
        latest(tmp_path / "7")


def test_folders_that_are_not_versions_are_named(tmp_path):
    make(tmp_path, "v2", "best")
    with pytest.raises(SeqkerasError, match="folders best, v2 are not versions: TF Serving "
                                            "reads only integer names"):
        latest(tmp_path)
