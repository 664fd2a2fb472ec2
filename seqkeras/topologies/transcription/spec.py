"""The transcription pipeline schema: audio (or numeric frames) in, text out, CTC
(TensorFlow-free).

Records are recordings with a transcript: a manifest's ``target_field``, or sequences
that ingest composes from labelled single recordings (``data.compose``: spoken digit
sequences from FSDD, "three one four"). ``tokenize`` splits the transcripts into the
units the model emits: characters (``char``, the default) or words (``whitespace``).
"""

from __future__ import annotations

import re
from typing import Literal, Optional

from pydantic import Field, model_validator

from seqkeras.spec import (AudioInput, DataSpec, FrameInputs, MeasurementInputSpec,
                           PipelineSpec, Problem, RecurrentModel, TokenizeSpec,
                           input_problems)
from seqkeras.spec.inputs import MEASUREMENT_SOURCE_KEYS
from seqkeras.spec.sections import Section


class ComposeSpec(Section):
    """Sequences built by ingest from single labelled recordings, per split, from that
    split's recordings only (the test sequences from test recordings): each joins
    ``min_items`` to ``max_items`` recordings (drawn with replacement, of one speaker
    when ``same`` names a ``name_pattern`` group) with silences of ``min_silence_ms`` to
    ``max_silence_ms`` before, between and after them; its transcript is their labels
    as ``words``, joined by spaces. Seeded by ``spec.seed``."""

    min_items: int = Field(1, ge=1, le=100)
    max_items: int = Field(5, ge=1, le=100)
    min_silence_ms: float = Field(50.0, ge=0, le=10_000)
    max_silence_ms: float = Field(300.0, ge=0, le=10_000)
    #: A name_pattern group every recording of a sequence shares (None: any recordings).
    same: Optional[str] = Field("speaker", min_length=1)
    #: Sequences built per split.
    train: int = Field(6000, ge=1, le=10_000_000)
    val: int = Field(500, ge=0, le=10_000_000)
    test: int = Field(1000, ge=0, le=10_000_000)
    #: Label -> its word in transcripts ("3": three); unlisted labels are written as is.
    words: dict[str, str] = {}

    @model_validator(mode="after")
    def _ordered(self):
        if self.min_items > self.max_items:
            raise ValueError("min_items must not exceed max_items")
        if self.min_silence_ms > self.max_silence_ms:
            raise ValueError("min_silence_ms must not exceed max_silence_ms")
        return self


class TranscriptionData(DataSpec):
    """The ``data`` section of transcription: the shared sources and split, plus an
    optional ``compose`` of sequences from single labelled recordings."""

    compose: Optional[ComposeSpec] = None


class TranscriptTokenize(TokenizeSpec):
    """How transcripts become the units the CTC output emits (vocabulary from the
    training transcripts; the blank is an extra class after them)."""

    #: char: characters, spaces included (CER and WER both meaningful); whitespace: words.
    level: Literal["char", "whitespace"] = "char"
    max_length: Optional[int] = Field(None, gt=0, le=1_000_000)


class TranscriptionModel(RecurrentModel, FrameInputs):
    """The ``model`` section: (stacked frames ->) recurrent encoder (bidirectional
    recommended: a frame's label depends on the frames after it) -> per-step logits over
    the transcript units plus the CTC blank."""


class TranscriptionDecode(Section):
    """CTC decoding of the test metrics and of the export."""

    #: Beam width of the CTC prefix beam search (``tf.nn.ctc_beam_search_decoder``);
    #: 1 decodes greedily (best path, repeats merged, blanks removed).
    beam_size: int = Field(8, ge=1, le=256)


class TranscriptionPipeline(PipelineSpec):
    """A transcription (speech recognition) pipeline: recordings in, text out, trained
    with Connectionist Temporal Classification (Graves et al., ICML 2006)."""

    topology: Literal["transcription"] = "transcription"
    input: MeasurementInputSpec = AudioInput()
    data: TranscriptionData
    tokenize: TranscriptTokenize = TranscriptTokenize()
    model: TranscriptionModel = TranscriptionModel()
    decode: TranscriptionDecode = TranscriptionDecode()

    EXTRA_SECTIONS = {"input": ("ingest", "tokenize"), "decode": ("train", "export")}
    #: auto: the vocabulary from the transcripts, batches and units from the recordings.
    AUTO_TEXT = {"tokenize": "target"}
    AUTO_RECORDS = True
    SPECIFIC_KEYS = MEASUREMENT_SOURCE_KEYS + ("data.sources[].target_field",)
    #: compile: the CTC loss (negative log-likelihood of the transcript per sequence).
    METRICS = {"loss": "min"}


def validate(spec: TranscriptionPipeline) -> list[Problem]:
    """Sources fit the input kind; every record gets a transcript (``compose`` from
    labelled recordings, or ``target_field``); ``compose`` needs audio and its ``same``
    group in every ``name_pattern``."""
    problems = input_problems(spec, text_only_keys=())
    compose = spec.data.compose
    if compose is None:
        problems += [Problem(("data", "sources", i, "target_field"),
                             "this source gives no transcripts: set target_field (a "
                             "manifest's transcript column) or data.compose (sequences "
                             "from labelled recordings)")
                     for i, s in enumerate(spec.data.sources) if s.target_field is None]
        return problems
    if spec.input.kind != "audio":
        problems.append(Problem(("data", "compose"), "composing sequences joins recordings: "
                                                     "it needs input.kind audio"))
    for i, s in enumerate(spec.data.sources):
        groups = re.compile(s.name_pattern).groupindex if s.name_pattern else {}
        if compose.same is not None and compose.same not in groups:
            problems.append(Problem(("data", "sources", i, "name_pattern"), (
                f"data.compose.same is {compose.same!r}, which this source's name_pattern "
                f"has no group (?P<{compose.same}>...) for; add it or set same: null")))
        if s.label is None and not groups and s.label_field is None:
            problems.append(Problem(("data", "sources", i, "name_pattern"),
                                    "composed sequences are transcribed from labels: set "
                                    "name_pattern with a (?P<label>...) group, or label"))
    return problems
