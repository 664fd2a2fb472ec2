"""The many_to_many pipeline schema: tagging settings (TensorFlow-free).

The input is text (tokens, the default) or numeric ``[T, F]`` sequences with one tag a
step (``input.kind: numeric``: e.g. a sensor stream labelled step by step).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from seqkeras.spec import (EmbeddedRecurrentModel, FrameInputs, InputSpec, PipelineSpec,
                           Problem, TextInput, input_problems, not_applicable)
from seqkeras.spec.auto_tagging import MODEL_RULES, TRAIN_RULES
from seqkeras.spec.inputs import MEASUREMENT_SOURCE_KEYS
from seqkeras.spec.sections import AUTO, auto_or


class ManyToManyModel(EmbeddedRecurrentModel, FrameInputs):
    """The ``model`` section of tagging: word, character and casing features, a recurrent
    encoder and a softmax or CRF output, one tag per token (aligned many-to-many).

    ``auto`` (the default of the settings below that take it; rules:
    ``seqkeras.spec.auto_tagging``): on words, the named-entity recipe of Lample et al.
    2016 and Ma & Hovy 2016 (bidirectional, char CNN 30-dim / 50 filters, casing 8, word
    dropout 0.25, dropout 0.5 on the encoder's input and output, CRF); on measurements,
    the former defaults (off, lstm, 25, 0)."""

    #: Both directions of context (many_to_many only takes ``auto`` here).
    bidirectional: auto_or(bool) = AUTO
    #: A per-word character encoder (0: off) and its units (per direction for lstm/gru,
    #: filters for cnn).
    char_embedding_dim: auto_or(int, ge=0, le=4096) = AUTO
    char_units: auto_or(int, ge=1, le=4096) = AUTO
    #: A linear-chain CRF output layer decoded with Viterbi (Lample et al. 2016).
    crf: auto_or(bool) = AUTO
    #: How the character encoder reads a word (bidirectional lstm / gru, or a width-3 cnn,
    #: max-pooled), and how many of a word's characters it reads (longer words are cut).
    char_encoder: auto_or(Literal["lstm", "gru", "cnn"]) = AUTO
    char_max_length: int = Field(20, ge=1, le=1000)
    #: Embedding size of a per-word casing feature (lower, Title, UPPER, digits,
    #: punctuation, ...; 0: off).
    casing_dim: auto_or(int, ge=0, le=4096) = AUTO
    #: Probability of replacing a training word by [UNK] (word dropout).
    word_dropout: auto_or(float, ge=0, lt=1) = AUTO
    #: Dropout on the recurrent encoder's input (word, character and casing features
    #: together) and on its output before the tag layer (Ma & Hovy 2016: 0.5 each).
    embedding_dropout: auto_or(float, ge=0, lt=1) = AUTO
    head_dropout: auto_or(float, ge=0, lt=1) = AUTO
    #: Inverse-time learning-rate decay, learning_rate / (1 + lr_decay * epoch)
    #: (0: constant; Ma & Hovy 2016 decay by 0.05 an epoch).
    lr_decay: float = Field(0.0, ge=0, le=100)


class ManyToManyPipeline(PipelineSpec):
    """An aligned many-to-many (entity tagging, chunking) pipeline: one tag per token."""

    topology: Literal["many_to_many"] = "many_to_many"
    #: What a record's input is: text (tokens) or numeric [T, F] sequences.
    input: InputSpec = TextInput()
    model: ManyToManyModel = ManyToManyModel()

    EXTRA_SECTIONS = {"input": ("ingest", "tokenize")}
    SPECIFIC_KEYS = ("data.tag_scheme", "baseline.crf") + MEASUREMENT_SOURCE_KEYS
    #: Measurement records carry one tag a step (``tags``) rather than one label.
    PER_STEP_LABELS: ClassVar[bool] = True
    #: compile: the (CRF or per-token) NLL and MaskedTokenAccuracy named "accuracy".
    METRICS = {"loss": "min", "accuracy": "max"}
    #: conlleval entity F1 on the val sentences after every epoch (``epoch_callbacks``):
    #: the loss can prefer an epoch that tags everything O.
    VAL_METRICS = {"entity_f1": "max"}
    SELECTION = "val_entity_f1"
    RECORD_FIELDS = ("text_field", "label_field", "split_field")
    AUTO_TEXT = {"tokenize": "tokens"}
    AUTO_RECORDS = True
    AUTO_MODEL_RULES = MODEL_RULES
    AUTO_TRAIN_RULES = TRAIN_RULES
    #: Every token is tagged and scored: max_length auto cuts no training sentence.
    AUTO_KEEPS_TOKENS = True


#: Model keys that only token inputs read.
TOKEN_KEYS = ("model.embedding_dim", "model.embedding_dropout", "model.char_embedding_dim",
              "model.char_units", "model.char_encoder", "model.char_max_length",
              "model.casing_dim", "model.word_dropout")


def validate(spec: ManyToManyPipeline) -> list[Problem]:
    """Every source must give its tokens (or steps) their tags (label_field); the input is
    text or numeric, one tag a step (no frame stacking)."""
    problems = input_problems(spec)
    if spec.input.kind == "audio":
        problems.append(Problem(("input", "kind"), "aligned tagging reads text or numeric "
                                                   "[T, F] sequences with one tag a step"))
    if spec.input.kind != "text":
        problems += not_applicable(spec, TOKEN_KEYS + ("model.frame_stack",),
                                   f"input.kind is {spec.input.kind}: steps are tagged one "
                                   "by one, not embedded or stacked")
    return problems + [Problem(("data", "sources", i, "label_field"),
                    "topology many_to_many learns one tag per token, but this source gives no "
                    "tags: set label_field to the tag column (e.g. -1 for CoNLL files)")
            for i, s in enumerate(spec.data.sources) if s.label_field is None]
