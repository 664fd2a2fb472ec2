"""Every mistake of tests/spec/mistakes.py is one error line naming file, line and key."""

from __future__ import annotations

import pytest

from seqkeras.errors import SpecError
from seqkeras.spec import load_spec
from tests.spec.mistakes import MISTAKES, expected_start, write_files


@pytest.mark.parametrize("case", MISTAKES, ids=[m.id for m in MISTAKES])
def test_validate_names_file_line_key_and_what_to_do(case, write_spec, data_root):
    write_files(data_root)
    path = write_spec(case.yaml, name=case.id)
    with pytest.raises(SpecError) as info:
        load_spec(path)
    lines = str(info.value).splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith(expected_start(path, case)), lines[0]
    assert case.phrase in lines[0], lines[0]
