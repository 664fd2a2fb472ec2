"""seqkeras.ingest.records: the default reader returns records, rejects and statistics in
memory and writes nothing (the ingest stage writes them: tests/stages/test_ingest.py)."""

from __future__ import annotations

import logging

import pytest

from seqkeras.errors import DataError
from seqkeras.ingest.records import read_records, record_text, to_iob2
from seqkeras.ingest.result import IngestResult
from seqkeras.spec import load_spec

LOG = logging.getLogger("seqkeras.tests")


def test_iob1_to_iob2():
    # IOB1: I- opens an entity unless it follows the same type; B- only splits neighbours
    assert to_iob2(["I-PER", "I-PER", "O", "I-LOC", "B-LOC", "I-ORG"]) == \
        ["B-PER", "I-PER", "O", "B-LOC", "B-LOC", "B-ORG"]
    assert to_iob2(["B-PER", "I-PER"]) == ["B-PER", "I-PER"]  # IOB2 stays as it is


def test_read_records_returns_everything_and_writes_nothing(data_root, write_spec, tmp_path):
    (data_root / "s.csv").write_text("text,label,split\nhello there,pos,train\n"
                                     ",neg,train\nnot good,neg,test\n")
    spec = load_spec(write_spec("data:\n  sources:\n    - {path: s.csv, split_field: split}\n"))
    before = sorted(p.name for p in tmp_path.rglob("*"))
    result = read_records(spec, LOG)
    assert sorted(p.name for p in tmp_path.rglob("*")) == before
    assert isinstance(result, IngestResult)
    assert result.records == {"train": [{"text": "hello there", "label": "pos"}], "val": [],
                              "test": [{"text": "not good", "label": "neg"}]}
    assert result.rejects == [{"file": str(data_root / "s.csv"), "line": 3,
                               "reason": "empty text", "raw": result.rejects[0]["raw"]}]
    assert result.stats["rows_read"] == 3 and result.stats["reject_reasons"] == {"empty text": 1}
    assert result.stats["splits"]["train"]["words"]["max"] == 2
    assert result.metrics == {"ingest_train_records": 1, "ingest_val_records": 0,
                              "ingest_test_records": 1, "ingest_rejected_rows": 1}
    assert result.summary == {"records": {"train": 1, "val": 0, "test": 1}, "rejected": 1}
    assert list(result.plots) == ["lengths.png"]
    assert result.split_line == "train 1, val 0, test 1"


def test_no_training_record_is_an_error(data_root, write_spec):
    (data_root / "s.csv").write_text("text,label\n,pos\n")
    spec = load_spec(write_spec("data:\n  sources: [{path: s.csv, split: train}]\n"))
    with pytest.raises(DataError, match="no training records"):
        read_records(spec, LOG)


def test_record_text():
    assert record_text({"text": "a b"}) == "a b"
    assert record_text({"tokens": ["a", "b"], "tags": ["O", "O"]}) == "a b"


def test_result_needs_the_three_splits():
    with pytest.raises(ValueError, match="exactly the splits"):
        IngestResult(records={"train": []}, rejects=[], stats={}, metrics={}, summary={})


def test_a_share_that_gets_no_records_is_a_warning_naming_the_cause(data_root, write_spec,
                                                                    caplog):
    # 30 copies of one text hash into one split: val and test came out empty, training
    # logged test_loss nan and the export failed with "no records to build example
    # requests from"
    (data_root / "same.csv").write_text("text,label\n" + "a,x\na,y\n" * 15)
    spec = load_spec(write_spec("data:\n  sources:\n    - {path: same.csv}\n"
                                "  split: {val: 0.2, test: 0.2}\n"))
    with caplog.at_level(logging.WARNING, logger=LOG.name):
        result = read_records(spec, LOG)
    assert result.summary["records"] == {"train": 30, "val": 0, "test": 0}
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2 and "the val split is empty although data.split.val is 0.2" \
        in warnings[0] and "1 distinct text(s)" in warnings[0]


def test_a_default_label_field_is_optional_where_the_topology_needs_no_label(data_root,
                                                                            write_spec):
    """generation / seq2seq: label_field left at its default reads a label only where a
    row has one (no `label_field: null` boilerplate); many_to_one still requires it."""
    (data_root / "names.txt").write_text("emma\nava\nkai\n")
    spec = load_spec(write_spec("topology: generation\ndata:\n  sources:\n"
                                "    - {path: names.txt, split: train}\n"))
    records = read_records(spec, LOG).records["train"]
    assert records == [{"text": "emma"}, {"text": "ava"}, {"text": "kai"}]
    (data_root / "pairs.jsonl").write_text('{"text": "hi", "target": "salut"}\n'
                                           '{"text": "yes", "target": "oui", "label": "x"}\n')
    spec = load_spec(write_spec("topology: seq2seq\ndata:\n  sources:\n"
                                "    - {path: pairs.jsonl, target_field: target, split: train}\n"))
    assert read_records(spec, LOG).records["train"] == [
        {"text": "hi", "target": "salut"}, {"text": "yes", "target": "oui", "label": "x"}]
    from seqkeras.errors import SpecError
    with pytest.raises(SpecError, match="'label' is in none of the first 3 rows"):
        load_spec(write_spec("data:\n  sources:\n    - {path: names.txt, split: train}\n"))


def test_a_conll_source_reads_the_first_and_last_columns_by_default(data_root, write_spec):
    (data_root / "t.conll").write_text("EU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\n"
                                       "Peter NNP B-NP B-PER\n")
    spec = load_spec(write_spec("topology: many_to_many\ndata:\n  sources:\n"
                                "    - {path: t.conll, format: conll, split: train}\n"))
    assert (spec.data.sources[0].text_field, spec.data.sources[0].label_field) == (0, -1)
    assert read_records(spec, LOG).records["train"] == [
        {"tokens": ["EU", "rejects"], "tags": ["B-ORG", "O"]},
        {"tokens": ["Peter"], "tags": ["B-PER"]}]
    spec = load_spec(write_spec("topology: many_to_many\ndata:\n  sources:\n"
                                "    - {path: t.conll, format: conll, label_field: 1, "
                                "split: train}\n"))
    assert read_records(spec, LOG).records["train"][0]["tags"] == ["NNP", "VBZ"]


def test_a_reject_keeps_the_row_unless_the_row_was_too_long(data_root, write_spec):
    long_text = "word " * 60  # 300 characters
    (data_root / "s.csv").write_text(f"text,label\n{long_text},\nshort,pos\nok,neg\n")
    spec = load_spec(write_spec("data:\n  max_chars: 100\n"
                                "  sources: [{path: s.csv, split: train}]\n"))
    result = read_records(spec, LOG)
    assert result.rejects[0]["reason"] == "text longer than data.max_chars (100)"
    assert len(result.rejects[0]["raw"]) == 200
    spec = load_spec(write_spec("data:\n  sources: [{path: s.csv, split: train}]\n"))
    result = read_records(spec, LOG)
    assert result.rejects[0]["reason"] == "empty label"
    assert long_text.strip() in result.rejects[0]["raw"]
