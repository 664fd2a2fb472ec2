"""The whole pipeline: shared sections plus the topology's own, chosen by ``topology:``.

:class:`PipelineSpec` holds what every topology reads (name, seed, data, tokenize, tune,
train, export). Each topology subclasses it in ``seqkeras/topologies/<name>/spec.py``
with its own ``model`` section, any extra sections (``generate``, ``target_tokenize``),
the metric names it logs and a ``validate`` function, and registers the subclass
(``register_topology(..., spec=..., validate=...)``). The registered subclasses form a
pydantic discriminated union on ``topology``: ``PipelineSpec.model_validate(raw)``
returns the topology's own class, so a setting of another topology is an unknown key
that names it, and ``with_overrides`` (the tuner) re-validates against the same class.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from typing import Any, ClassVar, Optional, Union

import pydantic
from pydantic import BaseModel, Discriminator, Field, Tag, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError
from typing_extensions import Annotated

from seqkeras.spec.model import RecurrentModel
from seqkeras.spec.sections import (MAX_SEED, BaselineSpec, DataSpec, ExportSpec, Section,
                                    TokenizeSpec, TrainSpec)
from seqkeras.spec.search import TuneSpec

DEFAULT_TOPOLOGY = "many_to_one"


class PipelineSpec(Section):
    """A validated pipeline; ``model_validate`` on this class returns the subclass that
    the ``topology`` registered (an instance of this class is never made directly)."""

    name: str = Field(pattern=r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$", max_length=200)
    topology: str = DEFAULT_TOPOLOGY
    seed: int = Field(1337, ge=0, le=MAX_SEED)
    data: DataSpec
    tokenize: TokenizeSpec = TokenizeSpec()
    #: Each topology narrows this to its own model section.
    model: RecurrentModel = RecurrentModel()
    tune: TuneSpec = TuneSpec()
    train: TrainSpec = TrainSpec()
    baseline: BaselineSpec = BaselineSpec()
    export: ExportSpec = ExportSpec()

    # -------------------------------------------------- what each topology declares
    #: Sections beyond the shared ones -> the stages whose fingerprint they join.
    EXTRA_SECTIONS: ClassVar[dict[str, tuple[str, ...]]] = {}
    #: Keys of shared sections that only some topologies read (``data.tag_scheme``,
    #: ``data.sources[].target_field``): the ones this topology reads. A key another
    #: topology declares and this one does not is an error when set.
    SPECIFIC_KEYS: ClassVar[tuple[str, ...]] = ()
    #: What Keras logs each epoch (compile loss and metrics), each with the direction
    #: that is better; the validation split adds the same names with ``val_``.
    METRICS: ClassVar[dict[str, str]] = {"loss": "min"}
    #: Task metrics the topology's epoch callback computes on the validation split after
    #: every epoch (``Topology.epoch_callbacks``), logged with ``val_`` only: name ->
    #: direction (``entity_f1``: max).
    VAL_METRICS: ClassVar[dict[str, str]] = {}
    #: What early stopping, the checkpoint and the learning-rate schedule watch when no
    #: ``monitor`` is given: the task metric where it differs from the loss.
    SELECTION: ClassVar[str] = "val_loss"
    #: Source fields read from every row (ingest_records), peeked at by ``validate``.
    RECORD_FIELDS: ClassVar[tuple[str, ...]] = ()
    #: Of those, the ones a text tokenizer splits (their values must be text).
    TEXT_FIELDS: ClassVar[tuple[str, ...]] = ()
    #: Whether a ``label_field`` left at its default ("label") is read only where a row
    #: has it (topologies that need no label: generation, seq2seq) instead of required.
    LABEL_OPTIONAL: ClassVar[bool] = False
    #: ``auto`` settings (``seqkeras.spec.auto``): tokenize section -> the record field
    #: whose text it splits in the training split ("tokens": already split), and whether
    #: the training records are the training examples (their count sizes batches and
    #: units). A topology that declares neither gets the fixed defaults for ``auto``.
    AUTO_TEXT: ClassVar[dict[str, str]] = {}
    AUTO_RECORDS: ClassVar[bool] = False
    #: Model settings the topology resolves from ``auto`` with its own rules (key ->
    #: ``seqkeras.spec.auto.Rule``), after the shared ``embedding_dim`` and ``units``.
    AUTO_MODEL_RULES: ClassVar[dict] = {}
    #: Train settings the topology resolves with its own rules, in place of the shared
    #: rule of the same key (the tagger's ``batch_size``).
    AUTO_TRAIN_RULES: ClassVar[dict] = {}
    #: Whether every input token is scored (tagging): ``tokenize.max_length: auto`` then
    #: keeps the longest training sequence rather than cutting at the p99.
    AUTO_KEEPS_TOKENS: ClassVar[bool] = False

    # ------------------------------------------------------------------ validation
    @classmethod
    def model_validate(cls, obj: Any, **kwargs) -> "PipelineSpec":
        """Validate ``obj`` against the class its ``topology`` registered (on this base
        class) or against ``cls`` (on a topology's class).

        Raises pydantic.ValidationError (an unknown topology included).
        """
        if cls is not PipelineSpec:
            return super().model_validate(obj, **kwargs)
        check_topology_name(obj)
        return pipeline_adapter().validate_python(obj, **kwargs)

    @model_validator(mode="before")
    @classmethod
    def _int_ranges_over_int_fields(cls, data):
        """A range over an integer field (``model.units: {min: 8, max: 32}``) samples
        integers: keras-tuner would otherwise hand the model 22.83 units."""
        if cls is PipelineSpec or not isinstance(data, dict):
            return data
        tune = data.get("tune")
        space = tune.get("space") if isinstance(tune, dict) else None
        if not isinstance(space, dict):
            return data
        new_space = dict(space)
        for key, dim in space.items():
            if (isinstance(dim, dict) and "choice" not in dim and "type" not in dim
                    and is_int_field(cls, key)):
                new_space[key] = {**dim, "type": "int"}
        return {**data, "tune": {**tune, "space": new_space}}

    @model_validator(mode="after")
    def _cross_section_rules(self):
        if type(self) is PipelineSpec:
            return self
        from seqkeras.spec.checks import pipeline_problems

        problems = pipeline_problems(self)
        if problems:
            from seqkeras.spec.problems import SpecProblems

            raise SpecProblems(problems)
        return self

    # --------------------------------------------------------------------- helpers
    def section_hash(self, *sections: str) -> str:
        """Stable hash of the named sections (what a stage's fingerprint depends on)."""
        payload = {s: fingerprint(getattr(self, s)) for s in sections}
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]

    def with_overrides(self, overrides: dict[str, Any]) -> "PipelineSpec":
        """A copy with dotted ``section.key`` (or ``section.sub.key``) values replaced
        (used by the tuner and ``auto``),
        validated against this topology's own classes.

        Raises pydantic.ValidationError when a value does not fit its field.
        """
        data = self.model_dump(exclude_unset=True)  # what the YAML set stays "set"
        for key, value in overrides.items():
            section, *path, name = key.split(".")
            target = data.setdefault(section, {})
            for part in path:  # model.ngram_branch.prefit: into the sub-section
                if not isinstance(target.get(part), dict):
                    target[part] = {}
                target = target[part]
            target[name] = value
        return type(self).model_validate(data)

    def source_columns(self) -> list[tuple[tuple, str]]:
        """Named columns every source must have, as (spec key path, column): what
        ``validate`` looks for in each source's header. None by default (record
        topologies declare ``RECORD_FIELDS``, peeked at row by row instead)."""
        return []

    def logged_metrics(self) -> list[str]:
        """Every name the topology logs per epoch: its metrics and their ``val_`` forms,
        then the validation task metrics (``VAL_METRICS``, ``val_`` only)."""
        return (list(self.METRICS) + [f"val_{m}" for m in self.METRICS]
                + [f"val_{m}" for m in self.VAL_METRICS if m not in self.METRICS])

    def metric_direction(self, name: str, given: Optional[str] = None) -> str:
        """``"min"`` or ``"max"``: ``given`` when set, else what the topology declares
        for ``name`` (with or without ``val_``). Raises KeyError for an undeclared name."""
        if given:
            return given
        base = name.removeprefix("val_")
        return self.METRICS[base] if base in self.METRICS else self.VAL_METRICS[base]

    def monitor(self, given: Optional[str]) -> str:
        """What a callback watches: ``given``, else the topology's ``SELECTION``."""
        return given or self.SELECTION


def _jsonable(value):
    return value.model_dump(mode="json") if isinstance(value, BaseModel) else value


def fingerprint(value):
    """JSON-able ``value`` for stage fingerprints: a section's ``NEW_FIELDS`` at their
    defaults are left out (at any depth), the rest is ``model_dump(mode="json")``."""
    if isinstance(value, (list, tuple)):
        return [fingerprint(v) for v in value]
    if not isinstance(value, BaseModel):
        return value
    omit = set(getattr(value, "NEW_FIELDS", ()))
    out = {}
    for name, field in type(value).model_fields.items():
        item = getattr(value, name)
        if name in omit and item == field.get_default(call_default_factory=True):
            continue
        out[name] = fingerprint(item) if isinstance(item, (BaseModel, list, tuple)) \
            else _jsonable_leaf(value, name)
    return out


def _jsonable_leaf(model: BaseModel, name: str):
    return model.model_dump(mode="json", include={name})[name]


def section_class(pipeline_cls, section: str):
    """The Section class of ``section`` on a pipeline class (None when it has none)."""
    field = pipeline_cls.model_fields.get(section)
    return _section_type(field.annotation) if field is not None else None


def _section_type(annotation):
    """The Section class inside an annotation such as Optional[X] or list[X] (the first
    of a union of sections)."""
    found = _section_types(annotation)
    return found[0] if found else None


def _section_types(annotation) -> list:
    """Every Section class inside an annotation (Optional[X], list[X], Union[X, Y],
    Annotated[...]), in order."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    found = []
    for arg in getattr(annotation, "__args__", ()):
        for cls in _section_types(arg):
            if cls not in found:
                found.append(cls)
    return found


def is_int_field(pipeline_cls, key: str) -> bool:
    """Whether dotted ``section.name`` is an integer field (``int`` or ``Optional[int]``)."""
    section, _, name = key.partition(".")
    owner = section_class(pipeline_cls, section)
    field = owner.model_fields.get(name) if owner is not None else None
    if field is None:
        return False
    args = getattr(field.annotation, "__args__", (field.annotation,))
    return int in args and float not in args and bool not in args


# ------------------------------------------------------------- the topology union
def _topology_of(value) -> str:
    if isinstance(value, dict):
        return value.get("topology", DEFAULT_TOPOLOGY)
    return getattr(value, "topology", DEFAULT_TOPOLOGY)


@functools.lru_cache(maxsize=1)
def pipeline_adapter() -> pydantic.TypeAdapter:
    """A TypeAdapter of the registered pipeline classes, discriminated by ``topology``."""
    from seqkeras.topologies.registry import topology_entry, topology_names

    members = tuple(Annotated[topology_entry(n).spec, Tag(n)] for n in topology_names())
    if len(members) == 1:
        return pydantic.TypeAdapter(members[0])
    return pydantic.TypeAdapter(Annotated[Union[members], Discriminator(_topology_of)],
                                config=pydantic.ConfigDict(title="PipelineSpec"))


def check_topology_name(obj) -> None:
    """Raise pydantic.ValidationError at ``topology`` when it names no registered one."""
    from seqkeras.spec.messages import suggest
    from seqkeras.topologies.registry import topology_names

    name = _topology_of(obj)
    known = topology_names()
    if isinstance(name, str) and name in known:
        return
    message = (f"unknown topology {name!r}{suggest(str(name), known)}; "
               f"registered: {', '.join(known)}")
    raise pydantic.ValidationError.from_exception_data("PipelineSpec", [InitErrorDetails(
        type=PydanticCustomError("unknown_topology", message.replace("{", "{{")
                                 .replace("}", "}}")),
        loc=("topology",), input=name)])


def pipeline_class(name: str):
    """The registered pipeline class of topology ``name`` (KeyError when unknown)."""
    from seqkeras.topologies.registry import topology_entry

    return topology_entry(name).spec


# ------------------------------------------------------------------------ flatten
#: MLflow param keys may hold letters, digits, ``_ - . /`` and spaces (colons not on
#: Windows); anything else (a split value such as "dev (2019)") becomes ``_``.
_UNSAFE_PARAM_CHARS = re.compile(r"[^\w.\- ]")
MAX_PARAM_KEY = 250


def param_key(key: str) -> str:
    """``key`` as a valid MLflow param name (unsafe characters -> ``_``, at most 250)."""
    safe = _UNSAFE_PARAM_CHARS.sub("_", key)
    if len(safe) > MAX_PARAM_KEY:
        digest = hashlib.sha256(key.encode()).hexdigest()[:8]
        safe = f"{safe[:MAX_PARAM_KEY - 9]}_{digest}"
    return safe


def flatten(spec: PipelineSpec) -> dict[str, str]:
    """``section.key`` -> value strings, for MLflow params. Keys are MLflow-safe
    (:func:`param_key`); two keys that become the same get ``_2``, ``_3`` ..."""
    out: dict[str, str] = {}

    def put(key, value):
        safe = param_key(key)
        candidate, n = safe, 1
        while candidate in out:
            n += 1
            candidate = f"{safe}_{n}"
        out[candidate] = value

    def walk(prefix, value):
        if isinstance(value, dict):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
        elif isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            for i, v in enumerate(value):
                walk(f"{prefix}.{i}", v)
        else:
            put(prefix, json.dumps(value) if isinstance(value, (list, dict)) else str(value))

    walk("", spec.model_dump(mode="json"))
    return out
