"""What ``seqkeras validate`` says of an explicit ``auto`` a topology cannot resolve
(shared by test_auto.py and test_auto_tagging.py)."""

from __future__ import annotations

import pytest

from seqkeras.errors import SpecError
from seqkeras.spec import load_spec


def explicit_auto_refusal(write_spec, base: str, setting: str) -> tuple[str, str]:
    """Load ``base`` (it must pass: the default ``auto`` takes the fixed value quietly),
    then ``base + setting``, which must be refused; returns (that file's path, the
    error text)."""
    load_spec(write_spec(base, name="ok"))
    path = write_spec(base + setting, name="refused")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    return str(path), str(info.value)
