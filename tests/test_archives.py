"""seqkeras.io.archives: which member of a zip is the data, shared by validate and ingest."""

from __future__ import annotations

import zipfile

import pytest

from seqkeras.errors import DataError
from seqkeras.io.archives import choose_member
from seqkeras.io.readers import open_text, read_columns


@pytest.mark.parametrize("names, chosen", [
    (["README.txt", "data.conll"], "data.conll"),                 # documentation set aside
    (["fra-eng/_about.txt", "fra-eng/fra.txt"], "fra-eng/fra.txt"),
    (["LICENSE", "train.csv", "notes.bin"], "train.csv"),          # the one data suffix
    (["dir/", "__MACOSX/._x.csv", "dir/._y.csv", "dir/y.csv"], "dir/y.csv"),
    (["only_file"], "only_file"),
])
def test_the_one_data_file_is_chosen(names, chosen):
    assert choose_member("a.zip", names) == chosen


@pytest.mark.parametrize("names, listed", [
    (["a.csv", "b.csv", "README.md"], "2 data files: a.csv, b.csv"),
    (["x.bin", "y.bin"], "2 data files: x.bin, y.bin"),
    (["README.txt"], "no data file stands out; it holds: README.txt"),
])
def test_several_or_no_data_files_ask_for_member(names, listed):
    with pytest.raises(DataError, match="a.zip: set 'member'") as info:
        choose_member("a.zip", names)
    assert listed in str(info.value)


def test_a_named_member_must_exist():
    assert choose_member("a.zip", ["README.txt", "x.csv"], "README.txt") == "README.txt"
    with pytest.raises(DataError, match=r"no member 'y\.csv' in the archive \(it holds: x\.csv"):
        choose_member("a.zip", ["x.csv"], "y.csv")


def test_a_readme_beside_the_data_is_not_read(tmp_path):
    path = tmp_path / "ner.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("README.txt", "This archive holds CoNLL data.\n" * 49)
        archive.writestr("eng.conll", "EU B-ORG\nrejects O\n")
    with open_text(path) as (stream, name):
        assert name.endswith("!eng.conll")
        assert [row for _, row in read_columns(stream)] == [["EU", "B-ORG"], ["rejects", "O"]]
