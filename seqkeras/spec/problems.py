"""Problems found across sections (or by a topology's ``validate``), each at a key path.

pydantic reports a field's own errors at that field; a rule that reads several sections
(``seq2seq`` needs ``target_field``; ``early_stopping.monitor`` must be a name the
topology logs) runs after the fields are valid and returns :class:`Problem` objects.
:class:`SpecProblems` carries them through pydantic (a ``ValueError``, so pydantic
wraps it into its ``ValidationError``) and ``seqkeras.spec.messages`` turns each back
into a ``file:line: key: message`` line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Iterator


@dataclass(frozen=True)
class Problem:
    """``loc``: the key path, e.g. ``("model", "bidirectional")`` or
    ``("data", "sources", 0, "target_field")``; ``message``: what is wrong and what to do."""

    loc: tuple
    message: str


class SpecProblems(ValueError):
    """One or more :class:`Problem`; raised inside pydantic validators."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("; ".join(f"{dotted(p.loc)}: {p.message}" for p in self.problems))


def dotted(loc: Iterable) -> str:
    """``("data", "sources", 0, "path")`` -> ``data.sources[0].path``."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def walk_key(obj: Any, key: str) -> Iterator[tuple[tuple, Any, Any]]:
    """Every ``(loc, owner, value)`` that dotted ``key`` names in ``obj``; ``[]`` in a key
    means every item of a list: ``data.sources[].target_field``."""
    parts = key.replace("[]", ".[]").split(".")

    def walk(node, rest, loc):
        if not rest:
            return
        part, rest = rest[0], rest[1:]
        if part == "[]":
            for i, item in enumerate(node or ()):
                yield from walk(item, rest, loc + (i,))
            return
        if node is None or part not in type(node).model_fields:
            return
        value = getattr(node, part)
        if rest:
            yield from walk(value, rest, loc + (part,))
        else:
            yield loc + (part,), node, value

    yield from walk(obj, parts, ())


def set_to_non_default(spec, key: str) -> Iterator[tuple]:
    """Key paths where dotted ``key`` holds a value other than its field's default."""
    for loc, owner, value in walk_key(spec, key):
        field = type(owner).model_fields[loc[-1]]
        if not field.is_required() and value != field.get_default(call_default_factory=True):
            yield loc


def not_applicable(spec, keys: Iterable[str], why: str) -> list[Problem]:
    """A problem for each of ``keys`` that ``spec`` sets (to a non-default value):
    they do not apply to its topology, for the reason ``why``."""
    return [Problem(loc, f"does not apply to topology {spec.topology} ({why}); remove it")
            for key in keys for loc in set_to_non_default(spec, key)]
