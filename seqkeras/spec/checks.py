"""Rules that read several sections, run once the fields themselves are valid.

Shared by every topology: the search space names the topology's own fields with values
they accept; the objective and the monitors are names the topology logs; keys of shared
sections that belong to other topologies are not set. Then the topology's own
``validate(spec)``. None of this imports TensorFlow or reads data files.
"""

from __future__ import annotations

import pydantic

from seqkeras.spec.messages import suggest
from seqkeras.spec.pipeline import is_int_field, section_class
from seqkeras.spec.problems import Problem, set_to_non_default
from seqkeras.spec.search import Choice, Range

#: The sections a search space may reach into.
SEARCHABLE = ("model", "train")


def pipeline_problems(spec) -> list[Problem]:
    """Every cross-section problem of ``spec`` (a registered topology's pipeline)."""
    from seqkeras.topologies.registry import topology_entry

    from seqkeras.spec.inputs import measurement_format_problems

    from seqkeras.spec.auto import auto_problems

    problems = (other_topologies_keys(spec) + search_space_problems(spec) + metric_problems(spec)
                + measurement_format_problems(spec) + auto_problems(spec))
    validate = topology_entry(spec.topology).validate
    if validate is not None:
        problems += list(validate(spec))
    return problems


def _registered_classes() -> dict:
    from seqkeras.topologies.registry import topology_entry, topology_names

    return {name: topology_entry(name).spec for name in topology_names()}


def owners_of(section: str, name: str, exclude: str) -> list[str]:
    """Topologies other than ``exclude`` whose ``section`` has a field ``name``."""
    out = []
    for topology, cls in _registered_classes().items():
        owner = section_class(cls, section)
        if topology != exclude and owner is not None and name in owner.model_fields:
            out.append(topology)
    return out


def other_topologies_keys(spec) -> list[Problem]:
    """Shared-section keys that other topologies declare in SPECIFIC_KEYS, set here."""
    owners: dict[str, list[str]] = {}
    for topology, cls in _registered_classes().items():
        for key in cls.SPECIFIC_KEYS:
            owners.setdefault(key, []).append(topology)
    return [Problem(loc, f"does not apply to topology {spec.topology} (it is read by "
                         f"{', '.join(who)}); remove it")
            for key, who in owners.items() if key not in spec.SPECIFIC_KEYS
            for loc in set_to_non_default(spec, key)]


def search_space_problems(spec) -> list[Problem]:
    cls = type(spec)
    problems = []
    for key, dim in spec.tune.space.items():
        loc = ("tune", "space", key)
        section, _, name = key.partition(".")
        owner = section_class(cls, section) if section in SEARCHABLE else None
        if owner is None or name not in owner.model_fields:
            problems.append(Problem(loc, _unknown_search_key(spec, key, section, name)))
            continue
        if isinstance(dim, Range) and dim.type == "float" and is_int_field(cls, key):
            problems.append(Problem(loc, f"{key} is an integer: drop 'type: float' so the "
                                         "range samples whole numbers"))
            continue
        values = dim.choice if isinstance(dim, Choice) else [dim.min, dim.max]
        if isinstance(dim, Range) and dim.type == "int":
            values = [int(v) for v in values]
        current = getattr(spec, section)
        for value in values:
            try:
                owner.model_validate({**current.model_dump(), name: value})
            except pydantic.ValidationError as exc:
                reason = exc.errors()[0]["msg"].removeprefix("Value error, ")
                problems.append(Problem(loc, f"value {value!r} is not valid for {key}: "
                                             f"{reason}"))
                break
    return problems


def _unknown_search_key(spec, key: str, section: str, name: str) -> str:
    if section in SEARCHABLE:
        others = owners_of(section, name, spec.topology)
        if others:
            return (f"{key} does not apply to topology {spec.topology} (a setting of "
                    f"{', '.join(others)}); search over this topology's own keys")
    valid = [f"{s}.{k}" for s in SEARCHABLE for k in section_class(type(spec), s).model_fields]
    return (f"unknown search-space key {key!r}{suggest(key, valid)}; keys are model.* or "
            "train.* fields")


def metric_problems(spec) -> list[Problem]:
    """The objective and monitors must be names the topology logs; a direction given
    for a declared metric must agree with it."""
    checks = [(("tune", "objective"), spec.tune.objective, spec.tune.direction)]
    for section in ("early_stopping", "reduce_lr_on_plateau"):
        callback = getattr(spec.train, section)
        if callback is not None:
            checks.append((("train", section, "monitor"), spec.monitor(callback.monitor),
                           callback.direction))
    logged = spec.logged_metrics()
    problems = []
    for loc, name, direction in checks:
        if name not in logged:
            problems.append(Problem(loc, f"{name!r} is never logged by topology "
                                         f"{spec.topology}{suggest(name, logged)}; it logs "
                                         f"{', '.join(logged)}"))
            continue
        declared = spec.metric_direction(name)
        if direction is not None and direction != declared:
            problems.append(Problem(loc[:-1] + ("direction",),
                                    f"{name} is better when {'lower' if declared == 'min' else 'higher'} "
                                    f"({declared}); remove direction or set {declared}"))
    return problems
