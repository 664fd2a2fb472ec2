"""The six stages, in order. Each is a function from a StageContext to a summary dict;
stages never call each other: the runner wires them through their output folders."""

from seqkeras.stages.base import STAGES, STAGE_NAMES, Stage, StageContext

__all__ = ["STAGES", "STAGE_NAMES", "Stage", "StageContext"]
