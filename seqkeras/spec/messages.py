"""pydantic errors -> one ``file:line: key.path: what is wrong; what to do`` line each.

Key paths drop pydantic's union branches (the topology tag, ``Choice``/``Range``,
``int``/``str``); an unknown key gets the closest valid key, or, when another topology
has that key, says which one (``model.crf`` on a classifier).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Optional

import pydantic

from seqkeras.spec.inputs import TAG_PREFIX as INPUT_TAG_PREFIX
from seqkeras.spec.problems import Problem, SpecProblems, dotted

#: Union-branch names pydantic puts into error locations besides the topology tags.
_UNION_BRANCHES = {"str", "int", "float", "bool", "none", "Choice", "Range", "EarlyStopping",
                   "ReduceLROnPlateau"}


def suggest(word: str, valid) -> str:
    close = difflib.get_close_matches(word, list(valid), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def clean_loc(loc, topologies=()) -> tuple:
    """Drop pydantic's union-branch names (the leading topology tag, 'Choice', 'int' ...)."""
    loc = tuple(loc)
    if loc and loc[0] in topologies:
        loc = loc[1:]
    return tuple(p for p in loc if not (isinstance(p, str) and (
        p in _UNION_BRANCHES or p.startswith(("literal[", "function-", "nullable[", "constrained-",
                                              INPUT_TAG_PREFIX)))))


def closest_line(lines: dict, loc: tuple) -> Optional[int]:
    """The line of ``loc`` in the YAML file, or of its nearest enclosing key."""
    loc = tuple(loc)
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return None


def located(path: Path, lines: dict, loc: tuple, message: str) -> str:
    line = closest_line(lines, loc)
    return f"{path}{f':{line}' if line else ''}: {dotted(loc)}: {message}"


def format_problems(path: Path, problems: list[Problem], lines: dict) -> str:
    return "\n".join(located(path, lines, p.loc, p.message) for p in problems)


def format_errors(path: Path, exc: pydantic.ValidationError, lines: dict,
                  topology: Optional[str]) -> str:
    """One line per error of ``exc`` (raised validating the pipeline of ``topology``)."""
    from seqkeras.topologies.registry import topology_names

    names = topology_names()
    messages = []
    for err in exc.errors():
        problems = err.get("ctx", {}).get("error")
        if isinstance(problems, SpecProblems):
            messages += [located(path, lines, p.loc, p.message) for p in problems.problems]
            continue
        loc = clean_loc(err["loc"], names)
        if err["type"] == "extra_forbidden":
            msg = _unknown_key(loc, topology)
        elif err["type"] == "missing":
            msg = "required key is missing"
        else:
            msg = err["msg"].removeprefix("Value error, ")
            if "input" in err and not isinstance(err["input"], (dict, list)) \
                    and repr(err["input"]) not in msg:
                msg += f" (got {err['input']!r})"
        messages.append(located(path, lines, loc, msg))
    return "\n".join(dict.fromkeys(messages))


def _unknown_key(loc: tuple, topology: Optional[str]) -> str:
    from seqkeras.topologies.registry import topology_entry, topology_names

    key = str(loc[-1])
    others = []
    for name in topology_names():
        if name != topology and key in valid_keys(topology_entry(name).spec, loc[:-1]):
            others.append(name)
    if topology in topology_names() and others:
        kind = "section" if len(loc) == 1 else "setting"
        return (f"'{key}' does not apply to topology {topology} (a {kind} of "
                f"{', '.join(others)}); remove it")
    valid = valid_keys(topology_entry(topology).spec, loc[:-1]) \
        if topology in topology_names() else []
    return f"unknown key '{key}'{suggest(key, valid)}"


def valid_keys(pipeline_cls, parent_loc) -> list[str]:
    """The keys a section at ``parent_loc`` accepts in ``pipeline_cls``."""
    from seqkeras.spec.pipeline import _section_types

    models = [pipeline_cls]
    for part in parent_loc:
        if isinstance(part, int):
            continue
        fields = [m.model_fields[part] for m in models if part in m.model_fields]
        models = [t for f in fields for t in _section_types(f.annotation)]
        if not models:
            return []
    # a union of sections (``input``: one class per kind) accepts the keys of each
    return list(dict.fromkeys(k for m in models for k in m.model_fields))
