"""The XML namespaces the validator knows, and the lxml types its modules share."""

from __future__ import annotations

from lxml import etree

ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
XML_NS = "http://www.w3.org/XML/1998/namespace"

ATOM = f"{{{ATOM_NS}}}"
XML_LANG = f"{{{XML_NS}}}lang"

Element = etree._Element
ElementTree = etree._ElementTree
