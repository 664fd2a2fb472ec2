"""Seeded generators of hostile inputs for ``benchmarks.reliability`` and
``tests/reliability``: broken pipeline specs, data files with known good and bad rows,
and serving requests. Each case says what a correct outcome is, so a run can count
what was handled cleanly, lost, hung or crashed.

Everything is derived from a ``random.Random`` so a failure can be replayed by seed.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

#: A tiny many-to-one pipeline on data shipped inside the ``names`` package (no shared
#: data needed): seconds to train, a real export.
TINY_SPEC = """\
topology: many_to_one
seed: {seed}
data:
  sources:
    - path: pkg://names/dist.female.first
      format: columns
      text_field: 0
      label: female
    - path: pkg://names/dist.male.first
      format: columns
      text_field: 0
      label: male
  max_records_per_split: 150
tokenize: {{level: char, max_tokens: 40, max_length: 12}}
model: {{embedding_dim: 4, cell: gru, units: 4}}
train: {{epochs: {epochs}, batch_size: 16, steps_per_epoch: {steps}, early_stopping: null}}
export: {{parity_examples: 4, warmup_examples: 2}}
"""


def tiny_spec(seed: int = 3, epochs: int = 1, steps: int = 3) -> str:
    return TINY_SPEC.format(seed=seed, epochs=epochs, steps=steps)


# ------------------------------------------------------------------------ specs
@dataclass
class SpecCase:
    name: str
    text: bytes
    #: "validate": ``seqkeras validate`` must answer as ``expect`` says, in one clean
    #: line (never an unexpected error); "run": valid but degenerate: a run must finish
    #: (exit 0) or fail cleanly (exit 2), and never export non-finite weights.
    kind: str = "validate"
    #: "error" (exit 2), "ok" (exit 0) or "any" (either; another helper owns the check)
    expect: str = "error"


_VALUE_MUTATIONS = [
    ("train.learning_rate", ["-1", "0", "abc", "[1, 2]", "{a: 1}", "null", ".nan"]),
    ("train.epochs", ["0", "-3", "2.5", "'many'", "1e12", "[]"]),
    ("train.batch_size", ["0", "-1", "'x'", "{}"]),
    ("tokenize.max_length", ["0", "-5", "'long'", "[3]"]),
    ("tokenize.max_tokens", ["0", "3", "-1", "abc"]),
    ("tokenize.level", ["bytes", "42", "null", "''"]),
    ("model.cell", ["transformer", "LSTM", "1", "[lstm]"]),
    ("model.units", ["0", "-8", "1.5", "'big'"]),
    ("model.dropout", ["1", "1.5", "-0.1", ".nan", "'x'"]),
    ("topology", ["many_to_none", "''", "123", "[many_to_one]"]),
    ("seed", ["'abc'", "1.5", "[1]"]),
    ("export.base_dir", ["../../outside", "../..", "''", "null", "{a: b}"]),
    ("data.sources.0.path", ["../../../../etc/passwd", "../../../../../../../etc/shadow",
                             "pkg://names/../../../../etc/passwd", "pkg://no_such_pkg_xq/f.txt",
                             "/no/such/file.csv", "''", "null", "[a, b]", '"a\\0b"',
                             "'" + "x" * 4000 + "'", "pkg://", "pkg://../etc/passwd"]),
    ("data.sources.0.format", ["parquet", "CSV", "1"]),
    ("data.split.val", ["1.5", "-0.1", "0.95", "'x'"]),
]

#: Valid specs that train degenerate or divergent models (the issue's cases).
_RUN_MUTATIONS = [
    ("train.learning_rate", [".inf", "1.0e+30", "1.0e+9"]),
    ("tokenize.max_length", ["1"]),
    ("tokenize.max_tokens", ["5"]),
    ("train.batch_size", ["100000", "9999999999999999999999"]),
    ("model.dropout", ["0.99"]),
    ("model.units", ["1"]),
]


def _set(text: str, dotted: str, value: str) -> str:
    """Replace (or add) one key of the tiny spec, textually, keeping YAML flow style."""
    import yaml

    data = yaml.safe_load(text)
    parts = dotted.split(".")
    node = data
    for p in parts[:-1]:
        node = node[int(p)] if p.isdigit() else node.setdefault(p, {})
    marker = "__MUTATED__"
    node[parts[-1]] = marker
    return yaml.safe_dump(data, sort_keys=False).replace(f"'{marker}'", value).replace(
        marker, value)


def spec_cases(rng: random.Random, n: int, runs: int = 0) -> list[SpecCase]:
    """``n`` broken specs (every kind of mutation cycled, then random ones) and ``runs``
    valid-but-degenerate ones."""
    base = tiny_spec()
    fixed: list[SpecCase] = [
        SpecCase("empty file", b""),
        SpecCase("binary garbage", bytes(rng.randrange(256) for _ in range(300))),
        SpecCase("invalid UTF-8", base.encode() + b"\n# \xff\xfe\n"),
        SpecCase("a list at top level", b"- a\n- b\n"),
        SpecCase("a scalar", b"42\n"),
        SpecCase("unbalanced bracket", base.replace("}", "", 1).encode()),
        SpecCase("tab indentation", base.replace("  - path", "\t- path").encode()),
        SpecCase("no data section", b"topology: many_to_one\n"),
        SpecCase("no sources", base.split("data:")[0].encode() + b"data: {sources: []}\n"),
        SpecCase("duplicate key", base.encode() + b"seed: 4\n", expect="any"),
        SpecCase("unknown top-level key", base.encode() + b"trian: {epochs: 2}\n"),
        SpecCase("misspelt nested key", base.replace("units: 4", "unitz: 4").encode()),
        SpecCase("1 MB of comments", base.encode() + b"#" * 1_000_000 + b"\n", expect="ok"),
        SpecCase("deep nesting", b"a: " + b"[" * 5000 + b"]" * 5000 + b"\n"),
    ]
    cases = list(fixed)
    flat = [(k, v) for k, values in _VALUE_MUTATIONS for v in values]
    for key, value in flat:
        # a relative export folder outside the project is refused by the export stage;
        # validate learns it from the schema work (any answer is clean here)
        expect = "any" if key == "export.base_dir" else "error"
        cases.append(SpecCase(f"{key}: {value[:40]}", _set(base, key, value).encode(),
                              expect=expect))
    while len(cases) < n:
        (k1, v1), (k2, v2) = rng.sample(flat, 2)
        if k1 == k2 or "export.base_dir" in (k1, k2):
            continue
        text = _set(_set(base, k1, v1), k2, v2)
        cases.append(SpecCase(f"{k1}: {v1[:20]} + {k2}: {v2[:20]}", text.encode()))
    runs_flat = [(k, v) for k, values in _RUN_MUTATIONS for v in values]
    for i in range(runs):
        key, value = runs_flat[i % len(runs_flat)]
        cases.append(SpecCase(f"run {key}: {value}", _set(base, key, value).encode(), "run",
                              expect="any"))
    return cases[:n] + [c for c in cases if c.kind == "run"]


# ------------------------------------------------------------------------- rows
@dataclass
class RowFile:
    path: Path
    source: dict                      #: the data.sources entry reading it
    good: int                         #: rows that must be kept
    bad: int                          #: rows that must be rejected, one each
    error: str | None = None          #: the whole file must fail with this in the message
    kinds: list[str] = field(default_factory=list)


_WORDS = ["alpha", "beta", "gamma", "d'elta", "épée", "naïve", "日本語", "😀", "say \"hi\"",
          "a,b", "semi;colon", "x" * 30, "Ωmega", "tab", "中文", "zürich", "ﬁne", "r\u0301e"]


def _text(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(1, 8))]
    text = " ".join(words)
    return text.lstrip('"') or "plain"  # a good csv text never starts with a quote mark


def _csv_line(fields: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(fields)
    return out.getvalue()


_BAD = {
    "csv": [("unclosed quote", lambda r: '"unclosed quote starts here,pos\n'),
            ("junk after quote", lambda r: '"closed"junk,neg\n'),
            ("too many fields", lambda r: "one,two,three\n"),
            ("too few fields", lambda r: "lonely\n"),
            ("empty text", lambda r: ",pos\n"),
            ("empty label", lambda r: "some text,\n"),
            ("NUL", lambda r: "nul\x00here,pos\n"),
            ("invalid UTF-8", lambda r: b"bad \xff\xfe byte,neg\n")],
    "tsv": [("too many fields", lambda r: "a\tb\tc\n"),
            ("too few fields", lambda r: "no tab here\n"),
            ("empty text", lambda r: "\tpos\n"),
            ("NUL", lambda r: "n\x00l\tpos\n"),
            ("invalid UTF-8", lambda r: b"caf\xe9\tneg\n")],
    "jsonl": [("invalid JSON", lambda r: "{not json}\n"),
              ("array", lambda r: '["a", "b"]\n'),
              ("missing text", lambda r: '{"label": "pos"}\n'),
              ("number text", lambda r: '{"text": 1.5, "label": "pos"}\n'),
              ("boolean text", lambda r: '{"text": true, "label": "pos"}\n'),
              ("object text", lambda r: '{"text": {"a": 1}, "label": "neg"}\n'),
              ("null text", lambda r: '{"text": null, "label": "neg"}\n'),
              ("NUL escape", lambda r: '{"text": "a\\u0000b", "label": "pos"}\n'),
              ("invalid UTF-8", lambda r: b'{"text": "\xc3\x28", "label": "pos"}\n')],
}


def _good(fmt: str, rng: random.Random) -> str:
    text, label = _text(rng), rng.choice(["pos", "neg"])
    if fmt == "csv":
        if rng.random() < 0.05:  # a legitimate multi-line quoted field
            text = text + "\nsecond line"
        return _csv_line([text, label])
    if fmt == "tsv":
        return f"{text}\t{label}\n"
    return json.dumps({"text": text, "label": label}, ensure_ascii=rng.random() < 0.5) + "\n"


def row_file(rng: random.Random, folder: Path, index: int) -> RowFile:
    """One file of 30-120 good rows with 1-12 bad ones mixed in (and, at random, a UTF-8
    byte-order mark, CRLF line ends, gzip compression, no final newline); every tenth
    file is a truncated .gz that must fail naming itself."""
    fmt = rng.choice(["csv", "tsv", "jsonl"])
    n_good, n_bad = rng.randint(30, 120), rng.randint(1, 12)
    lines: list[bytes] = []
    kinds = []
    slots = sorted(rng.sample(range(n_good + n_bad), n_bad))
    for i in range(n_good + n_bad):
        if i in slots:
            kind, make = rng.choice(_BAD[fmt])
            raw = make(rng)
            kinds.append(kind)
            lines.append(raw if isinstance(raw, bytes) else raw.encode())
        else:
            lines.append(_good(fmt, rng).encode())
    crlf = rng.random() < 0.3 and fmt != "csv"
    if crlf:
        lines = [b.replace(b"\n", b"\r\n") for b in lines]
    header = {"csv": b"text,label\n", "tsv": b"text\tlabel\n", "jsonl": b""}[fmt]
    body = header + b"".join(lines)
    if rng.random() < 0.3:
        body = b"\xef\xbb\xbf" + body
        kinds.append("BOM")
    if rng.random() < 0.2:
        body = body.rstrip(b"\r\n")
    truncated = index % 10 == 9
    compress = truncated or rng.random() < 0.3
    name = f"rows_{index:03d}.{fmt}" + (".gz" if compress else "")
    path = folder / name
    if compress:
        packed = gzip.compress(body)
        path.write_bytes(packed[: len(packed) * 2 // 3] if truncated else packed)
    else:
        path.write_bytes(body)
    source = {"path": name, "format": fmt, "text_field": "text", "label_field": "label"}
    if truncated:
        return RowFile(path, source, 0, 0, error=name, kinds=["truncated gzip"])
    return RowFile(path, source, n_good, n_bad, kinds=kinds)


# ---------------------------------------------------------------------- serving
@dataclass
class Request:
    signature: str
    inputs: dict
    expect: str          #: "answer" or "reject"
    what: str


def _random_text(rng: random.Random) -> bytes:
    kind = rng.random()
    if kind < 0.35:
        return _text(rng).encode()
    if kind < 0.5:
        return bytes(rng.randrange(256) for _ in range(rng.randint(0, 40)))  # any bytes
    if kind < 0.6:
        return b""
    if kind < 0.7:
        return rng.choice([b" ", b"\t\n", b"\x00", b"\x00" * 5, b"\xef\xbb\xbf", b"\xff"])
    if kind < 0.8:
        return "".join(chr(rng.choice([rng.randrange(0x20, 0x7f), rng.randrange(0xa0, 0xd7ff),
                                        rng.randrange(0xe000, 0x10ffff)]))
                       for _ in range(rng.randint(1, 30))).encode("utf-8", "surrogatepass")
    if kind < 0.83:
        return ("x" * rng.choice([1_000, 20_000, 100_000])).encode()
    return rng.choice(["Mary", "ROBERT", "anne-marie", "o'neil", "日本", "Zoë"]).encode()


def serving_requests(rng: random.Random, n: int, vocab_size: int) -> list[Request]:
    """``n`` requests for a many-to-one export (``serving_default`` text, and
    ``from_token_ids``): most well formed, some of the wrong rank or out of range."""
    out = []
    for _ in range(n):
        r = rng.random()
        batch = rng.choice([0, 1, 1, 2, 3, 8])
        if r < 0.6:
            texts = np.array([_random_text(rng) for _ in range(batch)], dtype=object)
            out.append(Request("serving_default", {"text": texts}, "answer", f"{batch} texts"))
        elif r < 0.7:
            shape = rng.choice([(), (1, 1), (2, 3), (1, 1, 1)])
            texts = np.array([_random_text(rng) for _ in range(int(np.prod(shape)))],
                             dtype=object).reshape(shape)
            out.append(Request("serving_default", {"text": texts}, "reject",
                               f"text rank {len(shape)}"))
        elif r < 0.9:
            width = rng.choice([0, 1, 5, 30])
            ids = np.array([[rng.randrange(vocab_size) for _ in range(width)]
                            for _ in range(batch)], dtype=np.int64).reshape(batch, width)
            out.append(Request("from_token_ids", {"token_ids": ids}, "answer",
                               f"ids {batch}x{width}"))
        else:
            bad = rng.choice([-1, -3, vocab_size, vocab_size + 10, 2**62, -(2**62)])
            ids = np.array([[1, bad, 2]], dtype=np.int64)
            if rng.random() < 0.3:
                ids = np.array([1, 2, 3], dtype=np.int64)  # wrong rank
                out.append(Request("from_token_ids", {"token_ids": ids}, "reject", "ids rank 1"))
            else:
                out.append(Request("from_token_ids", {"token_ids": ids}, "reject", f"id {bad}"))
    return out
