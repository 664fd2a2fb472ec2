"""The many_to_one pipeline schema: text classification settings (TensorFlow-free)."""

from __future__ import annotations

from typing import Literal

from seqkeras.spec import EmbeddedRecurrentModel, PipelineSpec, Problem


class ManyToOneModel(EmbeddedRecurrentModel):
    """The ``model`` section of classification: an embedded recurrent stack whose last state
    (or pooled outputs) feeds a dense head."""

    #: How the sequence becomes one vector: the last state (the classic many-to-one), or
    #: the mean / max over every unmasked step's output.
    pooling: Literal["last", "mean", "max"] = "last"
    #: auto: sigmoid for two classes, softmax otherwise.
    head: Literal["auto", "sigmoid", "softmax"] = "auto"


class ManyToOnePipeline(PipelineSpec):
    """A many-to-one (text classification) pipeline: a sequence of tokens in, one label out."""

    topology: Literal["many_to_one"] = "many_to_one"
    model: ManyToOneModel = ManyToOneModel()

    #: compile: the cross-entropy loss and a (Binary|SparseCategorical)Accuracy named "accuracy".
    METRICS = {"loss": "min", "accuracy": "max"}
    #: computed on val after every epoch (``epoch_callbacks``)
    VAL_METRICS = {"macro_f1": "max"}
    SELECTION = "val_accuracy"
    RECORD_FIELDS = ("text_field", "label_field", "split_field")
    TEXT_FIELDS = ("text_field",)


def validate(spec: ManyToOnePipeline) -> list[Problem]:
    """Every source must give its records a label (a classifier learns labels)."""
    return [Problem(("data", "sources", i, "label_field"),
                    "topology many_to_one classifies records by label, but this source gives "
                    "none: set label_field (the field holding it) or label (one for the file)")
            for i, s in enumerate(spec.data.sources) if s.label_field is None and s.label is None]
