"""Fuzzing with the sample's own records: no mutation of one record hurts the site.

Each example takes a real record from the bundled sample (articles/) and mutates it,
at the byte level (flips, cuts, inserted escapes and brackets) or at the JSON level
(wrong types, huge values, deep nesting, surrogates, control and bidi characters,
odd URLs, CDATA, too many items). The properties:

- the loader never raises; every record it accepts renders into valid RSS and Atom,
  and the build's metadata-only read judges the record as the full read does;
- ``feedpub build`` never shows a traceback, exits 0, 1 or 2, publishes only valid
  feeds, and a record it refuses leaves every published file as it would be without it.

The default profile runs a few hundred examples; ``--hypothesis-profile=long`` runs
thousands (registered in tests/conftest.py).
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from feedpub.cli import main
from feedpub.config import load_config
from feedpub.model import FeedPlan
from feedpub.output.paths import FeedLinks
from feedpub.output.render import render_feed
from feedpub.records.loader import parse_file
from feedpub.validate import validate_feed

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "articles"
NOW = "2026-01-01T00:00:00+07:00"
# A low byte limit, so huge values cross it without costing seconds per example.
CONFIG_TEXT = (
    (ROOT / "feedpub.toml")
    .read_text(encoding="utf-8")
    .replace("[timezone_abbreviations]", "max_record_bytes = 40000\n\n[timezone_abbreviations]")
)
# On tmpfs an fsync costs nothing: a build of three records takes milliseconds.
SCRATCH = "/dev/shm" if Path("/dev/shm").is_dir() else None


def _sample_records() -> list[dict[str, Any]]:
    """Every record of the sample as a JSON object with its own id."""
    records = []
    for path in sorted(SAMPLE.rglob("*.json*")):
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".jsonl":
            found = [json.loads(line) for line in text.splitlines() if line.strip()]
        else:
            document = json.loads(text)
            found = document if isinstance(document, list) else [document]
            if not isinstance(document, list):
                document.setdefault("id", path.relative_to(SAMPLE).with_suffix("").as_posix())
        records.extend(found)
    return records


RECORDS = _sample_records()
#: Two records every site of the build property holds; the mutated one comes from the rest.
KEPT, MUTABLE = RECORDS[:2], RECORDS[2:]

NASTY_TEXT = [
    "\ud800", "\udfff", "\ud83d", "\x00", "\x08", "\x1b", "\x7f", "\x85", "\u2028", "\u2029",
    "\u202e", "\u2066", "\u200f", "\ufeff", "\ufffe", "\uffff", "\U0010ffff", "\r\n", "\t",
    "<![CDATA[", "]]>", "<b>", "</p>", "&amp;", "&", "&#0;", "<script>alert(1)</script>",
    " ", "", "#", "%", "%zz", "[", "]", "\uff0f", "\u2100", "é", "ü", "日本",
]  # fmt: skip
ODD_URLS = [
    "http://[::1", "http://[::1]:99999/", "https://[fe80::1%25eth0]/", "http://[v1.x]/",
    "https://example.com/a#b#c", "https://example.com/a b", "https://example.com/%",
    "https://例え.jp/パス?q=値#frag", "http://a\uff0fb/", "http://\u2100.com/", "//evil.example/",
    "javascript:alert(1)", "mailto:desk@example.com", "http://", "https://", "http://:80/",
    "http://user:pa ss@host/", "http://host:/", "/relative/[x]/", "?q=1", "#top", " ", "",
    "http://example.com/\ud800", "https://xn--/", "http://-bad-.com/", "tag:example.com,2024:x",
]  # fmt: skip
ODD_DATES = [
    "2024-02-30", "2024-13-01", "0000-01-01", "9999-12-31T23:59:59+14:00", "1970-01-01",
    "2024-03-10 02:30 America/New_York", "Jumat(08/12/2023)", "Senin, 31 Februari 2023",
    "2024-05-01T10:00:00+99:00", "now", "", "\ud800", "2024-05-01 10:00 WIB",
]  # fmt: skip
NASTY_BYTES = [
    b"\\ud800", b"\\udfff", b"\\u0000", b"\\u001b", b"\\u202e", b"\\ufffe", b"\x00", b"\xff",
    b"\xef\xbb\xbf", b"\xed\xa0\x80", b"\xc3", b"\\", b'"', b",", b":", b"{", b"}", b"[", b"]",
    b"[" * 1500, b'{"a":' * 40, b"1e999", b"9" * 5000, b"NaN", b"-Infinity", b"null", b"true",
    b"<![CDATA[", b"]]>", b"http://[::1", b"#b#c", b"\r", b"\n", b"\xe2\x80\xa8",
]  # fmt: skip
FIELDS = [
    "id", "title", "url", "date_published", "date_modified", "timezone", "authors",
    "categories", "summary", "content_html", "content_text", "image", "attachments",
    "language", "draft", "_extension", "unknown", "\ud800",
]  # fmt: skip
NESTED = [
    ("authors", 0), ("authors", 0, "name"), ("authors", 0, "email"), ("authors", 0, "url"),
    ("categories", 0), ("categories", 0, "term"), ("categories", 0, "label"),
    ("categories", 0, "scheme"), ("attachments", 0, "url"), ("attachments", 0, "mime_type"),
    ("attachments", 0, "size_in_bytes"), ("attachments", 0, "title"),
]  # fmt: skip


def _nest(depth: int) -> Any:
    value: Any = "bottom"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


nasty_strings = st.lists(
    st.sampled_from(NASTY_TEXT) | st.text(max_size=4), min_size=1, max_size=6
).map("".join)
hostile_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    nasty_strings,
    st.sampled_from(ODD_URLS),
    st.sampled_from(ODD_DATES),
    st.tuples(st.sampled_from(ODD_URLS), nasty_strings).map("".join),
    st.integers(10_000, 60_000).map(lambda n: "x" * n),  # around max_record_bytes
    st.integers(1, 120).map(_nest),
    st.integers(0, 40).map(lambda n: [f"Tag {i}" for i in range(n)]),  # around max_categories
    st.lists(st.sampled_from(ODD_URLS).map(lambda u: {"url": u, "mime_type": "audio/mpeg"})),
    st.dictionaries(nasty_strings, nasty_strings, max_size=3),
    st.lists(nasty_strings, max_size=3),
)


def _set(record: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    """Set a field (``(name,)``), a list's first item (``(name, 0)``) or a key of it
    (``(name, 0, key)``), making the list and the object the path needs."""
    if len(path) == 1:
        record[path[0]] = value
        return
    items = record.get(path[0])
    if not isinstance(items, list) or not items:
        items = record[path[0]] = [{}]
    if len(path) == 2:
        items[0] = value
        return
    if not isinstance(items[0], dict):
        items[0] = {}
    items[0][path[2]] = value


@st.composite
def json_mutations(draw: st.DrawFn) -> tuple[str, bytes]:
    """A sample record with a few fields replaced, removed or added, serialised as JSON."""
    record = json.loads(json.dumps(draw(st.sampled_from(MUTABLE))))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from([(f,) for f in FIELDS] + NESTED))
        if draw(st.integers(0, 5)) == 0:
            record.pop(path[0], None)
        else:
            _set(record, path, draw(hostile_values))
    text = json.dumps(record, ensure_ascii=draw(st.booleans()))
    name = draw(st.sampled_from(["mutated.json", "mutated.jsonl"]))
    return name, text.encode("utf-8", "surrogatepass")


@st.composite
def byte_mutations(draw: st.DrawFn) -> tuple[str, bytes]:
    """A sample record's JSON with a few bytes flipped, cut, copied or inserted."""
    record = draw(st.sampled_from(MUTABLE))
    data = bytearray(json.dumps(record, ensure_ascii=False).encode())
    for _ in range(draw(st.integers(1, 4))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["flip", "insert", "delete", "copy", "truncate"]))
        if action == "flip" and at < len(data):
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif action == "insert":
            data[at:at] = draw(st.sampled_from(NASTY_BYTES) | st.binary(min_size=1, max_size=6))
        elif action == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif action == "copy":
            data[at:at] = data[at : at + draw(st.integers(1, 200))]
        else:
            del data[at:]
    return draw(st.sampled_from(["mutated.json", "mutated.jsonl"])), bytes(data)


