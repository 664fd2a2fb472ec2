"""Ingest of measurements: recordings checked one by one (bad audio is a counted reject
with its file and reason), numeric sequences checked, splits from the source's rules."""

from __future__ import annotations

import json
import zipfile

from seqkeras.spec import load_spec
from tests.audio.wav_cases import bad_files, fsdd_members

AUDIO_SPEC = """
name: digits_tiny
topology: many_to_one
input: {kind: audio, sample_rate: 8000}
data:
  sources:
    - path: tiny.zip
      format: wav
      name_pattern: '^(?P<label>\\w+?)_(?P<speaker>[a-z]+)_(?P<index>\\d+)\\.wav$'
      split_patterns: {test: '_[0-4]\\.wav$'}
  split: {val: 0.2, test: 0.0}
"""


def write_zip(root, members: dict) -> None:
    with zipfile.ZipFile(root / "tiny.zip", "w") as z:
        for name, data in members.items():
            z.writestr(f"recordings/{name}", data)


def test_bad_audio_is_rejected_per_file_and_counted(data_root, write_spec, run_ingest):
    good = dict(fsdd_members(4, index="1") + fsdd_members(2, index="7"))
    good = {name.split("/")[-1]: data for name, data in good.items()}
    bad = bad_files(next(iter(good.values())))
    write_zip(data_root, {**good, **{f"{n[:-4]}_x_9.wav": d for n, (d, _) in bad.items()}})
    summary, out = run_ingest(write_spec(AUDIO_SPEC))

    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    assert len(rejects) == len(bad) == summary["rejected"]
    for reject in rejects:
        name = reject["line"].split("/")[-1]
        phrase = bad[name.replace("_x_9.wav", ".wav")][1]
        assert phrase in reject["reason"], (name, reject["reason"])
        assert reject["file"].endswith("tiny.zip")
    stats = json.loads((out / "stats.json").read_text())
    assert stats["rejected"] == len(bad) and sum(stats["reject_reasons"].values()) == len(bad)

    train = [json.loads(x) for x in (out / "train.jsonl").read_text().splitlines()]
    val = (out / "val.jsonl").read_text().splitlines()
    test = [json.loads(x) for x in (out / "test.jsonl").read_text().splitlines()]
    assert len(test) == 4 and len(train) + len(val) == 2      # index 0-4: official test
    assert all(r["name"].endswith("_1.wav") for r in test)
    first = test[0]
    assert first["audio"] == [{"path": "tiny.zip", "member": f"recordings/{first['name']}"}]
    assert first["label"] == first["name"][0] and first["speaker"] in first["name"]
    assert 0 < first["seconds"] < 3 and "bytes" not in first


def test_a_name_pattern_that_matches_nothing_fails_validation(data_root, write_spec):
    write_zip(data_root, {"0_x_1.wav": fsdd_members(1)[0][1]})
    path = write_spec(AUDIO_SPEC.replace(r"\d+)\.wav$'", r"\d+)\.flac$'"))
    import pytest

    from seqkeras.errors import SpecError

    with pytest.raises(SpecError, match="name_pattern: none of the first 1 items"):
        load_spec(path)


def test_numeric_jsonl_sequences_are_checked(data_root, write_spec, run_ingest):
    rows = [{"x": [[1, 2], [3, 4]], "label": "a"}, {"x": [[1, 2], [3, None]], "label": "b"},
            {"x": [[1, 2, 3]], "label": "a"}, {"x": [], "label": "b"},
            {"x": [0.5, 0.25, 0.125], "label": "b"}, {"label": "a"}]
    (data_root / "seq.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    spec = write_spec("""
        input: {kind: numeric}
        data:
          sources: [{path: seq.jsonl, format: jsonl, sequence_field: x, split: train}]
        """)
    summary, out = run_ingest(spec)
    reasons = [json.loads(x)["reason"] for x in (out / "rejects.jsonl").read_text().splitlines()]
    assert len(reasons) == 5
    assert "non-finite value: at step 1, feature 1" in reasons[0]
    assert "wrong number of features: 3 a step, the sequences before have 2" in reasons[1]
    assert "empty sequence" in reasons[2]
    assert "features: 1 a step" in reasons[3]          # [T] is one feature a step
    assert "missing field 'x'" in reasons[4]
    train = [json.loads(x) for x in (out / "train.jsonl").read_text().splitlines()]
    assert train == [{"sequence": [[1.0, 2.0], [3.0, 4.0]], "label": "a"}]
