"""The bundled schemas (RSS 2.0 XML Schema, Atom RELAX NG), and libxml2's log made readable."""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Callable, Iterable
from importlib import resources

from lxml import etree

from feedpub.errors import Problem
from feedpub.validate.namespaces import ElementTree
from feedpub.validate.parse import LogEntry, log_entries
from feedpub.validate.report import Report, element_at, name_of

__all__ = ["check_schema", "validate_xml"]


@functools.cache
def _schema(schema_file: str) -> etree._Validator:
    """Compile a bundled schema, once per process."""
    text = resources.files("feedpub.validate").joinpath("schemas", schema_file).read_bytes()
    document = etree.fromstring(text)
    validator: etree._Validator
    if schema_file.endswith(".rng"):
        validator = etree.RelaxNG(document)
    else:
        validator = etree.XMLSchema(document)
    return validator


# A compiled validator keeps the error log of its last run, so a run and the
# reading of its log must not interleave with another thread's run.
_SCHEMA_LOCK = threading.Lock()


def check_schema(report: Report, schema_file: str) -> None:
    """Validate the document against a bundled schema and report what it finds."""
    schema = _schema(schema_file)
    with _SCHEMA_LOCK:
        if schema.validate(report.tree):
            return
        entries = log_entries(schema.error_log)
    if isinstance(schema, etree.RelaxNG):
        _report_relaxng_error(report, entries)
    else:
        _report_xsd_errors(report, entries)


# libxml2's RELAX NG validator stops at the first mismatch, then reports it
# again for each enclosing element, often leaving the precise message without a
# location. These say nothing of their own:
_RELAXNG_ECHOES = frozenset({"RELAXNG_ERR_CONTENTVALID", "RELAXNG_ERR_INTERSEQ"})
_RELAXNG_MESSAGES = (
    (re.compile(r"Expecting an element (\S+), got nothing"), "<{at}> lacks the required <{0}>"),
    (re.compile(r"Expecting element (\S+), got (\S+)"), "expected <{0}>, found <{1}>"),
    (
        re.compile(r"Extra element (\S+) in interleave"),
        "<{0}> is not valid here: its content or attributes are wrong, "
        "or it repeats an element allowed once",
    ),
    (
        re.compile(r"Element (\S+) failed to validate attributes"),
        "<{0}> lacks a required attribute or has an invalid one",
    ),
    (re.compile(r"Element (\S+) has extra content: (\S+)"), "<{1}> is not allowed in <{0}>"),
    (re.compile(r"Invalid attribute (\S+) for element (\S+)"), "<{1}> may not have {0}={value!r}"),
)


def _report_relaxng_error(report: Report, entries: list[LogEntry]) -> None:
    """Report the one mismatch RELAX NG found, at the first element the log locates."""
    located = (element_at(report.tree, entry.path) for entry in entries)
    element = next((found for found in located if found is not None), None)
    causes = [entry for entry in entries if entry.type_name not in _RELAXNG_ECHOES]
    # "Extra element X in interleave" is the vaguest cause: use it last.
    causes.sort(key=lambda entry: entry.type_name == "RELAXNG_ERR_INTEREXTRA")
    message = (causes or entries)[0].message
    if element is None:
        report.add_at(None, "schema", message)
        return
    for pattern, template in _RELAXNG_MESSAGES:
        match = pattern.fullmatch(message)
        if match:
            value = element.get(match[1])  # read only by the invalid-attribute template
            message = template.format(*match.groups(), at=name_of(element), value=value)
            break
    report.add(element, "schema", message)


# An invalid value is reported once for its type and again, vaguely, by the
# identity constraint that could not read it.
_XSD_ECHO = "No precomputed value available"
# libxml2 lists what an item could have had next, not what it lacks.
_XSD_ITEM_MISSING = "Element 'item': Missing child element(s)."


def _report_xsd_errors(report: Report, entries: list[LogEntry]) -> None:
    """Report every error XML Schema found: each names its element already."""
    for entry in entries:
        if _XSD_ECHO in entry.message:
            continue
        message = entry.message
        if message.startswith(_XSD_ITEM_MISSING):
            message = "item has neither <title> nor <description>; RSS 2.0 requires one of them"
        element = element_at(report.tree, entry.path)
        if element is None:
            report.add_at(entry.line, "schema", message)
        else:
            report.add(element, "schema", message)


def validate_xml(
    tree: ElementTree,
    source: str,
    publishing: bool,
    schema_file: str,
    rules: Iterable[Callable[[Report], None]],
) -> list[Problem]:
    """Judge a parsed XML document by its format's bundled schema, then by each of its rules."""
    report = Report(source, tree, publishing)
    check_schema(report, schema_file)
    for rule in rules:
        rule(report)
    # Problems without a line concern the whole document: they come first.
    return sorted(report.problems, key=lambda problem: problem.line or 0)