mutations = json_mutations() | byte_mutations()
CONFIG = None


def _config() -> Any:
    global CONFIG
    if CONFIG is None:
        with _site() as site:
            CONFIG = load_config(site / "feedpub.toml")
    return CONFIG


def _errors(data: bytes, source: str) -> list[str]:
    return [str(p) for p in validate_feed(data, source=source) if p.level == "error"]


def _examples(default: int) -> int:
    """``default`` examples, or the loaded profile's when it asks for more (``long``)."""
    return max(default, settings.default.max_examples)


def _with_id(record_id: str) -> tuple[str, bytes]:
    """The first mutable sample record with ``record_id`` as its id, as a file."""
    return "mutated.json", json.dumps({**MUTABLE[0], "id": record_id}).encode()


@settings(max_examples=_examples(300), deadline=None)
@given(mutations)
# Ids the loader once accepted and the Atom absolute-iri rule refused (issue 18).
@example(_with_id("https://example.com/a#b#c"))
@example(_with_id("https://example.com/a{b}"))
@example(_with_id("https://example.com/a|b"))
@example(_with_id("https://example.com/a%zz"))
def test_the_loader_survives_and_what_it_accepts_renders_valid(mutation: tuple[str, bytes]) -> None:
    name, data = mutation
    config = _config()
    parsed = parse_file(data, name, f"articles/{name}", config.records)
    metadata = parse_file(data, name, f"articles/{name}", config.records, bodies=False)
    # The build reads metadata first and bodies later: both must judge the record alike.
    assert [a.id for a in metadata.articles] == [a.id for a in parsed.articles]
    assert all(str(e).startswith(f"articles/{name}") for e in parsed.errors)
    for problem in (*parsed.errors, *parsed.warnings):
        str(problem).encode("utf-8")  # printable and storable, whatever the input held
    # A draft is in no feed (it skips the completeness rules until it is published).
    for article in (a for a in parsed.articles if not a.draft):
        for fmt in ("rss", "atom"):
            feed = render_feed(FeedPlan(None, (article,)), config.feed, fmt, FeedLinks(""))
            assert _errors(feed, f"{article.id}.{fmt}") == []


