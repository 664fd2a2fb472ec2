"""The generation pipeline schema: language-model and sampling settings (TensorFlow-free)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from seqkeras.spec import EmbeddedRecurrentModel, PipelineSpec, Problem, SamplingSpec


class GenerationModel(EmbeddedRecurrentModel):
    """The ``model`` section of generation: an embedded recurrent stack read left to right,
    optionally conditioned on each record's label."""

    #: Embedding size of the record's label (data.sources[].label_field) that the model is
    #: conditioned on, concatenated to the input at every step (0: off).
    condition_dim: int = Field(0, ge=0, le=4096)


class GenerationGenerate(SamplingSpec):
    """The samples logged after training and the export's warmup/parity requests."""

    #: Sample only among the k most likely tokens (0: all); baked into the export.
    top_k: int = Field(0, ge=0, le=1_000_000)


class GenerationPipeline(PipelineSpec):
    """A one-to-many character (or token) language model pipeline: the output at step t
    is fed back as the input at step t+1; ``generate`` sets the sampling."""

    topology: Literal["generation"] = "generation"
    model: GenerationModel = GenerationModel()
    generate: GenerationGenerate = GenerationGenerate()

    EXTRA_SECTIONS = {"generate": ("train", "export")}
    #: compile: the masked next-token cross-entropy, no metrics.
    METRICS = {"loss": "min"}
    LABEL_OPTIONAL = True
    RECORD_FIELDS = ("text_field", "label_field", "split_field")
    TEXT_FIELDS = ("text_field",)
    AUTO_TEXT = {"tokenize": "text"}
    AUTO_RECORDS = True


#: ``seqkeras predict`` defaults (``temperature=``, ``max_length=`` arguments override
#: them): the ``generate`` section's.
PREDICT_DEFAULTS = {key: GenerationGenerate.model_fields[key].default
                    for key in ("temperature", "max_length")}


def validate(spec: GenerationPipeline) -> list[Problem]:
    """Rules across sections: no backward layer (it would see the future) and a label
    source when the model is conditioned. Returns the problems found (empty: valid)."""
    problems = []
    if spec.model.bidirectional:
        problems.append(Problem(("model", "bidirectional"), (
            "topology generation predicts the next token from the tokens before it, and a "
            "backward layer would see the future: set it to false")))
    if spec.model.condition_dim and all(s.label_field is None and s.label is None
                                        for s in spec.data.sources):
        problems.append(Problem(("model", "condition_dim"), (
            "conditions on each record's label, but no source gives one: set label_field "
            "(or label) on a source, or condition_dim: 0")))
    return problems
