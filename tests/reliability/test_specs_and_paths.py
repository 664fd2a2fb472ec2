"""Hostile pipeline specs: one clean error line each, never an internal error; paths stay
inside the data root and the project unless written as absolute."""

from __future__ import annotations

import random

import pytest

from benchmarks.reliability_cases import spec_cases
from seqkeras.cli import main
from seqkeras.errors import DataError, SpecError
from seqkeras.io import paths


@pytest.mark.parametrize("path", ["../../../../etc/passwd", "a/../../b.csv", "..",
                                  "imdb/../../../etc/shadow"])
def test_relative_paths_may_not_leave_the_data_root(data_root, path):
    with pytest.raises(DataError, match="leaves the data root"):
        paths.resolve(path)


def test_paths_inside_the_root_and_absolute_ones_resolve(data_root, tmp_path):
    assert paths.resolve("a/../b.csv") == data_root.resolve() / "b.csv"
    assert paths.resolve("/etc/hostname") == paths.Path("/etc/hostname")  # written as such


@pytest.mark.parametrize("path, reason", [
    ("pkg://names/../../../../etc/passwd", "leaves the package folder"),
    ("pkg://names//etc/passwd", "leaves the package folder"),
    ("pkg://", "is not installed"),
    ("", "the path is empty"),
    ("a\x00b", "NUL"),
    ("x" * 300, "too long"),
])
def test_other_unusable_paths_are_data_errors(data_root, path, reason):
    with pytest.raises(DataError, match=reason):
        paths.resolve(path)


def test_validate_refuses_a_path_that_escapes(write_spec, data_root, capsys):
    spec = write_spec("""
        data:
          sources:
            - path: ../../../../etc/passwd
              format: text
    """)
    assert main(["validate", str(spec)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"seqkeras: error: {spec}:3: data.sources[0].path: ")
    assert "leaves the data root" in err


def test_relative_export_folders_stay_in_the_project(tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    assert paths.project_dir("models", "export.base_dir", project) == project / "models"
    assert paths.project_dir("a/../models", "export.base_dir", project) == project / "models"
    assert paths.project_dir(str(tmp_path / "elsewhere"), "export.base_dir", project) == \
        tmp_path / "elsewhere"  # absolute: taken as written
    for bad in ("../outside", "..", "models/../../x"):
        with pytest.raises(SpecError, match=r"export.base_dir: .* leaves the project folder"):
            paths.project_dir(bad, "export.base_dir", project)
    with pytest.raises(SpecError, match="not a usable folder name"):
        paths.project_dir("", "export.base_dir", project)


def test_fuzzed_specs_get_one_clean_answer_each(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    cases = [c for c in spec_cases(random.Random(5), 60) if c.kind == "validate"]
    assert len(cases) >= 50
    for i, case in enumerate(cases):
        path = tmp_path / f"case{i}.yaml"
        path.write_bytes(case.text)
        code = main(["validate", str(path)])
        out, err = capsys.readouterr()
        want = {"error": {2}, "ok": {0}, "any": {0, 2}}[case.expect]
        assert code in want, (case.name, code, err)
        if code == 2:
            assert err.startswith("seqkeras: error: ") and "Traceback" not in err, case.name
