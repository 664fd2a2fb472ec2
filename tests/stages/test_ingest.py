"""The ingest stage with the default (text records) reader: the files it writes, splits,
rejects, sampling and labels, on real files."""

from __future__ import annotations

import collections
import gzip
import json
import zipfile

import pytest

from seqkeras.errors import DataError

SPLITS = ("train", "val", "test")


def read_jsonl(path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def splits_of(out) -> dict[str, list[dict]]:
    return {s: read_jsonl(out / f"{s}.jsonl") for s in SPLITS}


def stats_of(out) -> dict:
    return json.loads((out / "stats.json").read_text())


# ------------------------------------------------------------- split handling
def test_split_column_is_mapped_through_default_split_values(data_root, write_spec, run_ingest):
    (data_root / "s.csv").write_text(
        "text,label,split\n"
        "a one,pos,train\nb two,neg,train\nc three,pos,dev\n"
        "d four,neg,validation\ne five,pos,test\nf six,neg,val\n")
    summary, out = run_ingest(write_spec(
        "data:\n  sources:\n    - {path: s.csv, split_field: split}\n"))
    rows = splits_of(out)
    assert [r["text"] for r in rows["train"]] == ["a one", "b two"]
    assert [r["text"] for r in rows["val"]] == ["c three", "d four", "f six"]
    assert rows["test"] == [{"text": "e five", "label": "pos"}]
    assert summary == {"records": {"train": 2, "val": 3, "test": 1}, "rejected": 0}


def test_custom_split_values_and_drop(data_root, write_spec, run_ingest):
    (data_root / "s.csv").write_text(
        "text,label,split\na,pos,train\nb,neg,train\nc,pos,heldout\nd,neg,junk\n")
    summary, out = run_ingest(write_spec(
        "data:\n  sources:\n    - {path: s.csv, split_field: split}\n"
        "  split_values: {train: train, heldout: test, junk: drop}\n"))
    assert summary["records"] == {"train": 2, "val": 0, "test": 1}
    assert summary["rejected"] == 0  # dropped on purpose, not rejected
    assert "d" not in [r["text"] for rows in splits_of(out).values() for r in rows]


def test_unknown_split_value_is_rejected(data_root, write_spec, run_ingest):
    (data_root / "s.csv").write_text("text,label,split\na,pos,train\nb,neg,holdout\n")
    summary, out = run_ingest(write_spec(
        "data:\n  sources:\n    - {path: s.csv, split_field: split}\n"))
    rejects = read_jsonl(out / "rejects.jsonl")
    assert len(rejects) == 1 and rejects[0]["line"] == 3
    assert rejects[0]["reason"].startswith("unknown split value 'holdout'")
    assert summary["records"]["train"] == 1 and summary["rejected"] == 1


def test_hash_split_is_deterministic_and_seeded(data_root, write_spec, run_ingest):
    texts = [f"review number {i}" for i in range(200)]
    (data_root / "t.csv").write_text("text,label\n" + "".join(f"{t},x\n" for t in texts))
    body = "data:\n  sources: [{path: t.csv}]\n  split: {val: 0.2, test: 0.2}\n"
    _, out1 = run_ingest(write_spec("seed: 1\n" + body, name="a"))
    _, out2 = run_ingest(write_spec("seed: 1\n" + body, name="b"))
    _, out3 = run_ingest(write_spec("seed: 2\n" + body, name="c"))
    first, again, reseeded = splits_of(out1), splits_of(out2), splits_of(out3)
    assert first == again
    assert sum(len(first[s]) for s in SPLITS) == 200
    # 200 records at 20% each: 40 expected, far outside 20..60 would mean wrong thresholds
    assert 20 <= len(first["val"]) <= 60 and 20 <= len(first["test"]) <= 60
    assert 80 <= len(first["train"]) <= 160
    assert {r["text"] for r in first["test"]} != {r["text"] for r in reseeded["test"]}


def test_hash_split_keeps_duplicates_together(data_root, write_spec, run_ingest):
    lines = [f"text {i},{label}\n" for i in range(40) for label in ("pos", "neg", "pos")]
    (data_root / "d.csv").write_text("text,label\n" + "".join(lines))
    _, out = run_ingest(write_spec(
        "data:\n  sources: [{path: d.csv}]\n  split: {val: 0.3, test: 0.3}\n"))
    where = collections.defaultdict(set)
    for split, rows in splits_of(out).items():
        for r in rows:
            where[r["text"]].add(split)
    assert len(where) == 40
    assert all(len(s) == 1 for s in where.values())
    assert set().union(*where.values()) == set(SPLITS)  # the check is not vacuous


# ------------------------------------------------------------------- rejects
def test_rejects_are_written_with_file_line_and_reason(data_root, write_spec, run_ingest):
    (data_root / "r.csv").write_text(
        "text,label\n"          # 1
        "good one,pos\n"        # 2
        "bad,row,extra\n"       # 3 wrong field count
        '"   ",neg\n'           # 4 empty text
        "no label here,\n"      # 5 empty label
        "fine two,neg\n")       # 6
    (data_root / "r.jsonl").write_text(
        '{"text": "json ok", "label": "pos"}\n'   # 1
        "{broken\n"                              # 2 invalid JSON
        '{"label": "neg"}\n')                    # 3 no text field
    summary, out = run_ingest(write_spec(
        "data:\n  sources:\n    - {path: r.csv, split: train}\n"
        "    - {path: r.jsonl, split: train}\n"))
    rejects = read_jsonl(out / "rejects.jsonl")
    found = [(r["file"].rsplit("/", 1)[-1], r["line"], r["reason"]) for r in rejects]
    assert found[:3] == [("r.csv", 3, "expected 2 fields, found 3"), ("r.csv", 4, "empty text"),
                         ("r.csv", 5, "empty label")]
    assert found[3][:2] == ("r.jsonl", 2) and found[3][2].startswith("invalid JSON")
    assert found[4] == ("r.jsonl", 3, "missing field 'text'")
    assert all("raw" in r for r in rejects)
    assert rejects[0]["file"] == str((data_root / "r.csv").resolve())

    stats = stats_of(out)
    assert stats["rows_read"] == 8 and stats["rejected"] == 5 == summary["rejected"]
    reasons = stats["reject_reasons"]
    assert reasons["expected 2 fields, found 3"] == 1 and reasons["empty text"] == 1
    assert reasons["empty label"] == 1 and reasons["missing field 'text'"] == 1
    assert sum(reasons.values()) == 5
    assert [r["text"] for r in splits_of(out)["train"]] == ["good one", "fine two", "json ok"]


def test_text_longer_than_max_chars_is_rejected(data_root, write_spec, run_ingest):
    (data_root / "m.csv").write_text("text,label\nshort,a\n" + "x" * 30 + ",b\n")
    summary, out = run_ingest(write_spec(
        "data:\n  sources: [{path: m.csv, split: train}]\n  max_chars: 20\n"))
    assert summary["records"]["train"] == 1
    assert "data.max_chars" in read_jsonl(out / "rejects.jsonl")[0]["reason"]


def test_text_is_stripped_and_empty_text_rejected(data_root, write_spec, run_ingest):
    (data_root / "e.tsv").write_text("label\ttext\npos\t  padded  \nneg\t   \n")
    summary, out = run_ingest(write_spec("data:\n  sources: [{path: e.tsv, split: train}]\n"))
    assert splits_of(out)["train"] == [{"text": "padded", "label": "pos"}]
    assert [r["reason"] for r in read_jsonl(out / "rejects.jsonl")] == ["empty text"]


# ------------------------------------------------------------ sampling & labels
def test_max_records_per_split_samples_across_a_sorted_file(data_root, write_spec, run_ingest):
    rows = [f"negative review {i},neg\n" for i in range(100)] + \
           [f"positive review {i},pos\n" for i in range(100)]
    (data_root / "sorted.csv").write_text("text,label\n" + "".join(rows))
    summary, out = run_ingest(write_spec(
        "data:\n  sources: [{path: sorted.csv, split: train}]\n  max_records_per_split: 20\n"))
    train = splits_of(out)["train"]
    assert len(train) == 20 == summary["records"]["train"]
    assert {r["label"] for r in train} == {"neg", "pos"}  # not just the first 20 rows
    order = [int(r["text"].split()[-1]) + (100 if r["label"] == "pos" else 0) for r in train]
    assert order == sorted(order) and len(set(order)) == 20  # file order kept, no repeats
    assert stats_of(out)["splits"]["train"]["records"] == 20


def test_max_records_per_split_leaves_small_splits_alone(data_root, write_spec, run_ingest):
    (data_root / "s.csv").write_text("text,label\na,x\nb,y\nc,x\n")
    summary, _ = run_ingest(write_spec(
        "data:\n  sources: [{path: s.csv, split: train}]\n  max_records_per_split: 3\n"))
    assert summary["records"]["train"] == 3


def test_constant_label_per_source(data_root, write_spec, run_ingest):
    (data_root / "pos.txt").write_text("great film\nloved it\n")
    (data_root / "neg.txt").write_text("dull\n\nawful acting\n")
    summary, out = run_ingest(write_spec(
        "data:\n  sources:\n"
        "    - {path: pos.txt, label: pos, split: train}\n"
        "    - {path: neg.txt, label: neg, split: train}\n"))
    assert splits_of(out)["train"] == [
        {"text": "great film", "label": "pos"}, {"text": "loved it", "label": "pos"},
        {"text": "dull", "label": "neg"}, {"text": "awful acting", "label": "neg"}]
    assert stats_of(out)["splits"]["train"]["labels"] == {"pos": 2, "neg": 2}


def test_columns_format_by_index(data_root, write_spec, run_ingest):
    (data_root / "names.dat").write_text("MARY 2.629 1\nLINDA   1.035 2\n")
    _, out = run_ingest(write_spec(
        "data:\n  sources:\n"
        "    - {path: names.dat, format: columns, text_field: 0, label_field: 2,"
        " split: train}\n"))
    assert splits_of(out)["train"] == [{"text": "MARY", "label": "1"},
                                       {"text": "LINDA", "label": "2"}]


def test_no_label_field_gives_unlabelled_records(data_root, write_spec, run_ingest):
    (data_root / "u.jsonl").write_text('{"text": "just text"}\n')
    _, out = run_ingest(write_spec(
        "topology: generation\n"
        "data:\n  sources: [{path: u.jsonl, label_field: null, split: train}]\n"))
    assert splits_of(out)["train"] == [{"text": "just text"}]


def test_stats_match_written_splits(data_root, write_spec, run_ingest):
    (data_root / "s.csv").write_text(
        "text,label,split\none two three,a,train\nfour,b,train\nfive six,a,test\n")
    _, out = run_ingest(write_spec("data:\n  sources: [{path: s.csv, split_field: split}]\n"))
    stats = stats_of(out)["splits"]
    assert stats["train"]["records"] == 2 and stats["train"]["labels"] == {"a": 1, "b": 1}
    assert stats["train"]["words"]["max"] == 3 and stats["train"]["words"]["min"] == 1
    assert stats["val"] == {"records": 0, "labels": {}, "tags": {}, "chars": {}, "words": {}}
    assert stats["test"]["chars"]["max"] == len("five six")
    assert (out / "lengths.png").stat().st_size > 0


# ------------------------------------------------------------ compressed sources
def test_gzip_source_with_auto_format(data_root, write_spec, run_ingest):
    with gzip.open(data_root / "g.csv.gz", "wt") as f:
        f.write("text,label\nzipped text,pos\n")
    _, out = run_ingest(write_spec("data:\n  sources: [{path: g.csv.gz, split: train}]\n"))
    assert splits_of(out)["train"] == [{"text": "zipped text", "label": "pos"}]


def test_zip_source_with_member(data_root, write_spec, run_ingest):
    with zipfile.ZipFile(data_root / "z.zip", "w") as z:
        z.writestr("inner/data.tsv", "text\tlabel\nfrom zip\tpos\n")
        z.writestr("inner/notes.txt", "not data\n")
    _, out = run_ingest(write_spec(
        "data:\n  sources: [{path: z.zip, member: inner/data.tsv, split: train}]\n"))
    assert splits_of(out)["train"] == [{"text": "from zip", "label": "pos"}]


def test_zip_source_with_auto_member_and_auto_format(data_root, write_spec, run_ingest):
    with zipfile.ZipFile(data_root / "data.zip", "w") as z:
        z.writestr("inner/data.csv", "text,label\nfrom zip,pos\n")
        z.writestr("README.md", "about\n")
    _, out = run_ingest(write_spec("data:\n  sources: [{path: data.zip, split: train}]\n"))
    assert splits_of(out)["train"] == [{"text": "from zip", "label": "pos"}]


# -------------------------------------------------------------------- failures
def test_source_removed_after_validation_names_its_index(data_root, write_spec, run_ingest):
    from seqkeras.spec import load_spec

    (data_root / "a.csv").write_text("text,label\nx,y\n")
    (data_root / "b.csv").write_text("text,label\nx,y\n")
    spec = load_spec(write_spec("data:\n  sources: [{path: a.csv}, {path: b.csv}]\n"))
    (data_root / "b.csv").unlink()
    with pytest.raises(DataError, match=r"data\.sources\[1\]\.path: file not found"):
        run_ingest(spec)


def test_no_training_records_is_a_data_error(data_root, write_spec, run_ingest):
    (data_root / "s.csv").write_text("text,label,split\na,x,nonsense\nb,y,nonsense\n")
    with pytest.raises(DataError, match=r"no training records.*2 rejected"):
        run_ingest(write_spec("data:\n  sources: [{path: s.csv, split_field: split}]\n"))


def test_no_training_records_error_says_why(data_root, write_spec, run_ingest):
    (data_root / "s.csv").write_text("text,label,split\na,x,nonsense\nb,y,nonsense\n")
    with pytest.raises(DataError) as info:
        run_ingest(write_spec("data:\n  sources: [{path: s.csv, split_field: split}]\n"))
    assert "unknown split value" in str(info.value)


def test_constant_split_does_not_depend_on_split_values(data_root, write_spec, run_ingest):
    (data_root / "a.csv").write_text("text,label\nhello,a\nbye,b\n")
    summary, _ = run_ingest(write_spec(
        "data:\n  sources: [{path: a.csv, split: train}]\n  split_values: {dev: val}\n"))
    assert summary == {"records": {"train": 2, "val": 0, "test": 0}, "rejected": 0}


# ------------------------------------------------------------------- real data
def test_real_sms_spam_tsv(shared_data, monkeypatch, write_spec, run_ingest):
    if not (shared_data / "sms_spam" / "sms.tsv").exists():
        pytest.skip("sms_spam/sms.tsv missing")
    monkeypatch.setenv("SEQKERAS_DATA_ROOT", str(shared_data))
    summary, out = run_ingest(write_spec(
        "data:\n  sources:\n    - {path: sms_spam/sms.tsv, format: tsv, header: false,"
        " text_field: 1, label_field: 0}\n  split: {val: 0.1, test: 0.2}\n"))
    stats = stats_of(out)
    total = sum(summary["records"].values())
    assert stats["rows_read"] == total + summary["rejected"]
    assert summary["rejected"] < 10
    for split in SPLITS:
        labels = stats["splits"][split]["labels"]
        assert set(labels) == {"ham", "spam"}
        assert 0.05 < labels["spam"] / sum(labels.values()) < 0.25  # ~13% spam overall
    assert 0.15 < summary["records"]["test"] / total < 0.25


def test_conll_source_gives_token_and_tag_records(data_root, write_spec, run_ingest):
    (data_root / "ner.txt").write_text("-DOCSTART- O\n\nRand I-PER\nis O\n\nPerrin I-PER\n")
    summary, out = run_ingest(write_spec(
        "topology: many_to_many\n"
        "data:\n  sources: [{path: ner.txt, format: conll, text_field: 0, label_field: -1,"
        " split: train}]\n  tag_scheme: iob2\n"))
    assert splits_of(out)["train"] == [{"tokens": ["Rand", "is"], "tags": ["B-PER", "O"]},
                                       {"tokens": ["Perrin"], "tags": ["B-PER"]}]
    assert stats_of(out)["splits"]["train"]["tags"] == {"B-PER": 2, "O": 1}


def test_target_field_gives_pairs_and_empty_targets_are_rejected(data_root, write_spec, run_ingest):
    (data_root / "pairs.tsv").write_text("Go.\tVa !\tCC-BY 2.0\nHi.\t  \tCC-BY 2.0\n"
                                         "Run!\tCours !\tCC-BY 2.0\n")
    summary, out = run_ingest(write_spec(
        "topology: seq2seq\n"
        "data:\n  sources:\n    - {path: pairs.tsv, header: false, text_field: 0,"
        " target_field: 1, label_field: null, split: train}\n"))
    assert splits_of(out)["train"] == [{"text": "Go.", "target": "Va !"},
                                       {"text": "Run!", "target": "Cours !"}]
    (reject,) = read_jsonl(out / "rejects.jsonl")
    assert reject["reason"] == "empty target" and reject["line"] == 2


# ------------------------------------------------------ the stage is the one writer
def test_the_stage_writes_and_tracks_exactly_what_the_reader_returned(data_root, write_spec,
                                                                     tmp_path):
    import logging

    from seqkeras.ingest.records import read_records
    from seqkeras.spec import load_spec
    from seqkeras.stages import StageContext, ingest
    from seqkeras.tracking import Tracker

    class Recorder(Tracker):
        def __init__(self):
            super().__init__(enabled=False)
            self.calls = []

        def log_metrics(self, metrics, step=None):
            self.calls.append(("metrics", metrics))

        def log_artifact(self, path, artifact_path=None):
            self.calls.append(("artifact", path.name, artifact_path))

    (data_root / "s.csv").write_text("text,label\n" + "".join(
        f"text number {i},{'ab'[i % 2]}\n" for i in range(30)) + ",a\n")
    spec = load_spec(write_spec("data:\n  sources: [{path: s.csv}]\n"))
    log = logging.getLogger("seqkeras.tests")
    expected = read_records(spec, log)
    out = tmp_path / "out"
    out.mkdir()
    tracker = Recorder()
    summary = ingest.run(StageContext(spec=spec, spec_path=tmp_path / "p.yaml",
                                      workdir=tmp_path, out=out, tracker=tracker, log=log))
    assert summary == expected.summary
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["train.jsonl", "val.jsonl", "test.jsonl", "rejects.jsonl", "stats.json", "lengths.png"])
    assert splits_of(out) == expected.records
    assert read_jsonl(out / "rejects.jsonl") == expected.rejects
    assert stats_of(out) == json.loads(json.dumps(expected.stats))
    assert tracker.calls == [("metrics", expected.metrics),
                             ("artifact", "stats.json", "ingest"),
                             ("artifact", "lengths.png", "ingest"),
                             ("artifact", "rejects.jsonl", "ingest")]


def test_lists_of_numbers_given_to_a_text_tokenizer_are_rejected(data_root, write_spec,
                                                                 run_ingest):
    from seqkeras.spec import load_spec

    (data_root / "n.jsonl").write_text('{"text": [1.05, 2.0], "label": "a"}\n'
                                       '{"text": "real text", "label": "b"}\n'
                                       '{"text": "[3, [4, 5]]", "label": "a"}\n'
                                       '{"text": "[see above]", "label": "a"}\n')
    # validate refuses this file (its first rows); ingest is the last line of defence
    spec = load_spec(write_spec("data:\n  sources: [{path: n.jsonl, split: train}]\n"),
                     check_files=False)
    summary, out = run_ingest(spec)
    assert [r["text"] for r in splits_of(out)["train"]] == ["real text", "[see above]"]
    rejects = read_jsonl(out / "rejects.jsonl")
    assert [r["line"] for r in rejects] == [1, 3]
    assert all("holds a list of numbers" in r["reason"] for r in rejects)
