"""``auto``: the settings a user should not have to guess, chosen from the training data.

A setting left at ``auto`` (the default of ``tokenize.max_tokens``, ``min_frequency``,
``max_length``, ``train.batch_size``, ``epochs``, on embedded models
``model.embedding_dim`` and ``units``, and the settings a topology adds rules for,
``PipelineSpec.AUTO_MODEL_RULES`` and ``AUTO_TRAIN_RULES``: the tagger's,
``seqkeras.spec.auto_tagging``) is resolved by a rule from statistics of the training
split (:class:`Facts`). The tokenize stage, the first to read the training split,
measures them and writes them with its choices (``tokenize/resolved.json``); every
later stage applies :func:`resolve` over the spec (after tuned values), so the model,
the training loop and the export all use the same numbers. Stage fingerprints hash the
spec as written (``auto``), and the statistics are a function of the upstream outputs
already chained into them, so a resolved value never makes a stage look changed.

A topology declares what the statistics come from (``PipelineSpec.AUTO_TEXT``: the
record field each tokenize section splits; ``AUTO_RECORDS``: whether the training
records are the training examples). Where it declares nothing (forecasting windows,
chorales) a setting left at ``auto`` takes the fixed default it had before ``auto``
existed, and the log line says so; writing ``auto`` there explicitly is refused by
``seqkeras validate`` (:func:`auto_problems`).

The rules, and the datasets they were measured on, are in ``benchmarks/RESULTS.md``
("Data-aware defaults").

This module is TensorFlow-free: the statistics are counted in
``seqkeras.text.statistics``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Optional

from seqkeras.constants import RESERVED_TOKENS
from seqkeras.spec.problems import Problem
from seqkeras.spec.sections import AUTO

#: The fixed defaults the settings had before ``auto``: what a topology without
#: training statistics gets.
FIXED = {"max_tokens": 20_000, "min_frequency": 1, "max_length": 200, "batch_size": 64,
         "epochs": 5, "units": 64, "embedding_dim": 64,
         # tagging models (``seqkeras.spec.auto_tagging``)
         "bidirectional": False, "crf": False, "char_embedding_dim": 0, "char_encoder": "lstm",
         "char_units": 25, "casing_dim": 0, "word_dropout": 0.0, "embedding_dropout": 0.0,
         "head_dropout": 0.0,
         # the classifier's n-gram branch (``seqkeras.topologies.many_to_one.auto_rules``)
         "ngram_branch.binary": False, "ngram_branch.nb_weighting": False,
         "ngram_branch.normalize": "mean", "ngram_branch.prefit": False,
         "ngram_branch.head_aux_loss_weight": 0.0}

FIXED_REASON = "fixed default"
#: Training tokens from which ``min_frequency: auto`` drops tokens seen once (word-like
#: levels; characters always keep every symbol).
MIN_FREQUENCY_TOKENS = 1_000_000
#: ``max_tokens: auto`` caps (vocabulary rows; wordpiece: pieces to learn).
MAX_AUTO_VOCAB, MAX_AUTO_PIECES = 50_000, 8_000
#: ``max_length: auto``: this percentile of the training lengths, at most this many tokens.
LENGTH_PERCENTILE, MAX_AUTO_LENGTH = 99.0, 512
#: ... unless the longest is at most this many times that percentile (no outlier): then
#: the longest, so nothing is cut.
OUTLIER_RATIO = 2
#: Topologies that score every token (``PipelineSpec.AUTO_KEEPS_TOKENS``, tagging: a cut
#: tail is tagged O and costs F1): the longest training length, at least
#: ``MAX_AUTO_LENGTH`` (room for longer test and served sentences; batches pad to their
#: longest member, so the cap costs nothing), at most this.
MAX_KEEP_LENGTH = 4096
#: ``batch_size: auto``: about this many steps an epoch, within these bounds.
STEPS_PER_EPOCH, BATCH_BOUNDS = 100, (16, 128)
#: ``epochs: auto``: a cap; early stopping on the model-selection metric decides
#: (without early stopping: the fixed default).
AUTO_EPOCHS = 30
#: Record fields that hold the input (the rest, ``target``, are text whatever the input).
INPUT_FIELDS = ("text", "tokens")
#: ``units: auto`` and ``embedding_dim: auto`` bounds.
UNIT_BOUNDS, EMBEDDING_BOUNDS = (32, 256), (16, 256)


@dataclass
class TextFacts:
    """What one tokenize section's text looks like in the training split."""

    #: Tokens in the training split (after normalization, before any cut).
    tokens: int = 0
    #: Distinct tokens seen at least k times, for k = 1, 2, 3, 5.
    distinct: dict[int, int] = field(default_factory=dict)
    #: Sequence length (tokens) -> how many training sequences have it.
    lengths: dict[int, int] = field(default_factory=dict)
    #: Vocabulary rows the tokenize stage kept (set after it built the vocabulary).
    vocab_size: Optional[int] = None
    #: Distinct characters of the tokens (wordpiece spells each alone and as ##suffix;
    #: 0 in statistics kept before it was counted).
    characters: int = 0

    def to_json(self) -> dict:
        return {"tokens": self.tokens, "distinct": {str(k): v for k, v in self.distinct.items()},
                "lengths": {str(k): v for k, v in sorted(self.lengths.items())},
                "vocab_size": self.vocab_size, "characters": self.characters}

    @classmethod
    def from_json(cls, raw: dict) -> "TextFacts":
        return cls(int(raw.get("tokens", 0)),
                   {int(k): int(v) for k, v in raw.get("distinct", {}).items()},
                   {int(k): int(v) for k, v in raw.get("lengths", {}).items()},
                   raw.get("vocab_size"), int(raw.get("characters", 0)))


