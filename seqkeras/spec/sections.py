"""The sections every topology shares: data, tokenize, train and export.

Every section is a frozen pydantic model that forbids unknown keys and non-finite
numbers, so a misspelt key, ``.inf`` or ``.nan`` is an error that names its key path.
Numbers have upper bounds as well as lower ones: a value far outside what a recurrent
model on one machine can use (10^9 units) is a typo, not a setting. Defaults live here
and in the topologies' own ``spec.py`` modules, nowhere else.
"""

from __future__ import annotations

import codecs
import posixpath
from typing import ClassVar, Literal, Optional, Union

from pydantic import (BaseModel, ConfigDict, Field, TypeAdapter, ValidationError,
                      WrapValidator, field_validator, model_validator)
from typing_extensions import Annotated

from seqkeras.spec.booleans import refuse_boolean
from seqkeras.spec.regex import check_re2_pattern, check_rewrite

#: The largest seed numpy's and Keras's seeding accept (2**32 - 1).
MAX_SEED = 2**32 - 1


#: The value of a setting resolved from the training data (``seqkeras.spec.auto``).
AUTO = "auto"


def auto_or(kind, why: str = "chosen from the training data", **constraints):
    """The type of a setting that takes ``auto`` or a ``kind`` value within
    ``constraints`` (pydantic ``Field`` bounds): one error line naming both when the
    value is neither (``must be greater than 4, or auto``); ``why`` says how auto is
    chosen."""
    adapter = TypeAdapter(Annotated[kind, Field(**constraints)])

    def check(value, handler):
        if value == AUTO:
            return AUTO
        try:
            return adapter.validate_python(value)
        except ValidationError as exc:
            reason = exc.errors()[0]["msg"].removeprefix("Value error, ")
            raise ValueError(f"{reason}, or auto ({why})") from None

    return Annotated[Union[Literal["auto"], kind], WrapValidator(check)]


class Section(BaseModel):
    """A block of the pipeline YAML: unknown keys, inf and nan are errors; read-only.
    A YAML boolean (``yes``, ``on``, ``true``) where a number or a string belongs is an
    error too: pydantic would read ``units: yes`` as 1 and train a one-unit model."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)
    #: Fields added after stage outputs existed: left out of stage fingerprints while at
    #: their defaults, so outputs made before they existed stay fresh (``fingerprint``).
    NEW_FIELDS: ClassVar[tuple[str, ...]] = ()

    @field_validator("*", mode="before")
    @classmethod
    def _no_boolean_for_a_number_or_text(cls, value, info):
        return refuse_boolean(value, cls.model_fields.get(info.field_name))


# --------------------------------------------------------------------------- data
class Source(Section):
    """One input file. ``path`` is relative to the data root unless absolute or ``pkg://``."""

    path: str = Field(min_length=1)
    #: Text: csv, tsv, jsonl, text, columns, conll. Measurements (``input.kind`` numeric or
    #: audio): ts (UEA/sktime), long_csv (one row a step), npz (.npy/.npz arrays), jsonl
    #: (``sequence_field`` holds a [T, F] list of lists), wav (recordings).
    format: Literal["auto", "csv", "tsv", "jsonl", "text", "columns", "conll", "ts",
                    "long_csv", "npz", "wav"] = "auto"
    #: Member to read when ``path`` is a zip archive (default: its only data file; an
    #: archive with several asks for this key, see ``seqkeras.io.archives``).
    member: Optional[str] = None
    #: Field names for csv/tsv/jsonl, column indexes (0-based, negative from the end) for
    #: ``columns`` and ``conll`` (there: the token column and the tag column; a conll
    #: source defaults to 0 and -1, the first and last columns). ``label_field`` left at
    #: its default is optional on topologies that need no label (generation: it
    #: conditions on the label only where rows have one; seq2seq does not read it).
    text_field: Union[str, int] = "text"
    label_field: Union[str, int, None] = "label"
    #: seq2seq: the field holding the target sequence (the translation of ``text_field``).
    target_field: Union[str, int, None] = None
    split_field: Union[str, int, None] = None
    #: Constant label for every record of this file (folder-per-class style data).
    label: Optional[str] = None
    #: Constant split for every record of this file (train/val/test given as files).
    split: Optional[Literal["train", "val", "test"]] = None
    #: csv/tsv files without a header row: fields are then addressed by index.
    header: bool = True
    #: ``columns`` format: the column separator (None = any whitespace).
    delimiter: Optional[str] = Field(None, min_length=1)
    #: A Python codec name (utf-8, latin-1, cp1252, utf-16 ...).
    encoding: str = "utf-8"
    # ----------------------------------------- measurements (topologies with ``input``)
    #: The field holding each record's [T, F] list of lists (jsonl), the array of
    #: sequences (npz; None: ``x``), or the column identifying a sequence (long_csv).
    sequence_field: Union[str, int, None] = None
    #: long_csv: the column that orders the steps of a sequence (None: file order).
    step_field: Union[str, int, None] = None
    #: long_csv: the feature columns (None: every column no other ``*_field`` names).
    feature_fields: Optional[list[Union[str, int]]] = Field(None, min_length=1,
                                                           max_length=100_000)
    #: wav: a regular expression (Python syntax) searched in each file's name (folders
    #: left out); its group ``label`` (else its first group) is the label and its other
    #: named groups are kept in the record (``(?P<label>\d)_(?P<speaker>[a-z]+)_``).
    name_pattern: Optional[str] = Field(None, min_length=1)
    #: wav: split -> regular expression searched in each file's name; a file matching
    #: none gets a seeded split from ``data.split`` (FSDD: ``{test: '_[0-4]\.wav$'}``).
    split_patterns: dict[Literal["train", "val", "test"], str] = {}
    #: wav manifest (a csv/tsv/jsonl path): the field naming each WAV file, relative to
    #: the manifest's folder.
    audio_field: Union[str, int] = "path"

    NEW_FIELDS = ("sequence_field", "step_field", "feature_fields", "name_pattern",
                  "split_patterns", "audio_field")

    @model_validator(mode="before")
    @classmethod
    def _conll_columns(cls, data):
        """A conll file has no field names: its token and tag columns are the first and
        the last unless the YAML says otherwise."""
        if isinstance(data, dict) and data.get("format") == "conll":
            data = {"text_field": 0, "label_field": -1, **data}
        return data

    @field_validator("name_pattern")
    @classmethod
    def _python_regex(cls, pattern):
        if pattern is not None:
            _compile(pattern)
        return pattern

    @field_validator("split_patterns")
    @classmethod
    def _python_regexes(cls, patterns):
        for pattern in patterns.values():
            _compile(pattern)
        return patterns

    @field_validator("encoding")
    @classmethod
    def _known_encoding(cls, name: str) -> str:
        try:
            codecs.lookup(name)
        except LookupError:
            raise ValueError(f"unknown encoding {name!r}: use a Python codec name such as "
                             "utf-8, latin-1 or cp1252") from None
        return name


