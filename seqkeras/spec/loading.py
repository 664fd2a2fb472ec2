"""``load_spec``: a pipeline YAML file -> its topology's validated PipelineSpec.

Called by ``seqkeras validate`` and by ``seqkeras run`` before any stage: the YAML is
read (duplicate keys and alias bombs refused), validated against the topology's own
classes and rules, then checked against its data (sources, archive members, the first
rows). Every problem is one ``file:line: key: message`` line of a SpecError. Nothing
here imports TensorFlow.
"""

from __future__ import annotations

from pathlib import Path

import pydantic

from seqkeras.errors import SpecError
from seqkeras.spec.messages import format_errors, format_problems
from seqkeras.spec.pipeline import PipelineSpec
from seqkeras.spec.preflight import data_problems, export_problems, split_problems
from seqkeras.spec.yaml_source import read_yaml


def load_spec(path: str | Path, check_files: bool = True) -> PipelineSpec:
    """Read and validate a pipeline YAML file.

    With ``check_files``, every data source must exist (resolved through the data root),
    an archive must say which member to read, and the first rows of each source must
    hold the fields the topology reads.
    Raises SpecError with one line per problem (file, line, key path, what to do).
    """
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"{path}: pipeline file not found")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise SpecError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    document = read_yaml(path, text)
    raw = document.data
    if not isinstance(raw, dict):
        got = ("the file is empty" if raw is None else
               f"got a {'list' if isinstance(raw, list) else type(raw).__name__}")
        raise SpecError(f"{path}: expected a mapping of sections at the top level (data:, "
                        f"model:, ...); {got}")
    raw.setdefault("name", path.stem)
    try:
        spec = PipelineSpec.model_validate(raw)
    except pydantic.ValidationError as exc:
        topology = raw.get("topology", "many_to_one")
        raise SpecError(format_errors(path, exc, document.lines,
                                      topology if isinstance(topology, str) else None)) from None
    problems = split_problems(spec) + (data_problems(spec) + export_problems(spec)
                                       if check_files else [])
    if problems:
        raise SpecError(format_problems(path, problems, document.lines))
    return spec
