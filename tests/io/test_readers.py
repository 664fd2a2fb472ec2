"""seqkeras.io.readers: every format, malformed rows, gzip/zip, format detection."""

from __future__ import annotations

import gzip
import io
import itertools
import zipfile

import pytest

from seqkeras.errors import DataError
from seqkeras.io.readers import (READERS, RowError, detect_format, get_field, open_text,
                                 read_columns, read_csv, read_jsonl, read_text, read_tsv)


def rows_of(reader, text: str, **kwargs) -> list:
    return list(reader(io.StringIO(text, newline=""), **kwargs))


def test_every_format_is_registered():
    from seqkeras.io.path_readers import PATH_READERS

    assert set(READERS) == {"csv", "tsv", "jsonl", "text", "columns", "conll",
                            "ts", "long_csv"}                 # text streams
    assert set(PATH_READERS) == {"npz", "wav"}                # by path


# ------------------------------------------------------------------------- csv
def test_csv_with_header_gives_named_rows_and_file_line_numbers():
    rows = rows_of(read_csv, "text,label\nhello,pos\n\nbye,neg\n")
    # line 1 is the header, line 3 is blank (skipped)
    assert rows == [(2, {"text": "hello", "label": "pos"}), (4, {"text": "bye", "label": "neg"})]


def test_csv_quoted_fields_may_hold_commas_quotes_and_newlines():
    rows = rows_of(read_csv, 'text,label\n"a, ""b""\nc",pos\n')
    assert rows[0][1] == {"text": 'a, "b"\nc', "label": "pos"}


def test_csv_wrong_field_count_is_a_row_error_and_reading_goes_on():
    rows = rows_of(read_csv, "text,label\nok,pos\ntoo,many,fields\nfine,neg\n")
    assert [line for line, _ in rows] == [2, 3, 4]
    line, error = rows[1]
    assert isinstance(error, RowError)
    assert error.reason == "expected 2 fields, found 3"
    assert error.raw == "too,many,fields"
    assert rows[2][1] == {"text": "fine", "label": "neg"}


def test_csv_without_header_gives_lists():
    rows = rows_of(read_csv, "pos,hello\nneg,bye\n", header=False)
    assert rows == [(1, ["pos", "hello"]), (2, ["neg", "bye"])]


def test_csv_custom_delimiter():
    rows = rows_of(read_csv, "text;label\na,b;c\n", delimiter=";")
    assert rows == [(2, {"text": "a,b", "label": "c"})]


# ------------------------------------------------------------------------- tsv
def test_tsv_keeps_quotes_literally():
    rows = rows_of(read_tsv, 'label\ttext\nham\the said "hi\n')
    assert rows == [(2, {"label": "ham", "text": 'he said "hi'})]


def test_tsv_wrong_field_count_is_a_row_error():
    rows = rows_of(read_tsv, "label\ttext\nham\n")
    assert isinstance(rows[0][1], RowError) and "found 1" in rows[0][1].reason


# ----------------------------------------------------------------------- jsonl
def test_jsonl_rows_and_malformed_lines():
    text = ('{"text": "a", "label": 1}\n'
            "\n"
            "{not json}\n"
            '["a", "list"]\n'
            '{"text": "b"}\n')
    rows = rows_of(read_jsonl, text)
    assert [line for line, _ in rows] == [1, 3, 4, 5]  # blank line 2 skipped, still counted
    assert rows[0][1] == {"text": "a", "label": 1}
    bad_json, not_object = rows[1][1], rows[2][1]
    assert isinstance(bad_json, RowError) and bad_json.reason.startswith("invalid JSON")
    assert bad_json.raw == "{not json}"
    assert isinstance(not_object, RowError) and not_object.reason == "expected a JSON object"
    assert rows[3][1] == {"text": "b"}


# ------------------------------------------------------------------ text, columns
def test_text_one_record_per_non_empty_line():
    rows = rows_of(read_text, "first line\n\n  \nsecond, with comma\r\n")
    assert [line for line, _ in rows] == [1, 4]
    assert rows[0][1]["text"] == "first line" and rows[0][1][0] == "first line"
    assert rows[1][1]["text"] == "second, with comma"


def test_columns_split_on_any_whitespace():
    rows = rows_of(read_columns, "MARY  2.629 2.629    1\n\nPATRICIA\t1.073 3.702 2\n")
    assert rows == [(1, ["MARY", "2.629", "2.629", "1"]), (3, ["PATRICIA", "1.073", "3.702", "2"])]


def test_columns_with_delimiter():
    rows = rows_of(read_columns, "a b|c\n", delimiter="|")
    assert rows == [(1, ["a b", "c"])]


# -------------------------------------------------------------------- get_field
def test_get_field_from_named_and_indexed_rows():
    assert get_field({"text": "x", "n": 3, "none": None}, "n") == "3"
    assert get_field({"none": None}, "none") == ""
    assert get_field(["a", "b"], 1) == "b"


