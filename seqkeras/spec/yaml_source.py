"""Read a pipeline YAML file: the data, the line of every key, and what YAML hides.

PyYAML composes the file into a node tree once; before anything is built from it we
walk that tree to

* map every key path to its line (for error messages);
* refuse duplicate keys: YAML keeps the last one silently, even a whole second
  ``model:`` section;
* bound what aliases expand to: nine anchors of nine aliases each (a 1.6 KB "billion
  laughs") expand to 9^9 nodes; anything that walks the expanded data (a key-line walk,
  validation) would hang. Node sizes are memoized per node, so the bound costs one pass
  over the distinct nodes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from seqkeras.errors import SpecError
from seqkeras.spec.problems import dotted

#: Most nodes a pipeline may expand to through aliases (a large pipeline has ~300).
MAX_EXPANDED_NODES = 50_000
MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass
class YamlDocument:
    data: Any
    #: Key path (``("data", "sources", 0, "path")``) -> 1-based line.
    lines: dict


def read_yaml(path: Path, text: str) -> YamlDocument:
    """Parse ``text`` (the contents of ``path``).

    Raises SpecError for invalid YAML, duplicate keys and aliases that expand past
    MAX_EXPANDED_NODES, naming the file, line and key.
    """
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return YamlDocument(None, {})
        _bound_expansion(path, node)
        lines, duplicates = _key_lines(node)
        if duplicates:
            raise SpecError("\n".join(
                f"{path}:{line}: {dotted(loc)}: duplicate key (first at line {first}); YAML "
                f"would silently keep only the last one: remove or merge one of them"
                for loc, line, first in duplicates))
        return YamlDocument(loader.construct_document(node), lines)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise SpecError(f"{path}{where}: not valid YAML: "
                        f"{getattr(exc, 'problem', None) or exc}") from None
    finally:
        loader.dispose()


def _children(node) -> list:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _bound_expansion(path: Path, root) -> None:
    limit = MAX_EXPANDED_NODES
    sizes: dict[int, int] = {}

    def size(node) -> int:
        key = id(node)
        if key in sizes:
            if sizes[key] < 0:  # an alias inside its own anchor: infinite
                return limit + 1
            return sizes[key]
        sizes[key] = -1
        total = 1
        for child in _children(node):
            total = min(total + size(child), limit + 1)
        sizes[key] = total
        return total

    if size(root) <= limit:
        return
    # blame the deepest key whose value alone is past the bound
    node, loc, line = root, (), root.start_mark.line + 1
    descended: set[int] = set()
    while id(node) not in descended:  # a recursive alias would lead around forever
        descended.add(id(node))
        if isinstance(node, yaml.MappingNode):
            items = [(k.value, k.start_mark.line + 1, v) for k, v in node.value]
        elif isinstance(node, yaml.SequenceNode):
            items = [(i, v.start_mark.line + 1, v) for i, v in enumerate(node.value)]
        else:
            items = []
        big = next(((k, ln, v) for k, ln, v in items if size(v) > limit), None)
        if big is None:
            break
        loc, line, node = loc + (big[0],), big[1], big[2]
    raise SpecError(f"{path}:{line}: {dotted(loc)}: YAML aliases expand this value to more "
                    f"than {limit} nodes (anchors nested in aliases, a 'billion laughs'); "
                    "write the values out or nest fewer aliases")


def _key_lines(root) -> tuple[dict, list]:
    """(key path -> line, [(loc, line, first line)] of duplicate keys); each node is
    walked once, so a key inside an aliased block has the anchor's line."""
    lines: dict = {}
    duplicates: list = []
    seen_nodes: set[int] = set()

    def walk(node, prefix):
        if id(node) in seen_nodes:
            return
        seen_nodes.add(id(node))
        if isinstance(node, yaml.MappingNode):
            first: dict = {}
            for key_node, value_node in node.value:
                if key_node.tag == MERGE_TAG:
                    walk(value_node, prefix)
                    continue
                key = key_node.value if isinstance(key_node, yaml.ScalarNode) else str(id(key_node))
                line = key_node.start_mark.line + 1
                loc = prefix + (key,)
                if key in first:
                    duplicates.append((loc, line, first[key]))
                    continue
                first[key] = line
                lines[loc] = line
                walk(value_node, loc)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                lines[prefix + (i,)] = item.start_mark.line + 1
                walk(item, prefix + (i,))

    walk(root, ())
    return lines, duplicates
