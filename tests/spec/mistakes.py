"""The pipeline mistakes ``seqkeras validate`` must catch before any stage runs.

Each case is a pipeline YAML, the data files it reads (written into the data root), and
what its error line must say: the YAML line, the key path and a phrase. Used by
``test_mistakes.py`` (in-process) and ``test_no_tensorflow.py`` (a fresh interpreter,
timed, TensorFlow never imported).
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path

SMALL_CSV = "text,label\nhello there,pos\nnot good,neg\n"
HEAD = "data:\n  sources:\n    - path: small.csv\n"          # lines 1-3


def billion_laughs() -> str:
    """Nine levels of anchors, nine aliases each (about 1.6 KB, 9^9 leaves expanded)."""
    lines = ["lol0: &lol0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level in range(1, 10):
        lines.append(f"lol{level}: &lol{level} [" + ", ".join([f"*lol{level - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n" + HEAD


@dataclass
class Mistake:
    id: str
    yaml: str
    line: int
    key: str
    phrase: str
    files: dict = field(default_factory=dict)


MISTAKES = [
    # a setting of another topology
    Mistake("crf_on_many_to_one", HEAD + "model:\n  crf: true\n", 5, "model.crf",
            "'crf' does not apply to topology many_to_one (a setting of many_to_many)"),
    Mistake("attention_on_generation", "topology: generation\n" + HEAD
            + "model:\n  attention: luong\n", 6, "model.attention",
            "'attention' does not apply to topology generation (a setting of seq2seq)"),
    Mistake("condition_dim_on_seq2seq", "topology: seq2seq\n"
            "data:\n  sources:\n    - {path: small.csv, target_field: label}\n"
            "model:\n  condition_dim: 8\n", 6, "model.condition_dim",
            "'condition_dim' does not apply to topology seq2seq (a setting of generation)"),
    Mistake("generate_on_many_to_one", HEAD + "generate:\n  top_k: 5\n", 4, "generate",
            "'generate' does not apply to topology many_to_one (a section of generation, "
            "piano_roll, seq2seq)"),
    Mistake("series_on_many_to_one", HEAD + "  series: {time: t, targets: [y]}\n", 4,
            "data.series", "(a setting of sequence_prediction)"),
    Mistake("tag_scheme_on_many_to_one", HEAD + "  tag_scheme: iob2\n", 4, "data.tag_scheme",
            "does not apply to topology many_to_one (it is read by many_to_many)"),
    Mistake("negative_aux_loss_weight", HEAD + "model:\n  ngram_branch:\n"
            "    aux_loss_weight: -1\n", 6, "model.ngram_branch.aux_loss_weight",
            "greater than or equal to 0"),
    # topology rules
    Mistake("bidirectional_generation", "topology: generation\n" + HEAD
            + "model:\n  bidirectional: true\n", 6, "model.bidirectional",
            "a backward layer would see the future: set it to false"),
    Mistake("seq2seq_without_target_field", "topology: seq2seq\n" + HEAD, 4,
            "data.sources[0].target_field", "no source sets target_field"),
    # search space
    Mistake("float_range_over_int_field", HEAD + "tune:\n  space:\n"
            "    model.units: {min: 8, max: 32, type: float}\n", 6, "tune.space.model.units",
            "model.units is an integer: drop 'type: float'"),
    Mistake("fractional_int_range", HEAD + "tune:\n  space:\n"
            "    model.units: {min: 8.5, max: 32}\n", 6, "tune.space.model.units",
            "min 8.5 is not a whole number"),
    # names the topology never logs
    Mistake("objective_never_logged", HEAD + "tune:\n  objective: val_auc\n", 5,
            "tune.objective", "'val_auc' is never logged by topology many_to_one"),
    Mistake("monitor_never_logged", HEAD + "train:\n  early_stopping: {monitor: val_acc}\n", 5,
            "train.early_stopping.monitor", "it logs loss, accuracy, val_loss, val_accuracy"),
    Mistake("plateau_monitor_never_logged", "topology: generation\n" + HEAD
            + "train:\n  reduce_lr_on_plateau: {monitor: val_accuracy}\n", 6,
            "train.reduce_lr_on_plateau.monitor", "it logs loss, val_loss"),
    Mistake("direction_against_the_metric", HEAD
            + "train:\n  early_stopping: {monitor: val_loss, direction: max}\n", 5,
            "train.early_stopping.direction", "val_loss is better when lower (min)"),
    # data
    Mistake("zip_with_several_members", "data:\n  sources:\n    - path: two.zip\n", 3,
            "data.sources[0].member", "set 'member' to the file to read inside the archive "
            "(it holds 2 data files: a.csv, b.csv)",
            files={"two.zip": {"a.csv": SMALL_CSV, "b.csv": SMALL_CSV}}),
    Mistake("numbers_to_a_text_tokenizer", "data:\n  sources:\n    - path: nums.jsonl\n", 3,
            "data.sources[0].text_field", "nums.jsonl:1: field 'text' holds a list of numbers",
            files={"nums.jsonl": '{"text": [1.05, 2.0], "label": "a"}\n'
                                 '{"text": [3, 4], "label": "b"}\n'}),
    Mistake("label_field_absent", "data:\n  sources:\n    - path: names.txt\n", 3,
            "data.sources[0].label_field", "'label' is in none of the first 2 rows of",
            files={"names.txt": "emma\nava\n"}),
    Mistake("column_numbers_without_header_false",
            "topology: generation\ndata:\n  sources:\n    - path: sms.tsv\n      format: tsv\n"
            "      text_field: 1\n      label_field: null\n", 6, "data.sources[0].text_field",
            "a file without a header row needs `header: false` on the source",
            files={"sms.tsv": "ham\tsee you at 5\nspam\tWIN a prize now\n"}),
    Mistake("series_target_not_in_the_file",
            "topology: sequence_prediction\ndata:\n  sources:\n    - path: sales.csv\n"
            "  series:\n    time: day\n    targets:\n      - unit\n", 8,
            "data.series.targets[0]", "no column 'unit' in", files={
                "sales.csv": "day,units\n2020-01-01,3\n2020-01-02,4\n"}),
    Mistake("series_time_not_in_the_file",
            "topology: sequence_prediction\ndata:\n  sources:\n    - path: sales.csv\n"
            "  series: {time: date, targets: [units]}\n", 5,
            "data.series.time", "no column 'date' in", files={
                "sales.csv": "day,units\n2020-01-01,3\n2020-01-02,4\n"}),
    # numbers, regexes, encodings, splits
    Mistake("infinite_learning_rate", HEAD + "train:\n  learning_rate: .inf\n", 5,
            "train.learning_rate", "Input should be a finite number"),
    Mistake("negative_seed", "seed: -1\n" + HEAD, 1, "seed",
            "Input should be greater than or equal to 0"),
    Mistake("a_billion_units", HEAD + "model:\n  units: 1000000000\n", 5, "model.units",
            "Input should be less than or equal to 16384"),
    Mistake("lookbehind_regex", HEAD + "tokenize:\n  replace:\n    - {pattern: '(?<=a)b'}\n",
            6, "tokenize.replace[0].pattern", "not a valid RE2 pattern"),
    Mistake("unclosed_group_regex", HEAD + "tokenize:\n  replace:\n    - {pattern: '(ab'}\n",
            6, "tokenize.replace[0].pattern", "missing )"),
    Mistake("unknown_encoding", "data:\n  sources:\n    - {path: small.csv, encoding: utf-9}\n",
            3, "data.sources[0].encoding", "unknown encoding 'utf-9'"),
    Mistake("no_val_and_no_test", HEAD + "  split: {val: 0, test: 0}\n", 4, "data.split",
            "val and test are both 0"),
    # YAML
    Mistake("duplicate_section", HEAD + "model:\n  units: 8\nmodel:\n  units: 16\n", 6, "model",
            "duplicate key (first at line 4)"),
    Mistake("duplicate_key", HEAD + "model:\n  units: 8\n  units: 16\n", 6, "model.units",
            "duplicate key (first at line 5)"),
    Mistake("billion_laughs", billion_laughs(), 5, "lol4",
            "YAML aliases expand this value to more than"),
    # export
    Mistake("base_dir_escapes_the_project", HEAD + "export:\n  base_dir: ../../models\n", 5,
            "export.base_dir", "climbs out of the project folder; write the absolute path"),
]


def write_files(root: Path) -> None:
    """Every data file the cases read, into the data root."""
    (root / "small.csv").write_text(SMALL_CSV, encoding="utf-8")
    for case in MISTAKES:
        for name, content in case.files.items():
            if isinstance(content, dict):
                with zipfile.ZipFile(root / name, "w") as archive:
                    for member, text in content.items():
                        archive.writestr(member, text)
            else:
                (root / name).write_text(content, encoding="utf-8")


def expected_start(path: Path, case: Mistake) -> str:
    return f"{path}:{case.line}: {case.key}: "
