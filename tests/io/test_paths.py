"""seqkeras.io.paths: data root, relative/absolute/pkg:// resolution, missing-file messages."""

from __future__ import annotations

import pytest

from seqkeras.errors import DataError
from seqkeras.io import paths


def test_data_root_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("SEQKERAS_DATA_ROOT", str(tmp_path / "root"))
    assert paths.data_root() == (tmp_path / "root").resolve()


def test_default_data_root_is_shared_data_beside_the_cwd(tmp_path, monkeypatch):
    monkeypatch.delenv("SEQKERAS_DATA_ROOT", raising=False)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert paths.data_root() == (tmp_path / "shared" / "data").resolve()


def test_relative_path_resolves_against_data_root(data_root):
    assert paths.resolve("imdb/x.csv.gz") == data_root.resolve() / "imdb" / "x.csv.gz"


def test_absolute_path_is_kept(data_root, tmp_path):
    target = tmp_path / "elsewhere" / "a.csv"
    assert paths.resolve(str(target)) == target


def test_home_is_expanded(data_root, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert paths.resolve("~/a.csv") == tmp_path / "home" / "a.csv"


def test_pkg_scheme_points_inside_an_installed_package():
    resolved = paths.resolve("pkg://names/dist.female.first")
    assert resolved.name == "dist.female.first"
    assert resolved.parent.name == "names"
    assert resolved.is_file()


def test_pkg_scheme_with_missing_package_raises_data_error():
    with pytest.raises(DataError, match=r"pip install no_such_pkg_qq"):
        paths.resolve("pkg://no_such_pkg_qq/file.txt")


def test_describe_missing_relative_mentions_data_root(data_root):
    message = paths.describe_missing("a/b.csv")
    assert message.startswith(f"file not found: {data_root.resolve() / 'a' / 'b.csv'}")
    assert str(data_root.resolve()) in message and "$SEQKERAS_DATA_ROOT" in message


def test_describe_missing_absolute_is_short(tmp_path):
    missing = tmp_path / "gone.csv"
    assert paths.describe_missing(str(missing)) == f"file not found: {missing}"
