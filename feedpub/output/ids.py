"""Stable identities: each entry's Atom id and RSS guid (made by the records part, whose id
rule is judged on exactly this value; see :mod:`feedpub.records.ids`)."""

from __future__ import annotations

from feedpub.records.ids import entry_id

__all__ = ["entry_id"]
