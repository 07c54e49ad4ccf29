"""The one digest feedpub uses: short and stable, for cache keys and change detection."""

from __future__ import annotations

import hashlib

__all__ = ["digest_bytes", "digest_text"]


def digest_bytes(data: bytes) -> str:
    """A short stable digest of some bytes (a file's or a record's content)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def digest_text(*parts: str) -> str:
    """A short stable digest of some strings (``("ab", "c")`` and ``("a", "bc")`` differ)."""
    return digest_bytes("\x1f".join(parts).encode("utf-8"))
