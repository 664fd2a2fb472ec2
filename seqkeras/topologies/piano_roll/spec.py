"""The piano_roll pipeline schema: frame-model and sampling settings (TensorFlow-free)."""

from __future__ import annotations

from typing import Literal

from seqkeras.spec import (PipelineSpec, Problem, RecurrentModel, SamplingSpec, TokenizeSpec,
                           not_applicable)


class PianoRollModel(RecurrentModel):
    """Masked 88-key frames -> unidirectional recurrent stack -> Dense(88) logits (the
    inputs are frames: no embedding)."""


class PianoRollGenerate(SamplingSpec):
    """The chorales sampled after training (MIDI + piano roll logged) and the export's
    warmup/parity requests; ``max_length`` is the steps per chorale."""


class PianoRollPipeline(PipelineSpec):
    """A one-to-many polyphonic music pipeline: 88-key frames, each sampled from the frames
    before it; ``generate`` sets the sampling."""

    topology: Literal["piano_roll"] = "piano_roll"
    model: PianoRollModel = PianoRollModel()
    generate: PianoRollGenerate = PianoRollGenerate()

    EXTRA_SECTIONS = {"generate": ("train", "export")}
    #: compile: FrameNLL (nats per time step), no metrics.
    METRICS = {"loss": "min"}


#: ``seqkeras predict`` defaults (``steps=``, ``temperature=``, ``seed=``, ``samples=``):
#: steps and temperature are the ``generate`` section's; predict draws one chorale from
#: seed 0 unless told otherwise.
PREDICT_DEFAULTS = {"steps": PianoRollGenerate.model_fields["max_length"].default,
                    "temperature": PianoRollGenerate.model_fields["temperature"].default,
                    "seed": 0, "samples": 1}


def validate(spec: PianoRollPipeline) -> list[Problem]:
    """Rules across sections (frames are predicted left to right: no backward layer).
    Returns the problems found (empty: valid)."""
    problems = []
    if spec.model.bidirectional:
        problems.append(Problem(("model", "bidirectional"), (
            "topology piano_roll predicts each frame from the frames before it, and a "
            "backward layer would see the future: set it to false")))
    problems += not_applicable(
        spec, [f"tokenize.{k}" for k in TokenizeSpec.model_fields if k != "max_length"],
        "it reads piano-roll frames, not text; only tokenize.max_length, the length "
        "buckets, applies")
    problems += [Problem(("data", "sources", i, "format"), (
        f"topology piano_roll reads JSON files of chorales, not {s.format!r}: leave "
        "format out (auto)")) for i, s in enumerate(spec.data.sources) if s.format != "auto"]
    return problems
