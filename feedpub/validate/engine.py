"""The engine: parse a document, find its format, run its schema and rules, sort the findings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from feedpub.errors import FeedValidationError, Problem
from feedpub.validate import atom, rss
from feedpub.validate.jsonfeed import looks_like_json, validate_json_feed
from feedpub.validate.namespaces import ATOM, ATOM_NS
from feedpub.validate.parse import parse_untrusted
from feedpub.validate.report import Report, name_of
from feedpub.validate.schema import check_schema

__all__ = ["validate_feed"]


@dataclass(frozen=True)
class Format:
    """An XML feed format: its bundled schema and the rules run after it."""

    schema_file: str
    rules: tuple[Callable[[Report], None], ...]


_RSS = Format(rss.SCHEMA, rss.RULES)
_ATOM_FORMAT = Format(atom.SCHEMA, atom.RULES)


def validate_feed(
    data: bytes, source: str = "<feed>", *, publishing: bool = False
) -> list[Problem]:
    """Validate an RSS 2.0, Atom 1.0 or JSON Feed 1.1 document; return its problems, sorted.

    Runs the hardened parse, the format's schema, then every rule, and returns
    all errors and warnings. Spec rules give errors; advice rules give warnings,
    or errors when ``publishing`` (feedpub's own output, which it holds to its
    advice too; see :mod:`feedpub.validate.rules`). Bad input never raises: an
    unparseable document, an unsafe one, or one that is neither RSS 2.0 nor
    Atom 1.0 is one error. A document whose first byte that is not white space is
    ``{`` is read as JSON Feed 1.1, its findings located by JSON pointers.
    """
    if looks_like_json(data):
        return validate_json_feed(data, source, publishing=publishing)
    try:
        tree = parse_untrusted(data, source)
    except FeedValidationError as err:
        return err.problems
    report = Report(source, tree, publishing)
    format_ = _detect_format(report)
    if format_ is None:
        return report.problems
    check_schema(report, format_.schema_file)
    for rule in format_.rules:
        rule(report)
    # Problems without a line concern the whole document: they come first.
    return sorted(report.problems, key=lambda problem: problem.line or 0)


def _detect_format(report: Report) -> Format | None:
    root = report.tree.getroot()
    if root.tag == "rss":
        return _RSS
    if root.tag == f"{ATOM}feed":
        return _ATOM_FORMAT
    qname = etree.QName(root)
    hint = ""
    if qname.localname == "feed" and qname.namespace:
        hint = f"; its namespace {qname.namespace!r} is not Atom 1.0's {ATOM_NS!r}"
    elif qname.localname == "rss" and qname.namespace:
        hint = "; RSS 2.0 elements take no namespace"
    elif qname.localname == "RDF":
        hint = "; RSS 1.0 (RDF) is not supported"
    report.add(
        root,
        "schema",
        f"root element <{name_of(root)}> is neither RSS 2.0 <rss> nor Atom 1.0 <feed>{hint}",
    )
    return None
