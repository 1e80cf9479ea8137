"""The JSON values the store keeps in its ``*_json`` text columns.

Inputs are typed with covariant ``Sequence``/``Mapping`` so a ``list[int]`` or ``dict[str, str]``
is accepted as is; outputs are what ``json.loads`` returns (``list``/``dict``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TypeAlias

from aistock.core.errors import StoreError

JsonValue: TypeAlias = bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"] | None
"""A value read back from JSON."""

JsonInput: TypeAlias = bool | int | float | str | Sequence["JsonInput"] | Mapping[str, "JsonInput"] | None
"""A value that can be written as JSON (tuples come back as lists)."""


def _non_string_key(value: object) -> object | None:
    """The first dict key that is not a string (``json`` would silently turn ``1`` into ``"1"``)."""
    if isinstance(value, Mapping):
        key: object
        item: object
        for key, item in value.items():
            if not isinstance(key, str):
                return key
            found = _non_string_key(item)
            if found is not None:
                return found
    elif isinstance(value, list | tuple):
        for item in value:
            found = _non_string_key(item)
            if found is not None:
                return found
    return None


def dump_json(value: JsonInput, *, what: str) -> str:
    """Serialise ``value`` strictly, so what is read back equals what was written.

    NaN/Infinity (not JSON) and non-string dict keys (which ``json`` would quietly turn into
    strings) are refused; keys are sorted so the stored text is stable.
    """
    try:
        bad_key = _non_string_key(value)
        if bad_key is not None:
            raise TypeError(f"dict key {bad_key!r} is not a string")
        return json.dumps(value, ensure_ascii=False, allow_nan=False, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise StoreError(
            f"{what} cannot be stored as JSON ({exc})",
            "store only None, booleans, numbers, strings, lists and dicts with string keys",
        ) from exc


def load_json(text: str, *, what: str) -> JsonValue:
    """Parse a stored JSON text, naming the record if someone edited it into garbage."""
    try:
        value: JsonValue = json.loads(text)
    except ValueError as exc:
        raise StoreError(
            f"{what} holds invalid JSON ({exc})",
            "set it again from the workstation, or restore the database from a backup",
        ) from exc
    return value