@dataclass
class Facts:
    """Statistics of the training split that ``auto`` settings are chosen from."""

    #: Training examples (None: the topology's records are not its examples).
    train_records: Optional[int] = None
    #: Tokenize section name (``tokenize``, ``target_tokenize``) -> its text's statistics.
    text: dict[str, TextFacts] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"train_records": self.train_records,
                "text": {k: v.to_json() for k, v in self.text.items()}}

    @classmethod
    def from_json(cls, raw: dict) -> "Facts":
        return cls(raw.get("train_records"),
                   {k: TextFacts.from_json(v) for k, v in (raw.get("text") or {}).items()})


#: One choice: (value, what it was chosen from).
Choice = tuple
#: A rule: (section, facts, section name, the whole spec) -> Choice.
Rule = Callable[[object, Facts, str, object], Choice]


def power_of_two(x: float, low: int, high: int) -> int:
    """The power of two nearest to ``x`` (in log scale), clipped to [low, high]."""
    return int(min(high, max(low, 2 ** round(math.log2(max(x, 1.0))))))


def percentile_length(lengths: dict[int, int], q: float) -> int:
    """The smallest length L with at least ``q`` percent of the sequences <= L."""
    total = sum(lengths.values())
    seen = 0
    for length in sorted(lengths):
        seen += lengths[length]
        if seen * 100 >= q * total:
            return int(length)
    return int(max(lengths, default=0))


def share_longer(lengths: dict[int, int], limit: int) -> float:
    """Share of the sequences longer than ``limit`` (the ones a cut shortens)."""
    total = sum(lengths.values())
    return sum(n for length, n in lengths.items() if length > limit) / total if total else 0.0


# ------------------------------------------------------------------------ the rules
def _min_frequency(section, facts: Facts, name: str, spec) -> Choice:
    text = facts.text.get(name)
    if text is None:
        return FIXED["min_frequency"], f"{FIXED_REASON} (no text statistics)"
    if section.level == "char":
        return 1, "characters: every symbol kept"
    if text.tokens >= MIN_FREQUENCY_TOKENS:
        return 2, f"{text.tokens:,} training tokens >= {MIN_FREQUENCY_TOKENS:,}"
    return 1, f"{text.tokens:,} training tokens < {MIN_FREQUENCY_TOKENS:,}"


