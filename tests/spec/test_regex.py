"""tokenize.replace patterns are checked by RE2, the engine of the in-graph ops."""

from __future__ import annotations

import pydantic
import pytest

from seqkeras.spec import Replacement


@pytest.mark.parametrize("pattern", [r"<br\s*/?>", "[0-9]", r"\pL+", r"\p{L}\.(?:\p{L}\.)+"])
def test_patterns_re2_accepts(pattern):
    assert Replacement(pattern=pattern).pattern == pattern  # \pL: RE2 yes, Python's re no


@pytest.mark.parametrize("pattern, reason", [
    ("(?=a)b", "RE2 has no lookahead or lookbehind"),
    ("(?<!a)b", "RE2 has no lookahead or lookbehind"),
    (r"(a)\1", "RE2 has no backreferences"),
    ("(ab", "missing )"),
    ("a{2,1}", "invalid repetition size"),
])
def test_patterns_re2_refuses_name_the_reason(pattern, reason):
    with pytest.raises(pydantic.ValidationError, match="not a valid RE2 pattern") as info:
        Replacement(pattern=pattern)
    assert reason in str(info.value)


def test_rewrites_may_only_name_existing_groups():
    assert Replacement(pattern="([0-9])-([0-9])", rewrite=r"\2-\1 \\").rewrite == r"\2-\1 \\"
    with pytest.raises(pydantic.ValidationError, match="uses group \\\\2 but the pattern has 1"):
        Replacement(pattern="([0-9])", rewrite=r"\2")
    with pytest.raises(pydantic.ValidationError, match="a backslash must be followed"):
        Replacement(pattern="x", rewrite=r"\n")