def _compile(pattern: str):
    import re

    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None


class SplitFractions(Section):
    """Seeded deterministic split, used for records whose source gives no split."""

    val: float = Field(0.1, ge=0, lt=1)
    test: float = Field(0.1, ge=0, lt=1)

    @model_validator(mode="after")
    def _leaves_training_data(self):
        if self.val + self.test >= 1:
            raise ValueError("val + test must be below 1 so that training data remains")
        return self


class DataSpec(Section):
    sources: list[Source] = Field(min_length=1, max_length=1000)
    split: SplitFractions = SplitFractions()
    #: How values of a split column map onto train/val/test, added to the defaults
    #: (train, val, valid, validation, dev, test); ``drop`` discards those records.
    split_values: dict[str, Literal["train", "val", "test", "drop"]] = {}
    #: Keep at most this many records per split (after splitting); for quick runs.
    max_records_per_split: Optional[int] = Field(None, gt=0, le=10**9)
    #: Records whose text is longer than this many characters are rejected.
    max_chars: int = Field(100_000, gt=0, le=10**9)
    #: Tagged sequences (conll, topology many_to_many): ``iob2`` rewrites IOB1 tags so
    #: every entity starts with B- (IOB2/BIO); ``keep`` leaves the tags as they are.
    tag_scheme: Literal["keep", "iob2"] = "keep"

    def split_mapping(self) -> dict[str, str]:
        return {**DEFAULT_SPLIT_VALUES, **self.split_values}


DEFAULT_SPLIT_VALUES = {"train": "train", "val": "val", "valid": "val", "validation": "val",
                        "dev": "val", "test": "test"}


# ----------------------------------------------------------------------- tokenize
class Replacement(Section):
    """``pattern`` (RE2 syntax, as the in-graph ``tf.strings.regex_replace``) -> ``rewrite``
    (``\\1``..``\\9`` insert the pattern's groups)."""

    pattern: str = Field(min_length=1)
    rewrite: str = " "

    @field_validator("pattern")
    @classmethod
    def _re2_pattern(cls, pattern: str) -> str:
        check_re2_pattern(pattern)
        return pattern

    @model_validator(mode="after")
    def _rewrite_groups_exist(self):
        check_rewrite(self.pattern, self.rewrite)
        return self


