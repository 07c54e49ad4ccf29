"""The shape of a record as msgspec types: one typed decode for a record file of that shape.

Nearly every record file is one JSON object whose fields are the table's
(:data:`feedpub.records.fields.FIELDS`), each with a value of its kind's JSON type:
strings, a date as a string or a number, lists of strings or of small objects. For such a
file, :func:`decode_shaped` decodes the bytes in one typed pass (msgspec, in C), which
also bounds how deep it nests, instead of decoding the text with :mod:`json` and walking
it for depth. What it returns equals what ``json.loads`` gives for the same bytes (its
keys in the table's order), so the record contract checks it as any other record and
words every message alike. Anything else (another field, a ``null``, a byte order mark,
JSON that is not valid, a type the shape does not take) is ``None``: the loader then goes
the long way, where every problem gets its message.
"""

from __future__ import annotations

from typing import Any

import msgspec
from msgspec import UNSET, UnsetType

from feedpub.records.fields import FIELDS

__all__ = ["decode_shaped"]


class _Author(msgspec.Struct, forbid_unknown_fields=True):
    name: str | UnsetType = UNSET
    email: str | UnsetType = UNSET
    url: str | UnsetType = UNSET


class _Category(msgspec.Struct, forbid_unknown_fields=True):
    term: str | UnsetType = UNSET
    label: str | UnsetType = UNSET
    scheme: str | UnsetType = UNSET


class _Attachment(msgspec.Struct, forbid_unknown_fields=True):
    url: str | UnsetType = UNSET
    mime_type: str | UnsetType = UNSET
    size_in_bytes: int | UnsetType = UNSET
    title: str | UnsetType = UNSET


#: The JSON type each kind of field takes in the shape (what the contract then checks).
#: ``int`` is never a boolean to msgspec, as the contract wants of ids and sizes. A kind
#: missing here fails at import: a new kind of field needs its type.
_TYPES: dict[str, Any] = {
    "id": str | int,
    "title": str,
    "zone": str,
    "date": str | int | float,
    "url": str,
    "wrapped_text": str,
    "text": str,
    "language": str,
    "boolean": bool,
    "authors": list[str | _Author],
    "categories": list[str | _Category],
    "attachments": list[_Attachment],
}

# Every field optional and never null (an absent field stays absent: UNSET is left out of
# the decoded record), and no other field: an extension ("_x") or a misspelt field goes the
# long way, which warns of it.
_Record = msgspec.defstruct(
    "_Record",
    [(field.name, _TYPES[field.kind] | UnsetType, UNSET) for field in FIELDS],
    forbid_unknown_fields=True,
)
_DECODER = msgspec.json.Decoder(_Record)


def decode_shaped(data: bytes) -> dict[str, Any] | None:
    """The record ``data`` (UTF-8 JSON) holds, as ``json.loads`` gives it, when it is one
    object of the record's shape; else ``None``."""
    try:
        record = _DECODER.decode(data)
    except msgspec.MsgspecError:
        return None
    shaped: dict[str, Any] = msgspec.to_builtins(record)
    return shaped
