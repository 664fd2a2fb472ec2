"""The ``tune`` section: a keras-tuner search over dotted ``model.*`` / ``train.*`` keys.

Which keys exist, whether a range over them is integer, and whether the objective is a
name the topology logs depend on the topology: ``seqkeras.spec.checks`` checks those
against the pipeline's own classes.
"""

from __future__ import annotations

from typing import Any, Literal, Optional, Union

from pydantic import Discriminator, Field, Tag, model_validator
from typing_extensions import Annotated

from seqkeras.spec.sections import Section


class Choice(Section):
    choice: list[Any] = Field(min_length=1, max_length=1000)


class Range(Section):
    min: float
    max: float
    step: Optional[float] = Field(None, gt=0)
    sampling: Literal["linear", "log"] = "linear"
    #: int ranges give int values (units, layers); float ranges give floats. A range over
    #: an integer field is int without saying so.
    type: Literal["int", "float"] = "float"

    @model_validator(mode="after")
    def _ordered(self):
        if self.max <= self.min:
            raise ValueError("max must be greater than min")
        if self.sampling == "log" and self.min <= 0:
            raise ValueError("log sampling needs min > 0")
        if self.type == "int":
            for key in ("min", "max", "step"):
                value = getattr(self, key)
                if value is not None and value != int(value):
                    raise ValueError(f"{key} {value:g} is not a whole number (an int range)")
        return self


def _dimension_kind(value) -> str:
    return "Choice" if isinstance(value, Choice) or (
        isinstance(value, dict) and "choice" in value) else "Range"


#: A search dimension: ``{choice: [...]}`` or ``{min:, max:, ...}``. The tags are the class
#: names, which error messages drop from key paths.
Dimension = Annotated[Union[Annotated[Choice, Tag("Choice")], Annotated[Range, Tag("Range")]],
                      Discriminator(_dimension_kind)]


class TuneSpec(Section):
    enabled: bool = False
    algorithm: Literal["random", "bayesian", "hyperband"] = "random"
    max_trials: int = Field(4, ge=1, le=100_000)
    #: Epochs per trial (hyperband: the maximum epochs of a bracket).
    epochs: int = Field(2, ge=1, le=100_000)
    #: A name the topology logs each epoch (``seqkeras validate`` lists them).
    objective: str = "val_loss"
    #: Whether lower (min) or higher (max) is better; default: what the topology declares.
    direction: Optional[Literal["min", "max"]] = None
    #: Dotted keys into ``model`` or ``train`` mapped to a choice or a range.
    space: dict[str, Dimension] = Field({}, max_length=100)
    #: Limit training batches per trial epoch (None: the whole training split).
    steps_per_epoch: Optional[int] = Field(None, gt=0, le=100_000_000)

    @model_validator(mode="after")
    def _space_when_enabled(self):
        if self.enabled and not self.space:
            raise ValueError("tune.enabled is true but tune.space declares no dimension "
                             "(e.g. model.units: {choice: [32, 64]})")
        return self
