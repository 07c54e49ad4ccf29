"""The hardened XML parser for untrusted feeds: no DTD, no entity expansion, no network."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol, cast

from lxml import etree

from feedpub.errors import FeedValidationError, Problem
from feedpub.validate.namespaces import ElementTree

__all__ = ["LogEntry", "log_entries", "parse_untrusted", "refusal"]


# libxml2 reports entity bombs as these parse errors even though it expands
# nothing: it measures what the entities would amount to and gives up. The
# same limits stop very deep nesting and very long text.
_LIMIT_ERRORS = frozenset({"ERR_ENTITY_LOOP", "ERR_RESOURCE_LIMIT"})


def parse_untrusted(data: bytes, source: str = "<feed>") -> ElementTree:
    """Parse an XML document from an untrusted source, without DTDs, entities or network.

    Raises :class:`~feedpub.errors.FeedValidationError` with one ``xml-parse``
    Problem when the bytes are not well-formed XML, and with one ``unsafe-xml``
    Problem when the document declares entities (XXE, billion laughs): those
    are refused, never expanded.
    """
    # A fresh parser per call: its error log then holds this document's errors
    # only (the exception's log is per thread and keeps earlier ones), and
    # lxml parsers must not be shared between threads.
    parser = etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        # Leave collect_ids alone: with lxml 6 / libxml2 2.14, collect_ids=False
        # makes the parser load external DTDs and parameter entities.
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as err:
        if any(entry.type_name in _LIMIT_ERRORS for entry in log_entries(parser.error_log)):
            # libxml2's message ends in advice on lifting the limit: drop it.
            reason = err.msg.split(",")[0]
            if "entity" in reason.lower():
                # The line is inside an entity's text, which would mislead.
                raise refusal(
                    source,
                    None,
                    "unsafe-xml",
                    f"refused: the DOCTYPE declares entities that expand explosively "
                    f"({reason}); entities are never expanded, remove the DOCTYPE",
                ) from None
            raise refusal(
                source,
                err.lineno,
                "unsafe-xml",
                f"refused: the document exceeds the parser's safety limits ({reason})",
            ) from None
        raise refusal(source, err.lineno, "xml-parse", f"not well-formed XML: {err.msg}") from None
    tree = root.getroottree()
    names = _declared_entities(tree)
    if names:
        raise refusal(
            source,
            None,
            "unsafe-xml",
            "refused: the DOCTYPE declares entities ("
            + ", ".join(names)
            + "); entities are never expanded in untrusted feeds (XXE, entity expansion), "
            "so remove the DOCTYPE and write the text out",
        )
    return tree


def _declared_entities(tree: ElementTree) -> list[str]:
    # lxml-stubs leave DTD.iterentities() out.
    dtd: Any = tree.docinfo.internalDTD
    return [] if dtd is None else [str(entity.name) for entity in dtd.iterentities()]


class LogEntry(Protocol):
    """One libxml2 error-log entry, as lxml gives it."""

    type_name: str
    line: int
    message: str
    path: str | None


def log_entries(log: etree._ErrorLog) -> list[LogEntry]:
    """The entries of an lxml error log."""
    # lxml-stubs declare the error log opaque; it is a sequence of entries.
    return list(cast("Iterable[LogEntry]", log))


def refusal(source: str, line: int | None, rule: str, message: str) -> FeedValidationError:
    """A FeedValidationError holding one error Problem."""
    return FeedValidationError(source, [Problem(source, line or None, "error", rule, message)])