@contextmanager
def _site() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(dir=SCRATCH) as folder:
        site = Path(folder)
        (site / "feedpub.toml").write_text(CONFIG_TEXT, encoding="utf-8")
        (site / "articles").mkdir()
        for number, kept in enumerate(KEPT):
            (site / "articles" / f"kept{number}.json").write_text(json.dumps(kept))
        yield site


def _build(site: Path) -> tuple[Any, dict[str, bytes]]:
    result = CliRunner().invoke(
        main,
        ["build", "-q", "--config", str(site / "feedpub.toml"), "--now", NOW],
        catch_exceptions=True,
    )
    public = site / "public"
    files = {p.relative_to(public).as_posix(): p.read_bytes() for p in public.rglob("*.xml")}
    return result, files


_BASELINE: dict[str, bytes] = {}


def _baseline() -> dict[str, bytes]:
    if not _BASELINE:
        with _site() as site:
            result, files = _build(site)
            assert result.exit_code == 0, result.stderr
            _BASELINE.update(files)
    return _BASELINE


@settings(max_examples=_examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations)
def test_one_mutated_record_never_hurts_the_build(mutation: tuple[str, bytes]) -> None:
    name, data = mutation
    baseline = _baseline()
    with _site() as site:
        (site / "articles" / name).write_bytes(data)
        result, files = _build(site)
    assert isinstance(result.exception, SystemExit | None), result.exception
    assert result.exit_code in (0, 1, 2), result.stderr
    assert "Traceback" not in result.stderr
    for path, feed in files.items():
        assert _errors(feed, path) == []
    alone = parse_file(data, name, f"articles/{name}", _config().records)
    if not alone.articles:
        # Refused (or empty): the site is published exactly as it would be without it.
        assert files == baseline
    if alone.errors:
        assert name in result.stderr