@pytest.mark.parametrize("row, field, reason", [
    ({"text": "x"}, "label", "missing field 'label'"),
    (["a"], 3, "no column 3 (row has 1)"),
    (["a"], "text", "no named fields"),
])
def test_get_field_missing_gives_a_reason(row, field, reason):
    with pytest.raises(KeyError) as info:
        get_field(row, field)
    assert reason in info.value.args[0]


# -------------------------------------------------------------- files, gz, zip
def test_open_plain_file_with_encoding(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes("café\n".encode("latin-1"))
    with open_text(path, encoding="latin-1") as (stream, name):
        assert list(read_text(stream)) == [(1, {"text": "café", 0: "café"})]
        assert name == str(path)


def test_open_gzip(tmp_path):
    path = tmp_path / "data.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write("text,label\nhéllo,pos\n")
    with open_text(path) as (stream, name):
        assert list(read_csv(stream)) == [(2, {"text": "héllo", "label": "pos"})]
    assert name == str(path)


def make_zip(path, members: dict):
    with zipfile.ZipFile(path, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return path


def test_zip_member_is_auto_detected(tmp_path):
    path = make_zip(tmp_path / "bundle.zip", {
        "folder/": "", "folder/data.jsonl": '{"text": "x"}\n', "README.md": "# hi",
        "__MACOSX/folder/._data.jsonl": "junk"})
    with open_text(path) as (stream, name):
        assert list(read_jsonl(stream)) == [(1, {"text": "x"})]
    assert name == f"{path}!folder/data.jsonl"


def test_zip_with_several_data_files_needs_a_member(tmp_path):
    path = make_zip(tmp_path / "bundle.zip", {"a.csv": "text\nx\n", "b.txt": "y\n"})
    with pytest.raises(DataError, match=r"set 'member'.*a\.csv, b\.txt"):
        with open_text(path):
            pass
    with open_text(path, member="b.txt") as (stream, name):
        assert [row["text"] for _, row in read_text(stream)] == ["y"]
        assert name.endswith("!b.txt")


def test_zip_missing_member(tmp_path):
    path = make_zip(tmp_path / "bundle.zip", {"a.csv": "text\nx\n"})
    with pytest.raises(DataError, match=r"no member 'nope\.csv'"):
        with open_text(path, member="nope.csv"):
            pass


# ---------------------------------------------------------------- detect_format
@pytest.mark.parametrize("name, fmt", [
    ("a.csv", "csv"), ("a.tsv", "tsv"), ("a.tab", "tsv"), ("a.jsonl", "jsonl"),
    ("a.ndjson", "jsonl"), ("a.json", "jsonl"), ("a.txt", "text"),
    ("dir/a.csv.gz", "csv"), ("a.tsv.zip", "tsv"), ("reviews.v2.CSV", "csv"),
])
def test_detect_format(name, fmt):
    assert detect_format(name) == fmt


@pytest.mark.parametrize("name", ["a.parquet", "a.gz", "archive.zip", "noext"])
def test_detect_format_unknown_asks_for_format(name):
    with pytest.raises(DataError, match=r"set 'format'"):
        detect_format(name)


def test_detect_format_uppercase_compressed():
    assert detect_format("REVIEWS.CSV.GZ") == "csv"


# ------------------------------------------------------------------- real data
def test_real_sms_tsv_has_two_fields_per_row(shared_data):
    path = shared_data / "sms_spam" / "sms.tsv"
    if not path.exists():
        pytest.skip(f"{path} missing")
    with open_text(path) as (stream, _):
        rows = [row for _, row in read_tsv(stream, header=False)]
    assert rows and not any(isinstance(r, RowError) for r in rows)
    assert {len(r) for r in rows} == {2}
    assert {r[0] for r in rows} == {"ham", "spam"}


def test_real_imdb_csv_gz_header(shared_data):
    path = shared_data / "imdb" / "imdb_50k.csv.gz"
    if not path.exists():
        pytest.skip(f"{path} missing")
    with open_text(path) as (stream, _):
        first = [row for _, row in itertools.islice(read_csv(stream), 3)]
    assert all(set(r) == {"split", "label", "rating", "file", "text"} for r in first)
    assert all(r["label"] in ("pos", "neg") and r["text"] for r in first)


def test_conll_sentences_docstart_and_broken_sentence():
    from seqkeras.io.readers import read_conll

    text = ("-DOCSTART- -X- -X- O\n\n"
            "EU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\n"
            "Peter NNP B-NP B-PER\nbroken\nlater NN I-NP O\n\n"
            "Bonn NNP B-NP I-LOC\n")
    rows = list(read_conll(io.StringIO(text)))
    assert rows[0] == (3, [["EU", "rejects"], ["NNP", "VBZ"], ["B-NP", "B-VP"], ["B-ORG", "O"]])
    # a line with the wrong column count rejects its whole sentence, and only that one
    assert isinstance(rows[1][1], RowError) and rows[1][0] == 7 and "line 6" in rows[1][1].reason
    assert rows[2] == (10, [["Bonn"], ["NNP"], ["B-NP"], ["I-LOC"]])
    assert len(rows) == 3
    assert get_field(rows[0][1], -1) == ["B-ORG", "O"]
