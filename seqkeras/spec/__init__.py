"""The pipeline schema: one YAML file per pipeline, validated before any stage runs.

Shared sections (``sections``), the recurrent-model base (``model``), the search space
(``search``) and the pipeline with its topology union (``pipeline``) live here; each
topology declares its own ``model`` section, extra sections and rules in
``seqkeras/topologies/<name>/spec.py``. ``load_spec`` (``loading``) reads a file,
refusing what YAML hides (``yaml_source``), and reports every problem as one
``file:line: key: message`` line (``messages``). Nothing here imports TensorFlow.
"""

from seqkeras.spec.loading import load_spec
from seqkeras.spec.inputs import (AudioAugment, AudioInput, InputSpec, MeasurementInputSpec,
                                  NoiseAugment, NumericInput, TextInput, input_problems)
from seqkeras.spec.model import EmbeddedRecurrentModel, FrameInputs, RecurrentModel
from seqkeras.spec.pipeline import PipelineSpec, flatten, param_key, pipeline_class
from seqkeras.spec.problems import Problem, not_applicable
from seqkeras.spec.search import Choice, Dimension, Range, TuneSpec
from seqkeras.spec.sections import (DEFAULT_SPLIT_VALUES, BaselineSpec, DataSpec, EarlyStopping,
                                    ExportSpec, ReduceLROnPlateau, Replacement, SamplingSpec, Section,
                                    Source, SplitFractions, TokenizeSpec, TrainSpec)

__all__ = [
    "AudioAugment", "AudioInput", "FrameInputs", "InputSpec", "MeasurementInputSpec",
    "NoiseAugment", "NumericInput", "TextInput", "input_problems",
    "BaselineSpec", "Choice", "DEFAULT_SPLIT_VALUES", "DataSpec", "Dimension", "EarlyStopping",
    "EmbeddedRecurrentModel", "ExportSpec", "PipelineSpec", "Problem", "Range",
    "RecurrentModel", "ReduceLROnPlateau", "Replacement", "SamplingSpec", "Section", "Source",
    "SplitFractions", "TokenizeSpec", "TrainSpec", "TuneSpec", "flatten", "load_spec",
    "not_applicable", "param_key", "pipeline_class",
]
