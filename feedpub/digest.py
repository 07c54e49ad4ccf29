"""The one digest feedpub uses: short and stable, for cache keys and change detection."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from typing import Any

__all__ = ["digest_bytes", "digest_text", "digest_value"]


def digest_bytes(data: bytes) -> str:
    """A short stable digest of some bytes (a file's or a record's content)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def digest_text(*parts: str) -> str:
    """A short stable digest of some strings (``("ab", "c")`` and ``("a", "bc")`` differ)."""
    return digest_bytes("\x1f".join(parts).encode("utf-8"))


def digest_value(value: Any) -> str:
    """A digest of what a settings value means: its dataclass fields, mappings, sequences and
    scalars, taken as JSON (a zone by its name or offset), so equal settings digest alike."""
    return digest_text(json.dumps(_canonical(value), sort_keys=True))


def _canonical(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple | frozenset | set):
        items = [_canonical(v) for v in value]
        return sorted(items, key=json.dumps) if isinstance(value, set | frozenset) else items
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)  # a tzinfo: its zone name or offset
