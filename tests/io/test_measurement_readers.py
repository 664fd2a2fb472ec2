"""The measurement formats: UEA .ts, long CSV, .npy/.npz and WAV sources."""

from __future__ import annotations

import io
import zipfile

import numpy as np
import pytest

from seqkeras.errors import DataError
from seqkeras.io.long_csv import read_long_csv
from seqkeras.io.path_readers import read_npz
from seqkeras.io.readers import RowError
from seqkeras.io.ts_format import read_ts
from seqkeras.io.wav_files import read_ref, read_wav_files
from seqkeras.spec import Source
from tests.audio.wav_cases import synthetic
from tests.pipeline_helpers import require_shared

TS = """# a comment
@problemName Tiny
@timeStamps false
@classLabel true up down
@data
1,2,3:4,5,6:up
1,?,3:4,5,6:down
1,2:4,5,6:up
1,x,3:4,5,6:up
"""


def test_ts_cases_become_steps_by_channels():
    rows = list(read_ts(io.StringIO(TS)))
    assert rows[0] == (6, {"sequence": [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]], "label": "up"})
    assert np.isnan(rows[1][1]["sequence"][1][0])          # "?" is missing: NaN
    assert isinstance(rows[2][1], RowError) and "different lengths" in rows[2][1].reason
    assert isinstance(rows[3][1], RowError) and "not a number" in rows[3][1].reason


def test_ts_refuses_time_stamps_and_files_without_data():
    with pytest.raises(DataError, match="time-stamped"):
        list(read_ts(io.StringIO("@timeStamps true\n@data\n")))
    with pytest.raises(DataError, match="no @data"):
        list(read_ts(io.StringIO("@problemName x\n")))


def test_real_basic_motions_file():
    path = require_shared("basic_motions/BasicMotions_TRAIN.ts")
    with open(path) as f:
        rows = [row for _, row in read_ts(f)]
    assert len(rows) == 40
    assert {len(r["sequence"]) for r in rows} == {100}
    assert {len(r["sequence"][0]) for r in rows} == {6}
    assert {r["label"] for r in rows} == {"Standing", "Running", "Walking", "Badminton"}


LONG = """id,t,a,b,label
s1,2,0.2,20,x
s2,1,5,50,y
s1,1,0.1,10,x
s2,2,6,60,z
s3,1,oops,1,x
"""


def test_long_csv_groups_sorts_and_keeps_other_columns():
    rows = dict((r["sequence_id"], r) if isinstance(r, dict) else ("bad", r)
                for _, r in read_long_csv(io.StringIO(LONG), sequence_field="id",
                                          step_field="t", exclude=("label",)))
    assert rows["s1"]["sequence"] == [[0.1, 10.0], [0.2, 20.0]]   # ordered by t
    assert rows["s1"]["label"] == "x"                             # constant: a value
    assert rows["s2"]["label"] == ["y", "z"]                      # changes: one a step
    assert isinstance(rows["bad"], RowError) and "'a' is not a number" in rows["bad"].reason


def test_long_csv_names_a_missing_column():
    (line, row), = read_long_csv(io.StringIO(LONG), sequence_field="nope")
    assert isinstance(row, RowError) and "no column 'nope'" in row.reason


def test_npz_padded_sequences_with_lengths_and_labels(tmp_path):
    x = np.arange(2 * 3 * 2, dtype=np.float32).reshape(2, 3, 2)
    np.savez(tmp_path / "d.npz", x=x, lengths=np.array([2, 3]), y=np.array(["a", "b"]))
    rows = [r for _, r in read_npz(tmp_path / "d.npz", Source(path="d.npz"))]
    assert rows[0]["sequence"] == [[0.0, 1.0], [2.0, 3.0]] and rows[0]["y"] == "a"
    assert len(rows[1]["sequence"]) == 3
    np.save(tmp_path / "e.npy", x[:, :, 0])            # [N, T]: one feature
    (_, first), _ = read_npz(tmp_path / "e.npy", Source(path="e.npy"))
    assert first["sequence"] == [[0.0], [2.0], [4.0]]


def test_npz_refuses_pickles_and_missing_arrays(tmp_path):
    np.save(tmp_path / "o.npy", np.array([np.zeros(2), np.zeros(3)], dtype=object))
    with pytest.raises(DataError, match="object arrays are refused"):
        list(read_npz(tmp_path / "o.npy", Source(path="o.npy")))
    np.savez(tmp_path / "d.npz", a=np.zeros((2, 3)))
    with pytest.raises(DataError, match="no array 'x'"):
        list(read_npz(tmp_path / "d.npz", Source(path="d.npz")))


def test_wav_zip_folder_and_manifest(tmp_path, monkeypatch):
    monkeypatch.setenv("SEQKERAS_DATA_ROOT", str(tmp_path))
    a, b = synthetic(seed=1), synthetic(seed=2)
    with zipfile.ZipFile(tmp_path / "r.zip", "w") as z:
        z.writestr("rec/b.wav", b)
        z.writestr("rec/a.wav", a)
        z.writestr("__MACOSX/rec/._a.wav", b"junk")
        z.writestr("rec/notes.txt", "not audio")
    rows = list(read_wav_files(tmp_path / "r.zip", Source(path="r.zip", format="wav")))
    assert [w for w, _ in rows] == ["rec/a.wav", "rec/b.wav"]
    assert rows[0][1]["ref"] == {"path": "r.zip", "member": "rec/a.wav"}
    assert read_ref(rows[0][1]["ref"]) == a

    (tmp_path / "f" / "x").mkdir(parents=True)
    (tmp_path / "f" / "x" / "one.wav").write_bytes(a)
    (_, row), = read_wav_files(tmp_path / "f", Source(path="f", format="wav"))
    assert row["ref"] == {"path": "f/x/one.wav", "member": None} and read_ref(row["ref"]) == a

    (tmp_path / "f" / "list.csv").write_text("path,text\nx/one.wav,hello\nx/gone.wav,bye\n")
    rows = list(read_wav_files(tmp_path / "f" / "list.csv",
                               Source(path="f/list.csv", format="wav")))
    assert rows[0][1]["text"] == "hello" and rows[0][1]["bytes"] == a
    assert isinstance(rows[1][1], RowError) and "audio file not found" in rows[1][1].reason


def test_a_source_without_recordings_is_an_error(tmp_path):
    with zipfile.ZipFile(tmp_path / "e.zip", "w") as z:
        z.writestr("readme.txt", "nothing")
    with pytest.raises(DataError, match="no .wav recordings"):
        list(read_wav_files(tmp_path / "e.zip", Source(path="e.zip", format="wav")))
