"""Stage declarations: what each stage depends on, for fingerprints and wiring."""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from seqkeras.spec import PipelineSpec
from seqkeras.tracking import Tracker

# Our tf.data pipelines shuffle themselves and have unknown length by design.
warnings.filterwarnings("ignore", message=r".*`shuffle=True` was passed.*")
warnings.filterwarnings("ignore", message=r".*Your input ran out of data.*")


@dataclass
class StageContext:
    spec: PipelineSpec
    spec_path: Path
    workdir: Path                      #: data/<pipeline>
    out: Path                          #: this stage's (temporary) output folder
    tracker: Tracker
    log: logging.Logger = field(default_factory=lambda: logging.getLogger("seqkeras"))
    #: This stage's fingerprint (what its output is valid for).
    fingerprint: str = ""
    #: How to run, not what to compute (not part of any fingerprint): ``tune_workers``.
    options: dict = field(default_factory=dict)

    def input(self, stage: str) -> Path:
        """The finished output folder of an upstream stage."""
        return self.workdir / stage

    @property
    def topology(self):
        from seqkeras.topologies import get_topology
        return get_topology(self.spec.topology)


@dataclass(frozen=True)
class Stage:
    name: str
    #: Spec sections whose content is part of this stage's fingerprint.
    sections: tuple[str, ...]
    #: Stages whose outputs this one reads (their fingerprints chain into this one's).
    upstream: tuple[str, ...]
    run: Callable[[StageContext], dict]
    help: str


def _stages() -> list[Stage]:
    from seqkeras.stages import build, export, ingest, tokenize, train, tune

    return [
        Stage("ingest", ("data",), (), ingest.run,
              "read the sources, split train/val/test, reject malformed rows, write statistics"),
        Stage("tokenize", ("tokenize",), ("ingest",), tokenize.run,
              "learn the vocabulary and labels from the training split"),
        Stage("build", ("model", "train"), ("tokenize",), build.run,
              "assemble the Keras functional model for the topology; write its summary"),
        Stage("tune", ("tune", "model", "train"), ("build",), tune.run,
              "keras-tuner search over the YAML search space (skipped when disabled)"),
        Stage("train", ("train", "model", "baseline"), ("build", "tune"), train.run,
              "fit with early stopping and checkpoints; evaluate on the test split"),
        Stage("export", ("export",), ("train",), export.run,
              "write a versioned SavedModel that answers raw inputs, with warmup requests"),
    ]


STAGES = _stages()
STAGE_NAMES = [s.name for s in STAGES]


def fingerprint_sections(stage: Stage, topology: str) -> tuple[str, ...]:
    """The stage's sections plus the extra sections the topology declares for it
    (``EXTRA_SECTIONS`` of its pipeline class: ``generate`` joins train and export of the
    generating topologies, ``target_tokenize`` the tokenize stage of seq2seq), so other
    pipelines' stages are not invalidated by sections they never read."""
    from seqkeras.topologies import topology_entry

    extra = topology_entry(topology).spec.EXTRA_SECTIONS
    return stage.sections + tuple(s for s, stages in extra.items() if stage.name in stages)


def spec_fingerprint_sections(stage: Stage, spec) -> tuple[str, ...]:
    """``fingerprint_sections`` of this spec's topology, less an ``input`` section that is
    plain text (the default, which reads nothing but ``tokenize``): text pipelines keep
    the stage fingerprints they had before the input section existed, so their outputs
    stay fresh, while any numeric or audio setting reruns the stages that read it."""
    sections = fingerprint_sections(stage, spec.topology)
    if getattr(getattr(spec, "input", None), "kind", None) == "text":
        sections = tuple(s for s in sections if s != "input")
    return sections
