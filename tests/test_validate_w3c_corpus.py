"""Our verdict (any error, or none) against the W3C Feed Validation Service's, per document.

tests/fixtures/feeds/w3c/ holds small documents written from the specifications,
each annotated in its first comment with the verdict the W3C service gives by its
documented rules and messages (``<!-- w3c: valid -->`` or
``<!-- w3c: invalid (MessageName) -->``; warnings do not make a feed invalid). A
document where feedpub decides otherwise on purpose says so and why in a second
comment (``<!-- feedpub: invalid, on purpose: ... -->``).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from feedpub.validate import validate_feed
from tests.feeds import FEEDS

CORPUS = sorted((FEEDS / "w3c").glob("*.xml"))
_W3C = re.compile(rb"<!-- w3c: (valid|invalid)\b")
_OURS = re.compile(rb"<!-- feedpub: (valid|invalid), on purpose: ")


def verdicts(path: Path) -> tuple[str, str, str]:
    """(the W3C service's verdict, the one feedpub must give, feedpub's actual one)."""
    data = path.read_bytes()
    w3c = _W3C.search(data)
    assert w3c, f"{path.name} has no '<!-- w3c: ... -->' annotation"
    ours = _OURS.search(data)
    problems = validate_feed(data, path.name)
    actual = "invalid" if any(p.level == "error" for p in problems) else "valid"
    return w3c[1].decode(), (ours or w3c)[1].decode(), actual


@pytest.mark.parametrize("path", CORPUS, ids=lambda path: path.stem)
def test_verdict_matches_the_annotation(path: Path) -> None:
    _, expected, actual = verdicts(path)
    assert actual == expected, validate_feed(path.read_bytes(), path.name)


def test_agreement_with_the_w3c_service_is_at_least_98_percent() -> None:
    results = [verdicts(path) for path in CORPUS]
    assert len(results) >= 100
    both = {"valid", "invalid"}
    assert {w3c for w3c, _, _ in results} == both  # the corpus has both kinds
    agree = sum(w3c == actual for w3c, _, actual in results)
    assert agree / len(results) >= 0.98, f"{agree} of {len(results)} agree"
