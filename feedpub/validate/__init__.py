"""Validating RSS 2.0 and Atom 1.0 documents: hardened parsing, bundled schemas, rules.

:func:`validate_feed` judges bytes and never raises for bad input;
:func:`validate_source` fetches them from a file, an http(s) URL or stdin
first; :func:`parse_untrusted` is the hardened parser both use.
"""

from __future__ import annotations

from feedpub.validate.core import parse_untrusted, validate_feed, validate_source

__all__ = ["parse_untrusted", "validate_feed", "validate_source"]
