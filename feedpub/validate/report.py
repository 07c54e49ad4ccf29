"""The findings collector: each finding with its line and a readable XPath."""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass, field
from typing import cast

from lxml import etree

from feedpub.errors import Problem
from feedpub.validate.namespaces import Element, ElementTree
from feedpub.validate.rules import level_of

__all__ = ["Report", "element_at", "judged_once", "line_of", "name_of", "text_of"]

#: For the value checks (a date's text, a URL): pure functions of their arguments, and the
#: documents of one site repeat the same values (an entry is in several feeds, in each
#: format), so each value is judged once. Small: a feed's formats are validated one after
#: another, so most repeats are near; 16,384 values kept 12 MB more for no measurable gain.
judged_once = functools.lru_cache(maxsize=1 << 10)


@dataclass
class Report:
    """The findings on one XML document, each with its line and a readable XPath."""

    source: str
    tree: ElementTree
    #: True for feedpub's own output: advice findings are then errors, not warnings.
    publishing: bool = False
    problems: list[Problem] = field(default_factory=list)
    # parent -> {child: its path step}, filled once per parent on demand.
    _steps: dict[Element, dict[Element, str]] = field(default_factory=dict)

    def add(self, element: Element, rule: str, message: str) -> None:
        """Note a finding of ``rule`` at ``element``; the rule's kind decides its level."""
        level = level_of(rule, publishing=self.publishing)
        self.problems.append(
            Problem(self.source, line_of(element), level, rule, message, self.path(element))
        )

    def add_at(self, line: int | None, rule: str, message: str) -> None:
        """Note a finding no element locates (``line`` may be None: the whole document)."""
        level = level_of(rule, publishing=self.publishing)
        self.problems.append(Problem(self.source, line or None, level, rule, message))

    def path(self, element: Element) -> str:
        """A readable XPath: names as written, an index only among same-named siblings."""
        steps = []
        node: Element | None = element
        while node is not None:
            parent = node.getparent()
            steps.append(name_of(node) if parent is None else self._step(parent, node))
            node = parent
        return "/" + "/".join(reversed(steps))

    def _step(self, parent: Element, child: Element) -> str:
        steps = self._steps.get(parent)
        if steps is None:
            # Name all children at once: a channel with thousands of items
            # would otherwise be scanned again for every problem in them.
            children = list(parent.iterchildren(etree.Element))
            totals = Counter(each.tag for each in children)
            seen: Counter[str] = Counter()
            steps = {}
            for each in children:
                seen[each.tag] += 1
                index = f"[{seen[each.tag]}]" if totals[each.tag] > 1 else ""
                steps[each] = name_of(each) + index
            self._steps[parent] = steps
        return steps[child]


def line_of(element: Element) -> int | None:
    """The element's line in the document (None for a built tree)."""
    # lxml-stubs give sourceline no real type; it is an int, or None for built trees.
    return cast("int | None", element.sourceline)


def name_of(element: Element) -> str:
    """The element's name as written: prefix:local, or local."""
    qname = etree.QName(element)
    return f"{element.prefix}:{qname.localname}" if element.prefix else qname.localname


def text_of(element: Element) -> str:
    """The element's own text, stripped."""
    return (element.text or "").strip()


def element_at(tree: ElementTree, path: str | None) -> Element | None:
    """The first element an XPath from libxml2's log finds, or None."""
    if not path:
        return None
    try:
        found = tree.xpath(path)
    except etree.XPathError:
        return None
    if isinstance(found, list) and found and isinstance(found[0], etree._Element):
        return found[0]
    return None