def _max_tokens(section, facts: Facts, name: str, spec) -> Choice:
    text = facts.text.get(name)
    if text is None:
        return FIXED["max_tokens"], f"{FIXED_REASON} (no text statistics)"
    k = section.min_frequency
    seen = text.distinct.get(k)
    if seen is None:  # a min_frequency the statistics did not count: the nearest below
        seen = text.distinct[max(m for m in text.distinct if m <= k)] if text.distinct else 0
    if section.level == "wordpiece":
        # every character alone and as a ##suffix, kept whole even beyond the cap (the
        # learner needs them to spell any word), then the words' pieces
        cap, alphabet = MAX_AUTO_PIECES, len(RESERVED_TOKENS) + 2 * text.characters
        return (max(alphabet, min(cap, alphabet + seen)),
                f"{text.characters:,} characters x 2 + {len(RESERVED_TOKENS)} reserved + "
                f"{seen:,} words seen >= {k}x, at most {cap:,} pieces beyond the characters")
    value = max(min(MAX_AUTO_VOCAB, seen + len(RESERVED_TOKENS)), len(RESERVED_TOKENS) + 1)
    return value, f"{seen:,} tokens seen >= {k}x + {len(RESERVED_TOKENS)} reserved, at most {MAX_AUTO_VOCAB:,}"


def _max_length(section, facts: Facts, name: str, spec) -> Choice:
    text = facts.text.get(name)
    if text is None or not text.lengths:
        return FIXED["max_length"], f"{FIXED_REASON} (no length statistics)"
    p = percentile_length(text.lengths, LENGTH_PERCENTILE)
    longest = max(text.lengths)
    n = sum(text.lengths.values())
    unit = "words" if section.level == "wordpiece" else "tokens"
    if spec.AUTO_KEEPS_TOKENS:  # every token is scored: a cut tail would be tagged O
        value = min(MAX_KEEP_LENGTH, max(MAX_AUTO_LENGTH, longest))
        return value, (f"every token is tagged: the longest of {n:,} training lengths "
                       f"({longest} {unit}), at least {MAX_AUTO_LENGTH}, at most "
                       f"{MAX_KEEP_LENGTH}; cuts {share_longer(text.lengths, value):.1%}")
    if longest <= OUTLIER_RATIO * p and longest <= MAX_AUTO_LENGTH:
        # no outlier to guard against: cutting would only lose the ends of a few records
        return max(1, longest), (f"the longest of {n:,} training lengths ({unit}), within "
                                 f"{OUTLIER_RATIO}x their p{LENGTH_PERCENTILE:g} {p}; cuts 0%")
    value = max(1, min(MAX_AUTO_LENGTH, p))
    return value, (f"p{LENGTH_PERCENTILE:g} of {n:,} training lengths ({unit}), at most "
                   f"{MAX_AUTO_LENGTH}; cuts {share_longer(text.lengths, value):.1%}")


def _batch_size(section, facts: Facts, name: str, spec) -> Choice:
    n = facts.train_records
    if not n:
        return FIXED["batch_size"], f"{FIXED_REASON} (no training-record count)"
    value = power_of_two(n / STEPS_PER_EPOCH, *BATCH_BOUNDS)
    return value, f"{n:,} training records / ~{STEPS_PER_EPOCH} steps an epoch"


def _epochs(section, facts: Facts, name: str, spec) -> Choice:
    if not facts.train_records:
        return FIXED["epochs"], f"{FIXED_REASON} (no training-record count)"
    if getattr(section, "early_stopping", True) is None:  # nothing would cut the cap short
        return FIXED["epochs"], "no early stopping (train.early_stopping null) to end sooner"
    return AUTO_EPOCHS, "a cap: early stopping decides"


