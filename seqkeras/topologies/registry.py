"""The topology registry: one registration per topology, in its package's ``__init__``.

A topology is a package ``seqkeras/topologies/<name>/``. Its ``__init__`` imports no
TensorFlow and calls :func:`register_topology` once, naming the class that implements
it (imported only when a stage needs it), its pipeline schema (a ``PipelineSpec``
subclass from its TensorFlow-free ``spec.py``: its own ``model`` section, extra
sections, logged metrics) and its ``validate`` function. Listing or checking topologies
(``seqkeras validate``) therefore imports only those light modules; the packages are
discovered on disk, so adding a topology touches no list elsewhere.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Optional

if TYPE_CHECKING:
    from seqkeras.spec import PipelineSpec, Problem
    from seqkeras.topologies.base import Topology

PACKAGE = "seqkeras.topologies"


@dataclass(frozen=True)
class TopologyEntry:
    """What a topology package registers.

    name: the ``topology:`` value of a pipeline YAML (the package's name).
    implementation: ``"module:Class"`` of its :class:`~seqkeras.topologies.base.Topology`.
    summary: one line for ``seqkeras topologies`` and error messages.
    spec: its ``PipelineSpec`` subclass (``topology: Literal[name]``), the member of the
        pipeline union that ``topology: <name>`` selects.
    validate: ``validate(spec) -> list[Problem]``, its rules across sections (no
        TensorFlow, no data files), run whenever such a spec is validated.
    """

    name: str
    implementation: str
    summary: str = ""
    spec: Optional[type["PipelineSpec"]] = None
    validate: Optional[Callable[["PipelineSpec"], list["Problem"]]] = None


_ENTRIES: dict[str, TopologyEntry] = {}
_discovered = False


def register_topology(name: str, implementation: str, summary: str = "", *,
                      spec: type["PipelineSpec"],
                      validate: Optional[Callable] = None) -> TopologyEntry:
    """Register topology ``name`` (called once, from its package's ``__init__``).

    Raises ValueError when ``name`` is registered twice, is not the package's name, or
    ``spec`` is not a PipelineSpec subclass whose ``topology`` defaults to ``name`` and
    has every section its EXTRA_SECTIONS names.
    """
    from seqkeras.spec import PipelineSpec

    module = implementation.partition(":")[0]
    if not module.startswith(f"{PACKAGE}.{name}."):
        raise ValueError(f"topology {name!r} must live in {PACKAGE}.{name}, not {module}")
    if name in _ENTRIES and _ENTRIES[name].implementation != implementation:
        raise ValueError(f"topology {name!r} is registered twice")
    if not (isinstance(spec, type) and issubclass(spec, PipelineSpec)
            and spec.model_fields["topology"].default == name):
        raise ValueError(f"topology {name!r}: spec must be a PipelineSpec subclass with "
                         f"topology: Literal[{name!r}] = {name!r}")
    missing = [s for s in spec.EXTRA_SECTIONS if s not in spec.model_fields]
    if missing:
        raise ValueError(f"topology {name!r}: EXTRA_SECTIONS names {missing}, which "
                         f"{spec.__name__} does not declare")
    entry = TopologyEntry(name, implementation, summary, spec, validate)
    _ENTRIES[name] = entry
    return entry


def _discover() -> None:
    """Import every topology package's (TensorFlow-free) ``__init__`` once."""
    global _discovered
    if _discovered:
        return
    package = importlib.import_module(PACKAGE)
    for info in pkgutil.iter_modules(package.__path__):
        if info.ispkg:
            importlib.import_module(f"{PACKAGE}.{info.name}")
    _discovered = True


def topology_names() -> list[str]:
    """The registered topology names, sorted."""
    _discover()
    return sorted(_ENTRIES)


def topology_entry(name: str) -> TopologyEntry:
    """The registration of ``name``; raises KeyError for an unknown topology."""
    _discover()
    return _ENTRIES[name]


def get_topology(name: str) -> "Topology":
    """An instance of topology ``name``, importing its implementation (and TensorFlow).

    Raises KeyError for an unknown name.
    """
    entry = topology_entry(name)
    module, _, cls_name = entry.implementation.partition(":")
    cls = getattr(importlib.import_module(module), cls_name)
    topology = cls()
    topology.name = entry.name
    return topology