class TokenizeSpec(Section):
    #: word: words and punctuation marks; whitespace: split on spaces only; char: characters;
    #: word_marked: like word, with "▁" on every token that follows a space, so generated
    #: tokens join back into text exactly (the target side of translation); wordpiece:
    #: subwords learned from the training split (max_tokens pieces), joining back exactly.
    level: Literal["word", "whitespace", "char", "word_marked", "wordpiece"] = "word"
    lowercase: bool = True
    unicode_normalization: Literal["NFC", "NFD", "NFKC", "NFKD", "none"] = "NFKC"
    #: Regex replacements applied in-graph before splitting (RE2 syntax).
    replace: list[Replacement] = Field([], max_length=100)
    #: Vocabulary size including the reserved tokens. auto: every token seen at least
    #: ``min_frequency`` times in the training split, at most 50,000 (wordpiece: every
    #: character alone and as ##suffix, then one piece a word, at most 8,000 more).
    max_tokens: auto_or(int, gt=len(("pad", "unk", "start", "end")), le=10_000_000) = AUTO
    #: Tokens seen fewer times in the training split become [UNK]. auto: 1 below 1,000,000
    #: training tokens, 2 from there (``seqkeras.spec.auto``).
    min_frequency: auto_or(int, ge=1, le=10**9) = AUTO
    #: Sequences are cut to this many tokens (None: keep all). auto: the 99th percentile
    #: of the training lengths (the longest when within 2x of it), at most 512.
    max_length: auto_or(Optional[int], gt=0, le=1_000_000) = AUTO
    #: Which end to keep when a sequence is cut.
    truncate: Literal["keep_start", "keep_end"] = "keep_start"


# -------------------------------------------------------------------------- train
class EarlyStopping(Section):
    #: A name the topology logs (``seqkeras validate`` lists them); val_ = validation split.
    #: None: the topology's model-selection metric, the task metric computed on val each
    #: epoch where it differs from the loss (val_entity_f1 for tagging, val_chrf for
    #: translation, val_forecast_mae for forecasting, val_accuracy for classification).
    #: The best epoch's weights are the ones kept (and the checkpoint watches it too).
    monitor: Optional[str] = None
    #: Whether lower (min) or higher (max) is better; default: what the topology declares
    #: for ``monitor`` (Keras's ``mode``).
    direction: Optional[Literal["min", "max"]] = None
    patience: int = Field(2, ge=0, le=10_000)
    restore_best_weights: bool = True


class ReduceLROnPlateau(Section):
    """Multiply the learning rate by ``factor`` when ``monitor`` has not improved for
    ``patience`` epochs: a high rate learns fast early, a lower one then settles into the
    minimum the high one keeps overshooting (val loss turning up while train loss falls)."""

    #: As ``early_stopping.monitor`` (None: the topology's model-selection metric).
    monitor: Optional[str] = None
    #: As ``early_stopping.direction``.
    direction: Optional[Literal["min", "max"]] = None
    factor: float = Field(0.5, gt=0, lt=1)
    #: Keep below early_stopping.patience, so the lower rate gets epochs to help.
    patience: int = Field(1, ge=0, le=10_000)
    #: The rate is never reduced below this.
    min_lr: float = Field(1e-5, ge=0, le=10)


