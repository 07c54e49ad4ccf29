"""feedpub's version: part of every index and feed digest, so an upgrade re-renders everything."""

__version__ = "0.1.0"
