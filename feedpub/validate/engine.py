"""The engine: recognise a document's format from the format table, then run its validator."""

from __future__ import annotations

from lxml import etree

from feedpub.errors import FeedValidationError, Problem
from feedpub.output.formats import FORMATS, Document, FormatSpec, json_format, xml_format
from feedpub.validate.jsonfeed import looks_like_json
from feedpub.validate.namespaces import ElementTree
from feedpub.validate.parse import parse_untrusted
from feedpub.validate.report import Report, name_of

__all__ = ["format_of", "validate_feed"]


def validate_feed(
    data: bytes, source: str = "<feed>", *, publishing: bool = False
) -> list[Problem]:
    """Validate an RSS 2.0, Atom 1.0 or JSON Feed 1.1 document; return its problems, sorted.

    Runs the hardened parse, then the validator the format table gives the
    document's format (its schema, then every rule), and returns all errors and
    warnings. Spec rules give errors; advice rules give warnings, or errors when
    ``publishing`` (feedpub's own output, which it holds to its advice too; see
    :mod:`feedpub.validate.rules`). Bad input never raises: an unparseable
    document, an unsafe one, or one of no format in the table is one error. A
    document whose first byte that is not white space is ``{`` is read as JSON
    (JSON Feed 1.1), its findings located by JSON pointers.
    """
    try:
        spec, tree = _recognise(data, source)
    except FeedValidationError as err:
        return err.problems
    if spec is None:
        assert tree is not None
        return _unknown_root(Report(source, tree, publishing))
    return spec.validate(Document(data, source, publishing, tree))


def format_of(data: bytes) -> FormatSpec | None:
    """The format ``feedpub validate`` judges ``data`` as; ``None`` when it is of none (or is
    not well-formed XML)."""
    try:
        return _recognise(data, "<feed>")[0]
    except FeedValidationError:
        return None


def _recognise(data: bytes, source: str) -> tuple[FormatSpec | None, ElementTree | None]:
    """The document's format, and its parsed tree when it is XML (raises for bad XML)."""
    if looks_like_json(data):
        spec = json_format(data)
        if spec is not None:
            return spec, None
    tree = parse_untrusted(data, source)
    return xml_format(tree.getroot().tag), tree


def _unknown_root(report: Report) -> list[Problem]:
    """One error naming the root element and the XML formats there are, with a hint when
    the name is right and the namespace wrong."""
    root = report.tree.getroot()
    qname = etree.QName(root)
    known = [spec for spec in FORMATS.values() if spec.syntax == "xml"]
    hint = ""
    for spec in known:
        if qname.localname == spec.root_name and qname.namespace:
            if spec.root_namespace:
                hint = (
                    f"; its namespace {qname.namespace!r} is not {spec.title}'s"
                    f" {spec.root_namespace!r}"
                )
            else:
                hint = f"; {spec.title} elements take no namespace"
            break
    else:
        if qname.localname == "RDF":
            hint = "; RSS 1.0 (RDF) is not supported"
    names = " nor ".join(f"{spec.title} <{spec.root_name}>" for spec in known)
    report.add(root, "schema", f"root element <{name_of(root)}> is neither {names}{hint}")
    return report.problems