class TrainSpec(Section):
    #: The most epochs. auto: 30 where the topology gives training statistics (early
    #: stopping on the model-selection metric decides), else (or with early_stopping
    #: null) 5.
    epochs: auto_or(int, ge=1, le=100_000) = AUTO
    #: auto: the power of two nearest to a hundredth of the training records, 16 to 128
    #: (about 100 steps an epoch), else 64; a tagger of words at most 32
    #: (``seqkeras.spec.auto_tagging``).
    batch_size: auto_or(int, ge=1, le=1_000_000) = AUTO
    learning_rate: float = Field(1e-3, gt=0, le=10)
    optimizer: Literal["adam", "adamw", "rmsprop", "sgd"] = "adam"
    #: Gradient clipping by global norm (None: off).
    clipnorm: Optional[float] = Field(1.0, gt=0, le=1e6)
    early_stopping: Optional[EarlyStopping] = EarlyStopping()
    #: Learning-rate schedule on a plateau (None: a constant rate).
    reduce_lr_on_plateau: Optional[ReduceLROnPlateau] = None
    #: constant: ``learning_rate`` throughout (or what ``reduce_lr_on_plateau`` makes of
    #: it). cosine: from ``learning_rate`` down to 0 at the end of the last epoch along
    #: half a cosine (``seqkeras.training.schedules``): the same loss in fewer epochs.
    #: Set ``epochs`` to the run you want; not with ``reduce_lr_on_plateau``.
    learning_rate_schedule: Literal["constant", "cosine"] = "constant"
    #: Batch sequences of similar length together (less padding, faster epochs).
    bucket_by_length: bool = True
    #: The narrowest length bucket: buckets start at max(4, this) tokens and each is
    #: this or a quarter octave wide, whichever is more (``seqkeras.training.batching``).
    #: 1: four buckets an octave from 4 tokens, less padding for short sequences
    #: (translation epochs in 0.6x the time) but batches of one length learn less an
    #: epoch; 16 keeps short sequences mixed.
    bucket_min_width: int = Field(16, ge=1, le=1024)
    shuffle_buffer: int = Field(10_000, ge=1, le=100_000_000)
    #: Limit batches per epoch (None: the whole training split); for quick runs.
    steps_per_epoch: Optional[int] = Field(None, gt=0, le=100_000_000)
    #: Compute dtype while training. ``mixed_bfloat16``: layers compute in bfloat16 with
    #: float32 weights (``seqkeras.training.precision``): faster steps on CPUs with
    #: native bfloat16 (AVX512_BF16 / AMX) and on GPUs, slower elsewhere. The saved,
    #: evaluated and exported model is float32 either way.
    precision: Literal["float32", "mixed_bfloat16"] = "float32"
    #: XLA compilation. Off by default: every new padded batch shape would recompile,
    #: which made a bucketed BiLSTM epoch many times slower on CPU.
    jit_compile: bool = False
    #: Data-parallel training on the devices of this machine. ``mirrored``:
    #: ``tf.distribute.MirroredStrategy`` over every GPU (every logical CPU device when
    #: there is no GPU); ``batch_size`` is the global batch, split across the replicas,
    #: so scale it (and the learning rate) with the number of devices. Multi-worker
    #: training is blocked upstream for Keras 3 ``fit`` (keras-team/keras#20585).
    distribute: Literal["none", "mirrored"] = "none"

    @model_validator(mode="after")
    def _one_schedule(self):
        if self.learning_rate_schedule != "constant" and self.reduce_lr_on_plateau is not None:
            raise ValueError(f"learning_rate_schedule {self.learning_rate_schedule} and "
                             "reduce_lr_on_plateau both set the learning rate; keep one")
        if self.learning_rate_schedule == "cosine" and self.epochs == AUTO:
            raise ValueError("learning_rate_schedule cosine decays the rate to 0 over "
                             "train.epochs: set epochs to the run you want (auto is a cap "
                             "early stopping usually ends long before, so the rate would "
                             "hardly fall)")
        return self


# ----------------------------------------------------------------------- baseline
class BaselineSpec(Section):
    """The baseline trained beside the model on the same splits (scikit-learn, CPU), its
    test figures logged as ``baseline_test_<metric>`` and ``skill_<metric>``; a model
    that loses to it ends the run with a WARNING and the MLflow tag
    ``quality.below_baseline=true``. What each topology fits is in its ``baseline.py``."""

    enabled: bool = True
    #: Training records (sentences, texts, windows) the baseline learns from at most: a
    #: seeded sample above it, so it costs seconds to a few minutes.
    max_train_records: int = Field(50_000, ge=1, le=10**9)
    #: Validation records its regularization is chosen on, at most.
    max_val_records: int = Field(10_000, ge=1, le=10**9)
    #: Tagging: also fit a linear-chain CRF on word features (sklearn-crfsuite), the
    #: stronger of the two baselines; off: most frequent tag per word only.
    crf: bool = True


# ------------------------------------------------------------------------- export
class ExportSpec(Section):
    #: Exports go to ``<base_dir>/<pipeline>/<version>/``, relative to the working
    #: directory (the project). A folder outside it must be written as an absolute path.
    base_dir: str = Field("models", min_length=1)
    warmup_examples: int = Field(4, ge=1, le=10_000)
    parity_examples: int = Field(32, ge=1, le=10_000)

    @field_validator("base_dir")
    @classmethod
    def _inside_the_project_unless_absolute(cls, base_dir: str) -> str:
        if not posixpath.isabs(base_dir):
            parts = posixpath.normpath(base_dir.replace("\\", "/")).split("/")
            if parts[0] == "..":
                raise ValueError(f"{base_dir!r} climbs out of the project folder; write the "
                                 "absolute path if the exports should go there")
        return base_dir


# ----------------------------------------------------------------------- generate
class SamplingSpec(Section):
    """What the generating topologies (``generation``, ``piano_roll``) sample after
    training (logged) and in the export's warmup/parity requests. Each declares its own
    ``generate`` section from this one."""

    #: Softmax temperature; 0 decodes greedily (the most likely token every step).
    temperature: float = Field(1.0, ge=0, le=100)
    #: Most steps generated after the prefix ([END] stops earlier).
    max_length: int = Field(32, ge=1, le=256)
    #: Sequences generated after training (logged, novelty measured).
    samples: int = Field(50, ge=1, le=100_000)
