"""The recurrent-model fields every topology's ``model`` section starts from.

Each topology declares its own ``model`` section (``seqkeras/topologies/<name>/spec.py``)
by extending one of these, so a field of another topology (``crf`` on a classifier) is
an unknown key there. The field names are the ones the topology code reads
(``spec.model.units`` ...).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from seqkeras.spec.sections import AUTO, Section, auto_or

#: Upper bounds: far past what a recurrent model on one machine can use, so only typos hit them.
MAX_UNITS = 16_384
MAX_LAYERS = 32


class RecurrentModel(Section):
    """A stack of recurrent layers and the dense head after it (no embedding: the inputs
    are numbers, e.g. piano-roll frames or time-series windows)."""

    #: The recurrent cell. ``min_gru`` / ``min_lstm`` (Feng et al. 2024, "Were RNNs All We
    #: Needed?"): gates from the input only, trained with a parallel scan, no recurrent weights.
    cell: Literal["simple_rnn", "lstm", "gru", "min_gru", "min_lstm"] = "lstm"
    #: Units of each recurrent layer (per direction when bidirectional). auto: the power
    #: of two nearest to the square root of the training records, 32 to 256 (topologies
    #: without such statistics: 64).
    units: auto_or(int, gt=0, le=MAX_UNITS) = 64
    layers: int = Field(1, ge=1, le=MAX_LAYERS)
    bidirectional: bool = False
    #: Input dropout of each recurrent layer, and dropout on its recurrent state.
    dropout: float = Field(0.0, ge=0, lt=1)
    recurrent_dropout: float = Field(0.0, ge=0, lt=1)
    #: Hidden dense layer before the output (0: none).
    head_units: int = Field(0, ge=0, le=MAX_UNITS * 4)
    #: Dropout before the output layer.
    head_dropout: float = Field(0.0, ge=0, lt=1)

    @model_validator(mode="after")
    def _recurrent_dropout_needs_recurrent_weights(self):
        if self.cell in ("min_gru", "min_lstm") and self.recurrent_dropout:
            raise ValueError(f"cell {self.cell!r} has no recurrent weights, so no recurrent "
                             f"dropout: set recurrent_dropout to 0 (got {self.recurrent_dropout})")
        return self


class EmbeddedRecurrentModel(RecurrentModel):
    """A recurrent model over token ids: an embedding (id 0 = padding, masked) first."""

    #: auto: the power of two nearest to 8 x vocabulary size ** 0.25, 16 to 256.
    embedding_dim: auto_or(int, gt=0, le=MAX_UNITS) = AUTO
    units: auto_or(int, gt=0, le=MAX_UNITS) = AUTO
    #: Dropout on the embedded tokens.
    embedding_dropout: float = Field(0.0, ge=0, lt=1)


class FrameInputs(Section):
    """How a recurrent model reads measurement frames (``input.kind`` numeric or audio)."""

    #: Stack this many consecutive frames into one step of ``frame_stack`` x F features
    #: (a lower frame rate: the recurrent layers run that many times fewer steps; 1: off).
    frame_stack: int = Field(1, ge=1, le=64)
    #: A dense ReLU projection of each step before the recurrent stack (0: none).
    input_units: int = Field(0, ge=0, le=MAX_UNITS)

    NEW_FIELDS = ("frame_stack", "input_units")
