"""The contract suite: the same cases over every target, source and archive setting."""