def _units(section, facts: Facts, name: str, spec) -> Choice:
    n = facts.train_records
    if not n:
        return FIXED["units"], f"{FIXED_REASON} (no training-record count)"
    return power_of_two(math.sqrt(n), *UNIT_BOUNDS), f"sqrt of {n:,} training records"


def _embedding_dim(section, facts: Facts, name: str, spec) -> Choice:
    text = facts.text.get("tokenize")
    vocab = text.vocab_size if text is not None else None
    if not vocab:
        return FIXED["embedding_dim"], f"{FIXED_REASON} (no vocabulary)"
    return (power_of_two(8 * vocab ** 0.25, *EMBEDDING_BOUNDS),
            f"8 x {vocab:,} vocabulary rows ** 0.25")


#: Key inside a section -> its rule, in the order they are resolved (max_tokens reads
#: the resolved min_frequency).
TOKENIZE_RULES: dict[str, Rule] = {"min_frequency": _min_frequency, "max_tokens": _max_tokens,
                                   "max_length": _max_length}
MODEL_RULES: dict[str, Rule] = {"embedding_dim": _embedding_dim, "units": _units}
TRAIN_RULES: dict[str, Rule] = {"batch_size": _batch_size, "epochs": _epochs}
#: Which statistics each rule reads: "text" (the section's tokens), "vocab", "records",
#: "input text" (the ``tokenize`` section's: what the input is). A topology's own model
#: rules (``PipelineSpec.AUTO_MODEL_RULES``) read "input text".
NEEDS = {"min_frequency": "text", "max_tokens": "text", "max_length": "text",
         "embedding_dim": "vocab", "units": "records", "batch_size": "records",
         "epochs": "records"}


def tokenize_sections(spec) -> list[str]:
    """The spec's tokenize sections that are set (``tokenize``, ``target_tokenize``)."""
    from seqkeras.spec.sections import TokenizeSpec

    return [name for name in type(spec).model_fields
            if isinstance(getattr(spec, name, None), TokenizeSpec)]


def _sections(spec, which: tuple[str, ...]):
    for name in tokenize_sections(spec):
        if "tokenize" in which:
            yield name, TOKENIZE_RULES
    if "model" in which:
        yield "model", {**MODEL_RULES, **spec.AUTO_MODEL_RULES}
    if "train" in which:
        yield "train", {**TRAIN_RULES, **spec.AUTO_TRAIN_RULES}


def resolve(spec, facts: Facts, which: tuple[str, ...] = ("tokenize", "model", "train")):
    """``spec`` with every ``auto`` of the sections ``which`` replaced by its rule's
    value; returns (spec, {dotted key: (value, what it was chosen from)}).

    A fixed default (no statistics) that the topology refuses to have set (a
    ``tokenize`` value on forecasting, which reads no text) leaves the key at ``auto``:
    nothing reads it.

    Raises pydantic.ValidationError if a value chosen from statistics does not fit its
    field (a bug in a rule, not a user error).
    """
    import pydantic

    chosen: dict[str, Choice] = {}
    for name, rules in _sections(spec, which):
        for key, rule in rules.items():
            owner, leaf = owner_of(getattr(spec, name), key)
            if owner is None or getattr(owner, leaf) != AUTO:
                continue
            value, reason = rule(owner, facts, name, spec)
            try:
                spec = spec.with_overrides({f"{name}.{key}": value})
            except pydantic.ValidationError:
                if not reason.startswith(FIXED_REASON):
                    raise
                continue
            chosen[f"{name}.{key}"] = (value, reason)
    return spec, chosen


def owner_of(section, key: str):
    """(the section or sub-section holding ``key``, its last part): a rule's key is a
    field of the section (``units``) or a dotted path into a sub-section
    (``ngram_branch.prefit``). (None, leaf) when the section has no such field."""
    *path, leaf = key.split(".")
    for part in path:
        section = getattr(section, part, None)
    if section is None or leaf not in type(section).model_fields:
        return None, leaf
    return section, leaf


