"""Everything that leaves feedpub: rendering feeds (the one feedgen adapter), where they are
published, the atomic writes, and the lock that keeps one build at a time."""

from __future__ import annotations
