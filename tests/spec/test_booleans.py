"""seqkeras.spec.booleans: which annotations take a YAML boolean, and the errors."""

from __future__ import annotations

from typing import Literal, Optional, Union

import pytest
from pydantic.fields import FieldInfo

from seqkeras.spec.booleans import accepted_types, refuse_boolean
from seqkeras.spec.sections import auto_or


def test_accepted_types_look_through_optional_union_and_annotated():
    assert accepted_types(Optional[int]) == {int, type(None)}
    assert accepted_types(Union[str, int]) == {str, int}
    assert int in accepted_types(auto_or(int, gt=0))
    assert accepted_types(Literal["a", "b"]) == set()


@pytest.mark.parametrize("annotation, message", [
    (int, "write a number"), (Optional[float], "write a number"),
    (str, "quote the text"), (Union[str, int], "a number or quoted text")])
def test_a_boolean_for_a_number_or_text_is_refused(annotation, message):
    with pytest.raises(ValueError, match=message):
        refuse_boolean(True, FieldInfo(annotation=annotation))


def test_booleans_where_they_belong_and_other_values_pass():
    assert refuse_boolean(True, FieldInfo(annotation=bool)) is True
    assert refuse_boolean(False, FieldInfo(annotation=Optional[bool])) is False
    assert refuse_boolean(3, FieldInfo(annotation=int)) == 3
    assert refuse_boolean(True, None) is True
