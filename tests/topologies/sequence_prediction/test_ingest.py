"""sequence_prediction ingest through the ingest stage: split by time without leakage,
missing-value policies, rejects, time columns (series.py, time_split.py, ingest.py)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pydantic
import pytest

from seqkeras.errors import DataError
from seqkeras.spec import PipelineSpec
from seqkeras.topologies.sequence_prediction.time_split import scored
from seqkeras.topologies.sequence_prediction.topology import SequencePrediction
from tests.topologies.sequence_prediction.helpers import hourly, read_jsonl, series_spec


def write_split_csv(root, n=100):
    """y = i, x = (i * i) % 7, cat cycles a, b; the test span also has an unseen 'c'."""
    times = hourly(n)
    lines = ["ts,y,x,cat"]
    for i, t in enumerate(times):
        cat = "c" if i >= 95 else "ab"[i % 2]
        lines.append(f"{t},{i},{(i * i) % 7},{cat}")
    (root / "s.csv").write_text("\n".join(lines) + "\n")
    return times


def test_time_split_has_no_leakage_and_train_only_statistics(data_root, run_ingest, tmp_path):
    times = write_split_csv(data_root)
    spec = series_spec("s.csv", features=["x", "cat"], categorical=["cat"], lookback=3,
                       horizon=2, split={"val": 0.2, "test": 0.1})
    summary, out = run_ingest(spec)
    splits = {s: read_jsonl(out / f"{s}.jsonl") for s in ("train", "val", "test")}
    own = {s: scored(r) for s, r in splits.items()}
    # 100 steps: test 10, val 20, train 70, in time order
    assert summary["records"] == {"train": 70, "val": 20, "test": 10}
    assert [r["time"] for r in own["train"]] == [pd.Timestamp(t).isoformat() for t in times[:70]]
    assert max(r["time"] for r in own["train"]) < min(r["time"] for r in own["val"])
    assert max(r["time"] for r in own["val"]) < min(r["time"] for r in own["test"])
    # val/test start with flagged history rows (lookback 3) from just before their span
    assert [r["values"]["y"] for r in splits["val"] if r.get("context")] == [67.0, 68.0, 69.0]
    assert [r["values"]["y"] for r in splits["test"] if r.get("context")] == [87.0, 88.0, 89.0]
    assert summary["windows"] == {"train": 70 - 3 - 2 + 1, "val": 20 - 2 + 1, "test": 10 - 2 + 1}

    # normalization statistics = the train span's, computed here from the raw file
    raw = pd.read_csv(data_root / "s.csv")[:70]
    prep_dir = tmp_path / "prep"
    prep_dir.mkdir()
    topology = SequencePrediction()
    topology.fit_preprocessor(spec, splits["train"], prep_dir)
    prep = topology.load_preprocessor(spec, prep_dir)
    assert prep.numeric == ["y", "x"] and prep.categorical == ["cat"]
    np.testing.assert_allclose(prep.mean, [raw.y.mean(), raw.x.mean()])
    np.testing.assert_allclose(prep.std, [raw.y.std(ddof=0), raw.x.std(ddof=0)])
    stats = json.loads((out / "stats.json").read_text())
    assert stats["train_normalization"]["y"]["mean"] == pytest.approx(raw.y.mean())
    # categories from train only: 'c' (test span only) is unknown
    assert prep.categories == {"cat": ["a", "b"]}
    assert prep.n_features == 2 + 2

    # changing the val/test spans changes nothing the model learns from
    lines = (data_root / "s.csv").read_text().splitlines()
    lines[71:] = [f"{t},{1000 + 50 * i},{-i},zz" for i, t in enumerate(times[70:])]
    (data_root / "s.csv").write_text("\n".join(lines) + "\n")
    _, out2 = run_ingest(spec)
    prep_dir2 = tmp_path / "prep2"
    prep_dir2.mkdir()
    topology.fit_preprocessor(spec, read_jsonl(out2 / "train.jsonl"), prep_dir2)
    assert json.loads((prep_dir2 / "series_preprocessor.json").read_text()) == \
        json.loads((prep_dir / "series_preprocessor.json").read_text())


def test_split_too_small_for_a_window_is_an_error(data_root, run_ingest):
    write_split_csv(data_root, n=30)
    with pytest.raises(DataError, match="test span has 3 time step"):
        run_ingest(series_spec("s.csv", lookback=3, horizon=4,
                               split={"val": 0.2, "test": 0.1}))


# ---------------------------------------------------- missing values, rejects
MISSING_CSV = [
    "ts,y,cat",                    # line 1
    "2020-01-01 00:00,1,a",        # 2
    "2020-01-01 01:00,NA,a",       # 3  missing value
    "2020-01-01 02:00,3,b",        # 4
    # 03:00 absent: a missing time step
    "2020-01-01 04:00,5,b",        # 5
    "not a time,6,a",              # 6  reject
    "2020-01-01 05:00,abc,a",      # 7  reject (and 05:00 becomes a missing step)
    "2020-01-01 06:00,7,",         # 8  missing category
    "2020-01-01 06:00,99,a",       # 9  duplicate: reject
    "2020-01-01 07:00,8,a",        # 10
    "2020-01-01 08:00,9,a",
    "2020-01-01 09:00,10,a",
    "2020-01-01 10:00,11,a",
]


@pytest.mark.parametrize("policy, ys, cats, filled, dropped", [
    ("interpolate", [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
     list("aabbbbbaaaa"), {"y": 3, "cat": 3}, 0),
    ("ffill", [1, 1, 3, 3, 5, 5, 7, 8, 9, 10, 11], list("aabbbbbaaaa"), {"y": 3, "cat": 3}, 0),
    ("zero", [1, 0, 3, 0, 5, 0, 7, 8, 9, 10, 11],
     ["a", "a", "b", "", "b", "", "", "a", "a", "a", "a"],
     {"y": 3, "cat": 3}, 0),
    ("drop", [1, 3, 5, 8, 9, 10, 11], list("abbaaaa"), {"y": 0, "cat": 0}, 4),
])
def test_missing_value_policies_fill_and_count(data_root, run_ingest, policy, ys, cats, filled,
                                               dropped):
    (data_root / "m.csv").write_text("\n".join(MISSING_CSV) + "\n")
    spec = series_spec("m.csv", features=["cat"], categorical=["cat"], missing=policy,
                       lookback=2, horizon=1)
    summary, out = run_ingest(spec)
    stats = json.loads((out / "stats.json").read_text())
    missing = stats["missing"]
    assert stats["frequency"] == "h" and stats["frequency_source"] == "inferred"
    assert missing["values_per_column"] == {"y": 1, "cat": 1}
    assert missing["time_steps"] == 2                     # 03:00 and the rejected 05:00
    assert missing["filled_per_column"] == filled
    assert missing["rows_dropped"] == dropped and missing["leading_steps_trimmed"] == 0
    assert summary["missing_time_steps"] == 2 and summary["rejected"] == 3

    rows = read_jsonl(out / "train.jsonl")
    assert [r["values"]["y"] for r in rows] == ys
    assert [r["values"]["cat"] for r in rows] == cats
    if policy == "drop":
        assert [r["step"] for r in rows] == [0, 2, 4, 7, 8, 9, 10]
        assert summary["windows"]["train"] == 2            # 7,8->9 and 8,9->10 only
        assert not any("imputed" in r for r in rows)
    else:
        assert [r["step"] for r in rows] == list(range(11))
        assert rows[1]["imputed"] == ["y"] and rows[3]["imputed"] == ["y", "cat"]
        assert rows[6]["imputed"] == ["cat"] and "imputed" not in rows[0]

    rejects = read_jsonl(out / "rejects.jsonl")
    assert [(r["line"], r["reason"].split(":")[0]) for r in rejects] == [
        (6, "unparseable time"), (7, "not a number in column 'y'"),
        (9, "duplicate timestamp (the first row with it was kept)")]
    assert all(r["file"].endswith("m.csv") for r in rejects)
    assert rejects[1]["raw"] == "2020-01-01 05:00,abc,a"
    assert stats["reject_reasons"] == {"unparseable time": 1, "not a number in column 'y'": 1,
                                       "duplicate timestamp (the first row with it was kept)": 1}


def test_leading_missing_values_are_trimmed_and_counted(data_root, run_ingest):
    lines = ["ts,y"] + [f"{t},{'NA' if i < 2 else i}" for i, t in enumerate(hourly(8))]
    (data_root / "l.csv").write_text("\n".join(lines) + "\n")
    summary, out = run_ingest(series_spec("l.csv", frequency="1h"))
    missing = json.loads((out / "stats.json").read_text())["missing"]
    assert missing["leading_steps_trimmed"] == 2 and missing["values_per_column"] == {"y": 2}
    assert [r["values"]["y"] for r in read_jsonl(out / "train.jsonl")] == [2, 3, 4, 5, 6, 7]


def test_several_time_columns_are_combined_and_sorted(data_root, run_ingest):
    (data_root / "p.csv").write_text(
        "No,year,month,day,hour,pm,cbwd\n"
        "3,2010,1,1,2,30,NW\n1,2010,1,1,0,10,NW\n2,2010,1,1,1,20,SE\n4,2010,13,1,3,40,cv\n"
        "5,2010,1,1,4,50,cv\n")
    spec = PipelineSpec.model_validate({
        "name": "p", "topology": "sequence_prediction",
        "data": {"sources": [{"path": "p.csv"}], "split": {"val": 0, "test": 0},
                 "series": {"time": ["year", "month", "day", "hour"], "frequency": "1h",
                            "targets": ["pm"], "features": ["cbwd"], "categorical": ["cbwd"],
                            "lookback": 1, "horizon": 1}}})
    summary, out = run_ingest(spec)
    rows = read_jsonl(out / "train.jsonl")
    assert [r["time"] for r in rows] == [f"2010-01-01T0{h}:00:00" for h in range(5)]
    assert [r["values"]["pm"] for r in rows] == [10, 20, 30, 40, 50]  # 03:00 interpolated
    rejects = read_jsonl(out / "rejects.jsonl")
    assert [(r["line"], r["reason"]) for r in rejects] == [(5, "unparseable time")]


def test_missing_column_and_categorical_target_are_errors(data_root, run_ingest):
    (data_root / "c.csv").write_text("ts,y\n2020-01-01 00:00,1\n2020-01-01 01:00,2\n")
    with pytest.raises(DataError, match=r"no column\(s\) \['x'\]"):
        run_ingest(series_spec("c.csv", features=["x"]))
    with pytest.raises(pydantic.ValidationError, match="targets must be numeric"):
        series_spec("c.csv", categorical=["y"])  # the schema refuses it before ingest


def test_a_gap_across_the_train_val_boundary_does_not_leak_into_training(data_root,
                                                                        run_ingest):
    """Issue 11's example: y = 0 on days 0-139 and 100 from day 140, days 135-144 missing.
    Interpolating the whole series first put 9.09 ... 45.45 into the last train rows."""
    days = [str(t.date()) for t in pd.date_range("2020-01-01", periods=200, freq="D")]
    lines = ["ts,y"] + [f"{t},{'' if 135 <= i <= 144 else (0 if i < 140 else 100)}"
                        for i, t in enumerate(days)]
    (data_root / "gap.csv").write_text("\n".join(lines) + "\n")
    spec = series_spec("gap.csv", frequency="1D", lookback=5, horizon=1,
                       split={"val": 0.3, "test": 0.0})  # train: days 0-139
    summary, out = run_ingest(spec)
    assert summary["records"]["train"] == 140
    train = read_jsonl(out / "train.jsonl")
    assert [r["values"]["y"] for r in train] == [0.0] * 140
    assert [r["step"] for r in train if r.get("imputed")] == list(range(135, 140))
    # val interpolates its own rows from the last earlier value (0, day 134) up to day
    # 145; its context rows (train's) keep train's values
    val = read_jsonl(out / "val.jsonl")
    assert [r["values"]["y"] for r in val if r.get("context")] == [0.0] * 5
    own = {r["step"]: r["values"]["y"] for r in scored(val)}
    assert own[140] == pytest.approx(100 * 6 / 11) and own[145] == 100.0


def test_timestamps_with_utc_offsets_across_a_dst_change_parse_as_utc(data_root, run_ingest):
    lines = ["ts,y", "2021-03-28T00:00:00+01:00,1", "2021-03-28T01:00:00+01:00,2",
             "2021-03-28T03:00:00+02:00,3", "2021-03-28T04:00:00+02:00,4"]
    (data_root / "dst.csv").write_text("\n".join(lines) + "\n")
    summary, out = run_ingest(series_spec("dst.csv", frequency="1h"))
    rows = read_jsonl(out / "train.jsonl")
    assert summary["rejected"] == 0 and summary["missing_time_steps"] == 0
    assert [r["time"] for r in rows] == ["2021-03-27T23:00:00", "2021-03-28T00:00:00",
                                         "2021-03-28T01:00:00", "2021-03-28T02:00:00"]
    assert [r["values"]["y"] for r in rows] == [1.0, 2.0, 3.0, 4.0]


def test_infinite_and_float32_overflowing_values_are_rejected_rows(data_root, run_ingest):
    # "inf" parses as a number: it used to reach the training normalization (std NaN:
    # every forecast NaN); 1e300 made the std overflow and the served float32 graph
    # would read it as infinity
    lines = ["ts,y"] + [f"{t},{v}" for t, v in zip(hourly(8), ["1", "2", "inf", "4", "-Infinity",
                                                               "6", "1e300", "8"])]
    (data_root / "inf.csv").write_text("\n".join(lines) + "\n")
    summary, out = run_ingest(series_spec("inf.csv", frequency="1h"))
    rejects = read_jsonl(out / "rejects.jsonl")
    assert [(r["line"], r["reason"].split(":")[0]) for r in rejects] == [
        (4, "not a finite float32 number in column 'y'"),
        (6, "not a finite float32 number in column 'y'"),
        (8, "not a finite float32 number in column 'y'")]
    ys = [r["values"]["y"] for r in read_jsonl(out / "train.jsonl")]
    assert np.isfinite(ys).all() and ys[2] == 3.0


def test_no_parseable_timestamp_names_the_first_row_and_time_format(data_root, run_ingest):
    # Unix seconds in the time column: every row was rejected and the error said only
    # "0 row(s) with a valid timestamp (8 rejected); a series needs more"
    lines = ["ts,y"] + [f"{1609459200 + 3600 * i},{i}" for i in range(8)]
    (data_root / "epoch.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"8 rejected.*epoch.csv:2: unparseable time: "
                                        r"'1609459200.*data.series.time_format"):
        run_ingest(series_spec("epoch.csv", frequency="1h"))


def test_calendar_ahead_on_an_inferred_monthly_series_is_an_error(data_root, run_ingest):
    # the calendar of the steps ahead needs a fixed step: it used to be dropped quietly
    months = [str(t.date()) for t in pd.date_range("2000-01-01", periods=40, freq="MS")]
    (data_root / "m.csv").write_text("ts,y\n" + "".join(f"{t},{i}\n"
                                                        for i, t in enumerate(months)))
    with pytest.raises(DataError, match=r"calendar_ahead.*MS.*no fixed length"):
        run_ingest(series_spec("m.csv", calendar_ahead=True))


def test_the_hour_dst_repeats_is_a_reject_that_names_the_time_zone(data_root, run_ingest):
    # two distinct instants with one Berlin wall-clock time: the reason said only
    # "duplicate timestamp", as for a copied row
    lines = ["ts,y", "2021-10-31T01:00:00+02:00,1", "2021-10-31T02:00:00+02:00,2",
             "2021-10-31T02:00:00+01:00,3", "2021-10-31T03:00:00+01:00,4",
             "2021-10-31T03:00:00+01:00,5"]
    (data_root / "fall.csv").write_text("\n".join(lines) + "\n")
    _, out = run_ingest(series_spec("fall.csv", frequency="1h", time_zone="Europe/Berlin"))
    reasons = [(r["line"], r["reason"]) for r in read_jsonl(out / "rejects.jsonl")]
    assert reasons[0][0] == 4 and reasons[0][1].startswith(
        "repeated local time at a DST change in Europe/Berlin")
    assert reasons[1] == (6, "duplicate timestamp (the first row with it was kept)")


def test_a_column_with_no_value_is_named(data_root, run_ingest):
    # the error said only "no time step is left after handling missing values"
    lines = ["ts,y,x"] + [f"{t},{i}," for i, t in enumerate(hourly(6))]
    (data_root / "nox.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(DataError, match=r"column\(s\) \['x'\] have no value"):
        run_ingest(series_spec("nox.csv", frequency="1h", features=["x"]))