def require_resolved(section, keys, where: str = "model") -> None:
    """Raise ValueError naming the ``keys`` of ``section`` (``where`` in the spec) still
    ``auto``: a truthy string that model-building code must never read as a value."""
    unresolved = [key for key in keys if getattr(section, key) == AUTO]
    if unresolved:
        raise ValueError(f"{where} {', '.join(unresolved)} still auto: resolve the spec first "
                         "(seqkeras.stages.auto.resolved_spec, or seqkeras.spec.auto.fixed "
                         "without statistics)")


def fixed(spec):
    """``spec`` with every ``auto`` left at the fixed default (the values these settings
    had before ``auto``): for code that drives a topology without the tokenize stage's
    statistics (the Python API, unit tests). A PipelineSpec or one section."""
    from seqkeras.spec.pipeline import PipelineSpec

    if isinstance(spec, PipelineSpec):
        return resolve(spec, Facts())[0]
    update = {k: FIXED[k] for k in type(spec).model_fields
              if k in FIXED and getattr(spec, k) == AUTO}
    return spec.model_copy(update=update) if update else spec


def auto_line(chosen: dict[str, Choice]) -> str:
    """One line listing what ``auto`` chose and from what; keys chosen one after the
    other for the same reason share it (``model.crf True, model.casing_dim 8 (words)``)."""
    groups: list[tuple[str, list[str]]] = []
    for key, (value, reason) in chosen.items():
        if groups and groups[-1][0] == reason:
            groups[-1][1].append(f"{key} {value}")
        else:
            groups.append((reason, [f"{key} {value}"]))
    return "auto: " + "; ".join(f"{', '.join(items)} ({reason})" for reason, items in groups)


def auto_problems(spec) -> list[Problem]:
    """An explicit ``auto`` a topology has no statistics for: ``seqkeras validate``
    refuses it (the default ``auto`` takes the fixed value quietly)."""
    problems = []
    text_sections = set(auto_text(spec))
    space = spec.tune.space
    for name, rules in _sections(spec, ("tokenize", "model", "train")):
        for key in rules:
            owner, leaf = owner_of(getattr(spec, name), key)
            dim = space.get(f"{name}.{key}")
            if AUTO in (getattr(dim, "choice", None) or ()):
                loc = ("tune", "space", f"{name}.{key}")
            elif (owner is not None and leaf in owner.model_fields_set
                  and getattr(owner, leaf) == AUTO):
                loc = (name, *key.split("."))
            else:
                continue
            need = NEEDS.get(key, "input text")
            missing = ((need == "text" and name not in text_sections)
                       or (need in ("vocab", "input text") and "tokenize" not in text_sections)
                       or (need == "records" and not spec.AUTO_RECORDS))
            if missing:
                what = {"text": "text statistics", "vocab": "vocabulary",
                        "records": "training-example count",
                        "input text": "text statistics"}[need]
                kind = "" if text_input(spec) else f" (input.kind is {spec.input.kind})"
                problems.append(Problem(
                    loc, f"topology {spec.topology}{kind} has no {what} to choose "
                    f"auto from: set {_what_to_set(FIXED[key])}"))
    return problems


def _what_to_set(default) -> str:
    """``a number (the default is 64)``; ``a value (the default is false)`` (YAML words)."""
    if isinstance(default, bool):
        return f"a value (the default is {str(default).lower()})"
    kind = "a number" if isinstance(default, (int, float)) else "a value"
    return f"{kind} (the default is {default})"


def auto_text(spec) -> dict[str, str]:
    """The topology's ``AUTO_TEXT`` (tokenize section -> record field) less the input
    fields when the input is not text (measurements are not tokenized)."""
    return {section: field for section, field in spec.AUTO_TEXT.items()
            if text_input(spec) or field not in INPUT_FIELDS}


def text_input(spec) -> bool:
    """Whether the records are text (no ``input`` section, or ``input.kind: text``)."""
    return getattr(getattr(spec, "input", None), "kind", "text") == "text"
