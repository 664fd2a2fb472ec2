"""seqkeras.stages.base: the stage list, its wiring and the CLI's description of it."""

from __future__ import annotations

from pathlib import Path

from seqkeras.cli import STAGE_HELP
from seqkeras.stages import STAGE_NAMES, STAGES, StageContext
from seqkeras.tracking import Tracker


def test_stage_order_and_upstreams_come_first():
    assert STAGE_NAMES == ["ingest", "tokenize", "build", "tune", "train", "export"]
    for i, stage in enumerate(STAGES):
        assert all(STAGE_NAMES.index(u) < i for u in stage.upstream), stage.name
    assert STAGES[0].sections == ("data",) and STAGES[0].upstream == ()


def test_cli_stage_help_matches_the_stage_declarations():
    described = [line.split(None, 1) for line in STAGE_HELP.splitlines()[1:] if line.strip()]
    assert [(name, text) for name, text in described] == [(s.name, s.help) for s in STAGES]


def test_stage_context_input_is_the_upstream_output(tmp_path):
    ctx = StageContext(spec=None, spec_path=Path("p.yaml"), workdir=tmp_path / "data" / "p",
                       out=tmp_path / "tmp", tracker=Tracker(enabled=False))
    assert ctx.input("ingest") == tmp_path / "data" / "p" / "ingest"


def test_generate_section_is_fingerprinted_only_for_generation():
    from seqkeras.runner import stage_fingerprint
    from seqkeras.spec import PipelineSpec
    from seqkeras.stages import STAGES
    from seqkeras.stages.base import fingerprint_sections

    train = next(s for s in STAGES if s.name == "train")
    upstream = {"build": "b", "tune": "t"}

    def fp(topology, **sections):
        spec = PipelineSpec.model_validate({
            "name": "x", "topology": topology, "data": {"sources": [{"path": "a.txt"}]},
            **sections})
        return stage_fingerprint(train, spec, upstream, "d")

    assert fp("generation", generate={"temperature": 1.0}) != \
        fp("generation", generate={"temperature": 0.5})
    # the sections a topology declares (EXTRA_SECTIONS) join only its own fingerprints
    # (the train stage also fits and compares the baseline: its section is train's)
    assert fingerprint_sections(train, "generation") == ("train", "model", "baseline",
                                                         "generate")
    assert fingerprint_sections(train, "many_to_one") == ("train", "model", "baseline")
    tokenize = next(s for s in STAGES if s.name == "tokenize")
    assert fingerprint_sections(tokenize, "seq2seq") == ("tokenize", "target_tokenize")
