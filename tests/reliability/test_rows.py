"""Hostile data files through the real ingest stage: every row kept or rejected, never
merged, changed or dropped silently (kept + rejected = rows read)."""

from __future__ import annotations

import gzip
import json
import random

import pytest

from benchmarks.reliability_cases import row_file
from seqkeras.errors import DataError
from seqkeras.spec import PipelineSpec


def spec_for(source: dict, name: str = "rows") -> PipelineSpec:
    return PipelineSpec.model_validate({"name": name, "data": {
        "sources": [source], "split": {"val": 0.1, "test": 0.1}}})


def accounting(out) -> tuple[int, int, int, list]:
    stats = json.loads((out / "stats.json").read_text())
    kept = sum(s["records"] for s in stats["splits"].values())
    rejects = [json.loads(line) for line in (out / "rejects.jsonl").read_text().splitlines()]
    return kept, stats["rejected"], stats["rows_read"], rejects


def test_an_unclosed_quote_rejects_its_line_and_keeps_the_rows_after_it(data_root, run_ingest):
    # the file: 10 good rows, an unclosed quote, 20 good rows
    body = ("text,label\n" + "".join(f"first {i},pos\n" for i in range(10))
            + '"unclosed quote starts here,pos\n'
            + "".join(f"second {i},neg\n" for i in range(20)))
    (data_root / "q.csv").write_text(body, encoding="utf-8")
    _, out = run_ingest(spec_for({"path": "q.csv"}))
    kept, rejected, read, rejects = accounting(out)
    assert (kept, rejected, read) == (30, 1, 31)
    assert rejects[0]["line"] == 12 and rejects[0]["reason"].startswith("unclosed quote")
    texts = [json.loads(line)["text"] for s in ("train", "val", "test")
             for line in (out / f"{s}.jsonl").read_text().splitlines()]
    assert max(len(t) for t in texts) < 20  # nothing was merged into a neighbour


def test_a_quoted_field_may_still_span_lines(data_root, run_ingest):
    (data_root / "m.csv").write_text('text,label\n"one\ntwo, three",pos\nfour,neg\n')
    _, out = run_ingest(spec_for({"path": "m.csv"}))
    assert accounting(out)[:3] == (2, 0, 2)


@pytest.mark.parametrize("name, body", [
    ("b.csv", "\ufefftext,label\nhello,pos\nbye,neg\n"),
    ("b.tsv", "\ufefftext\tlabel\nhello\tpos\nbye\tneg\n"),
    ("b.jsonl", '\ufeff{"text": "hello", "label": "pos"}\n{"text": "bye", "label": "neg"}\n'),
])
def test_a_utf8_byte_order_mark_is_not_data(data_root, run_ingest, name, body):
    (data_root / name).write_text(body, encoding="utf-8")
    _, out = run_ingest(spec_for({"path": name}))
    assert accounting(out)[:3] == (2, 0, 2)


def test_a_utf16_file_declared_utf8_is_one_clear_error(data_root, run_ingest):
    (data_root / "w.csv").write_bytes("text,label\nhello,pos\n".encode("utf-16"))
    with pytest.raises(DataError, match=r"w\.csv: starts with a UTF-16 byte-order mark; "
                                        r"set 'encoding: utf-16'"):
        run_ingest(spec_for({"path": "w.csv"}))


def test_a_truncated_gzip_names_the_file_and_line(data_root, run_ingest):
    packed = gzip.compress(("text,label\n" + "row,pos\n" * 20000).encode())
    (data_root / "t.csv.gz").write_bytes(packed[: len(packed) // 2])
    with pytest.raises(DataError, match=r"t\.csv\.gz: line \d+: the file is truncated or "
                                        r"corrupt \(Compressed file ended"):
        run_ingest(spec_for({"path": "t.csv.gz"}))


def test_a_folder_given_as_a_source_is_a_data_error(data_root, run_ingest):
    (data_root / "folder.csv").mkdir()
    with pytest.raises(DataError, match="is a folder, not a data file"):
        run_ingest(spec_for({"path": "folder.csv"}))


def test_nul_undecodable_bytes_and_non_text_json_are_rejected_by_row(data_root, run_ingest):
    (data_root / "c.csv").write_bytes(b"text,label\nok,pos\nnul\x00here,pos\nbad \xff byte,neg\n")
    (data_root / "j.jsonl").write_bytes(
        b'{"text": "fine", "label": "pos"}\n{"text": 1.5, "label": "pos"}\n'
        b'{"text": true, "label": "neg"}\n{"text": ["a"], "label": "neg"}\n'
        b'{"text": "\\u0000", "label": "neg"}\n{"text": "ok", "label": 1}\n')
    _, out = run_ingest(PipelineSpec.model_validate({"name": "mixed", "data": {"sources": [
        {"path": "c.csv"}, {"path": "j.jsonl"}], "split": {"val": 0.1, "test": 0.1}}}))
    kept, rejected, read, rejects = accounting(out)
    assert (kept, rejected, read) == (3, 6, 9)
    reasons = {(r["file"].rsplit("/", 1)[-1], r["line"]): r["reason"] for r in rejects}
    assert reasons[("c.csv", 3)].startswith("NUL character in field 'text'")
    assert reasons[("c.csv", 4)].startswith(
        "invalid text in field 'text' (byte 0xff at character 5")
    assert reasons[("j.jsonl", 2)].startswith("field 'text' is a number with a fraction")
    assert reasons[("j.jsonl", 3)].startswith("field 'text' is a boolean")
    assert reasons[("j.jsonl", 4)].startswith("field 'text' is an array")
    assert reasons[("j.jsonl", 5)].startswith("NUL character")
    raw = next(r["raw"] for r in rejects if r["line"] == 4 and r["file"].endswith("c.csv"))
    assert "\\xff" in raw  # the undecodable byte is shown, and rejects.jsonl stays UTF-8


def test_fuzzed_files_account_for_every_row(tmp_path, monkeypatch, run_ingest):
    folder = tmp_path / "fuzz"
    folder.mkdir()
    monkeypatch.setenv("SEQKERAS_DATA_ROOT", str(folder))
    rng = random.Random(11)
    for i in range(12):
        rf = row_file(rng, folder, i)
        spec = spec_for(rf.source, f"fuzz{i}")
        if rf.error:
            with pytest.raises(DataError, match=rf.error):
                run_ingest(spec)
            continue
        _, out = run_ingest(spec)
        kept, rejected, read, _ = accounting(out)
        assert (kept, rejected) == (rf.good, rf.bad), (rf.path.name, rf.kinds)
        assert kept + rejected == read
