"""The seq2seq pipeline schema: encoder-decoder, target side and decoding settings
(TensorFlow-free). The encoder reads text (the default) or measurements (``input.kind``
numeric or audio: speech to text with an attentional decoder)."""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import Field

from seqkeras.spec import (EmbeddedRecurrentModel, FrameInputs, InputSpec, PipelineSpec,
                           Problem, TextInput, TokenizeSpec, input_problems)
from seqkeras.spec.inputs import MEASUREMENT_SOURCE_KEYS
from seqkeras.spec.sections import Section


class Seq2SeqModel(EmbeddedRecurrentModel, FrameInputs):
    """The ``model`` section of the encoder-decoder: a (bi)directional recurrent encoder, a
    decoder started from its final states, with or without attention."""

    #: How the decoder reads the encoder's outputs at every step: ``none`` (only the
    #: encoder's final state, Sutskever/Cho), ``bahdanau`` (additive score) or ``luong``
    #: (multiplicative "general" score).
    attention: Literal["none", "bahdanau", "luong"] = "bahdanau"
    #: Layer-normalize what the output head reads ([decoder output; context]). Without it
    #: an attentional decoder sits on a loss plateau for epochs before it learns where to
    #: look (measured on translate_en_fr: 3-4 of 10 epochs, val loss 4.4 -> 2.03 after the
    #: first; the untuned dev YAML without it: BLEU 2.7 after 5 epochs, val chrF still
    #: climbing), so it is on by default.
    head_layer_norm: bool = True
    #: Train the vocabulary-sized output layer on the gold word and this many words
    #: sampled per batch (sampled softmax, Jean et al. 2015; 0: the whole vocabulary).
    #: That layer is about a third of a translation step on CPU; validation, test
    #: metrics, decoding and the export still score every word. The training ``loss``
    #: logged is then the sampled one (lower than ``val_loss``'s full softmax).
    sampled_softmax: int = Field(0, ge=0, le=1_000_000)

    NEW_FIELDS = FrameInputs.NEW_FIELDS + ("sampled_softmax",)


class Seq2SeqGenerate(Section):
    """Decoding of the test metrics and of the export (in-graph beam search)."""

    #: Most tokens generated ([END] stops earlier).
    max_length: int = Field(32, ge=1, le=256)
    #: Beam width (1: greedy).
    beam_size: int = Field(1, ge=1, le=32)
    #: GNMT length normalization of beam scores, ((5 + length) / 6) ** alpha (0: raw
    #: log-probabilities, which favour short outputs).
    length_penalty: float = Field(0.6, ge=0, le=10)


class Seq2SeqPipeline(PipelineSpec):
    """An encoder-decoder (Tx != Ty, translation) pipeline trained with teacher forcing and
    decoded in-graph (greedy or beam search)."""

    topology: Literal["seq2seq"] = "seq2seq"
    #: What the encoder reads: source text (tokenized), numeric [T, F] sequences or audio.
    input: InputSpec = TextInput()
    #: How the target side is tokenized (None: like ``tokenize``); its own vocabulary is
    #: always learned from the training targets.
    target_tokenize: Optional[TokenizeSpec] = None
    model: Seq2SeqModel = Seq2SeqModel()
    generate: Seq2SeqGenerate = Seq2SeqGenerate()

    EXTRA_SECTIONS = {"target_tokenize": ("tokenize",), "generate": ("train", "export"),
                      "input": ("ingest", "tokenize")}
    SPECIFIC_KEYS = ("data.sources[].target_field",) + MEASUREMENT_SOURCE_KEYS
    #: compile: the masked target cross-entropy, no metrics.
    METRICS = {"loss": "min"}
    #: chrF of greedy translations of a val sample after every epoch (``epoch_callbacks``)
    VAL_METRICS = {"chrf": "max"}
    SELECTION = "val_chrf"
    LABEL_OPTIONAL = True
    RECORD_FIELDS = ("text_field", "label_field", "target_field", "split_field")
    TEXT_FIELDS = ("text_field", "target_field")
    AUTO_TEXT = {"tokenize": "text", "target_tokenize": "target"}
    AUTO_RECORDS = True


def validate(spec: Seq2SeqPipeline) -> list[Problem]:
    """Rules across sections: the sources fit ``input.kind`` (with measurements,
    ``tokenize`` describes the target side when ``target_tokenize`` is not set); some
    source must set ``target_field`` (the pairs' target side). Returns the problems
    found (empty: valid)."""
    problems = input_problems(spec, text_only_keys=())
    if spec.model.sampled_softmax and spec.train.jit_compile:
        problems.append(Problem(("model", "sampled_softmax"), (
            "sampled softmax draws its sample with an op XLA does not compile, and masks "
            "to a shape that changes every batch: set train.jit_compile false, or "
            "model.sampled_softmax 0")))
    if any(s.target_field is not None for s in spec.data.sources):
        return problems
    return problems + [Problem(("data", "sources", 0, "target_field"), (
        "topology seq2seq reads source/target pairs, but no source sets target_field: set "
        "it to the field holding the translation of text_field"))]
