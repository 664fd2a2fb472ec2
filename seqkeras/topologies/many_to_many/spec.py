"""The many_to_many pipeline schema: tagging settings (TensorFlow-free)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from seqkeras.spec import EmbeddedRecurrentModel, PipelineSpec, Problem


class ManyToManyModel(EmbeddedRecurrentModel):
    """The ``model`` section of tagging: word, character and casing features, a recurrent
    encoder and a softmax or CRF output, one tag per token (aligned many-to-many)."""

    #: A per-word character encoder (0: off) and its units (per direction for lstm/gru,
    #: filters for cnn).
    char_embedding_dim: int = Field(0, ge=0, le=4096)
    char_units: int = Field(25, ge=1, le=4096)
    #: A linear-chain CRF output layer decoded with Viterbi (Lample et al. 2016).
    crf: bool = False
    #: How the character encoder reads a word (bidirectional lstm / gru, or a width-3 cnn,
    #: max-pooled), and how many of a word's characters it reads (longer words are cut).
    char_encoder: Literal["lstm", "gru", "cnn"] = "lstm"
    char_max_length: int = Field(20, ge=1, le=1000)
    #: Embedding size of a per-word casing feature (lower, Title, UPPER, digits,
    #: punctuation, ...; 0: off).
    casing_dim: int = Field(0, ge=0, le=4096)
    #: Probability of replacing a training word by [UNK] (word dropout).
    word_dropout: float = Field(0.0, ge=0, lt=1)
    #: Inverse-time learning-rate decay, learning_rate / (1 + lr_decay * epoch)
    #: (0: constant; Ma & Hovy 2016 decay by 0.05 an epoch).
    lr_decay: float = Field(0.0, ge=0, le=100)


class ManyToManyPipeline(PipelineSpec):
    """An aligned many-to-many (entity tagging, chunking) pipeline: one tag per token."""

    topology: Literal["many_to_many"] = "many_to_many"
    model: ManyToManyModel = ManyToManyModel()

    SPECIFIC_KEYS = ("data.tag_scheme", "baseline.crf")
    #: compile: the (CRF or per-token) NLL and MaskedTokenAccuracy named "accuracy".
    METRICS = {"loss": "min", "accuracy": "max"}
    #: conlleval entity F1 on the val sentences after every epoch (``epoch_callbacks``):
    #: the loss can prefer an epoch that tags everything O.
    VAL_METRICS = {"entity_f1": "max"}
    SELECTION = "val_entity_f1"
    RECORD_FIELDS = ("text_field", "label_field", "split_field")


def validate(spec: ManyToManyPipeline) -> list[Problem]:
    """Every source must give its tokens their tags (label_field)."""
    return [Problem(("data", "sources", i, "label_field"),
                    "topology many_to_many learns one tag per token, but this source gives no "
                    "tags: set label_field to the tag column (e.g. -1 for CoNLL files)")
            for i, s in enumerate(spec.data.sources) if s.label_field is None]
