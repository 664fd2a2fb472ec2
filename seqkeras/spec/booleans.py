"""YAML booleans where a number or text belongs.

YAML 1.1 reads ``yes``, ``no``, ``on``, ``off``, ``true`` and ``false`` as booleans, and
pydantic's lax mode turns a boolean into 1 or 0 for an int or float field: ``units: yes``
trained a one-unit model and ``epochs: on`` one epoch without a word. Every spec section
runs its values through :func:`refuse_boolean` first, so such a value is an error that
names its key. Nothing here imports TensorFlow.
"""

from __future__ import annotations

from typing import get_args


def accepted_types(annotation) -> set:
    """The plain types an annotation accepts (through Optional, Union, Annotated)."""
    if isinstance(annotation, type):
        return {annotation}
    args = get_args(annotation)
    return set().union(*(accepted_types(a) for a in args)) if args else set()


def refuse_boolean(value, field):
    """``value`` unchanged, unless it is a bool and ``field`` (a pydantic FieldInfo, or
    None) takes no bool but numbers or text: then ValueError saying what to write."""
    if not isinstance(value, bool) or field is None:
        return value
    types = accepted_types(field.annotation)
    if bool in types:
        return value
    word = str(value).lower()
    if str in types and types & {int, float}:
        raise ValueError(f"got {word}, a YAML boolean: write a number or quoted text ('yes')")
    if types & {int, float}:
        raise ValueError(f"got {word}, a YAML boolean (yes, no, on, off, true and false "
                         "read as one): write a number")
    if str in types:
        raise ValueError(f"got {word}, a YAML boolean: quote the text ('yes', 'on')")
    return value
