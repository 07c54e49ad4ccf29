"""Validating RSS 2.0, Atom 1.0 and JSON Feed 1.1 documents: hardened parsing, schemas, rules.

:func:`validate_feed` judges bytes and never raises for bad input;
:func:`validate_source` fetches them from a file, an http(s) URL or stdin
first; :func:`parse_untrusted` is the hardened parser both use.

The modules, in the order a document meets them: ``fetch`` (files, URLs,
stdin), ``parse`` (the hardened parser), ``engine`` (format detection and the
run), ``schema`` (bundled schemas, libxml2's log translated), ``rss`` and
``atom`` (each XML format's rules), ``jsonfeed`` (JSON Feed 1.1), ``rules`` (the
table of rules, each spec or advice), with ``dates``, ``shared`` and ``report`` (the
findings collector) beneath them.
"""

from __future__ import annotations

from feedpub.validate.engine import validate_feed
from feedpub.validate.fetch import validate_source
from feedpub.validate.parse import parse_untrusted
from feedpub.validate.rules import RULES, Rule

__all__ = ["RULES", "Rule", "parse_untrusted", "validate_feed", "validate_source"]
