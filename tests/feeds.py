"""Helpers for tests that start from the hand-made feeds in tests/fixtures/feeds/."""

from __future__ import annotations

from pathlib import Path

FEEDS = Path(__file__).parent / "fixtures" / "feeds"


def variant(fixture: str, *replacements: tuple[str, str]) -> bytes:
    """The fixture with each (old, new) applied once; old must be there."""
    text = (FEEDS / fixture).read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, f"{old!r} not in {fixture}"
        text = text.replace(old, new, 1)
    return text.encode("utf-8")
