"""The transcription schema: its sections, its rules, the names it logs."""

from __future__ import annotations

import pydantic
import pytest

from seqkeras.spec import PipelineSpec
from seqkeras.topologies.transcription.spec import TranscriptionPipeline

WAV = {"path": "r.zip", "format": "wav",
       "name_pattern": r"^(?P<label>\d)_(?P<speaker>[a-z]+)_"}


def make(**sections) -> PipelineSpec:
    data = sections.pop("data", {"sources": [WAV], "compose": {}})
    return PipelineSpec.model_validate({"name": "t", "topology": "transcription",
                                        "data": data, **sections})


def test_defaults_and_sections():
    spec = make()
    assert isinstance(spec, TranscriptionPipeline)
    assert spec.input.kind == "audio" and spec.tokenize.level == "char"
    assert spec.decode.beam_size == 8 and spec.data.compose.max_items == 5
    assert spec.logged_metrics() == ["loss", "val_loss"]
    assert {"frame_stack", "input_units", "bidirectional"} <= set(type(spec.model).model_fields)


@pytest.mark.parametrize("sections, phrase", [
    ({"data": {"sources": [WAV]}}, "gives no transcripts"),
    ({"data": {"sources": [{"path": "r.zip", "format": "wav", "name_pattern": "(x)"}],
               "compose": {}}}, "no group (?P<speaker>"),
    ({"data": {"sources": [WAV], "compose": {"min_items": 4, "max_items": 2}}},
     "min_items must not exceed max_items"),
    ({"input": {"kind": "numeric"}, "data": {"sources": [{"path": "x.ts"}], "compose": {}}},
     "it needs input.kind audio"),
    ({"input": {"kind": "text"}}, "input"),
    ({"tokenize": {"level": "word"}}, "tokenize.level"),
    ({"model": {"embedding_dim": 8}}, "embedding_dim"),
    ({"decode": {"beam_size": 0}}, "beam_size"),
    ({"train": {"early_stopping": {"monitor": "val_accuracy"}}}, "never logged"),
])
def test_mistakes_are_refused(sections, phrase):
    with pytest.raises(pydantic.ValidationError, match=phrase.replace("(", r"\(")
                       .replace("?", r"\?")):
        make(**sections)


def test_a_manifest_with_transcripts_needs_no_compose():
    spec = make(data={"sources": [{"path": "m.csv", "format": "wav", "target_field": "text",
                                   "label_field": None}]})
    assert spec.data.compose is None


def test_compose_is_a_setting_of_transcription_only():
    with pytest.raises(pydantic.ValidationError, match="compose"):
        PipelineSpec.model_validate({"name": "t", "data": {"sources": [{"path": "x.csv"}],
                                                           "compose": {}}})
