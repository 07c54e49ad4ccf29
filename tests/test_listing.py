"""The compact listing of record files, and the walk's order: the build state compares both
with its own sorted rows, so the walk must come out sorted exactly as Python sorts paths."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import pytest

from feedpub.records.listing import BLOCK, Listing
from feedpub.records.walk import find_record_files

ENTRIES = [("2022/12/a.json", 10, 1), ("2022/12/b ü.jsonl", 0, -5), ("x.json", 2**40, 2**62)]


def test_a_listing_gives_back_what_went_in() -> None:
    listing = Listing(ENTRIES)
    assert list(listing) == ENTRIES
    assert len(listing) == 3 and listing
    assert not Listing()
    assert pickle.loads(pickle.dumps(listing)) == listing  # how walk workers send theirs


MANY = [
    (f"{year}/{n:06}-berita.json", n * 7, n * 10**9) for year in (2021, 2022) for n in range(3000)
]


def test_a_listing_of_many_blocks_gives_back_what_went_in() -> None:
    listing = Listing(MANY)
    assert len(listing) == len(MANY) > 2 * BLOCK
    assert list(listing) == MANY
    sent = pickle.loads(pickle.dumps(listing))  # as a walk worker sends its part
    assert sent == listing and sent.digest() == listing.digest()


def test_chunks_are_consecutive_and_the_last_may_be_short() -> None:
    listing = Listing(MANY)
    chunks = listing.chunks(256)
    assert len(chunks) == -(-len(MANY) // 256)
    made = list(chunks)
    assert len(made) == len(chunks)
    assert {len(chunk) for chunk in made[:-1]} == {256}
    assert made[-1] == MANY[-(len(MANY) % 256) :]
    assert [entry for chunk in made for entry in chunk] == MANY


@pytest.mark.parametrize("split", [0, 1, BLOCK - 1, BLOCK, BLOCK + 5, 4000])
def test_a_listing_put_together_from_parts_is_the_same_listing(split: int) -> None:
    # The parallel walk extends one listing with each folder's: neither its files nor its
    # digest (what tells the next build nothing changed) may depend on where the parts met.
    whole = Listing(MANY)
    joined = Listing(MANY[:split])
    joined.extend(Listing(MANY[split:]))
    joined.append("zzz.json", 1, 2)
    whole.append("zzz.json", 1, 2)
    assert list(joined) == list(whole)
    assert joined.digest() == whole.digest()


def test_the_digest_changes_with_any_path_size_or_mtime() -> None:
    digest = Listing(ENTRIES).digest()
    assert Listing(ENTRIES).digest() == digest
    rest = ENTRIES[1:]
    for changed in (
        ("2022/12/c.json", 10, 1),
        ("2022/12/a.json", 11, 1),
        ("2022/12/a.json", 10, 2),
    ):
        assert Listing([changed, *rest]).digest() != digest
    # Moving a byte from one path to the next is a different listing too.
    moved = Listing([("ab", 0, 0), ("c", 0, 0)]), Listing([("a", 0, 0), ("bc", 0, 0)])
    assert moved[0].digest() != moved[1].digest()


# Names whose order differs from a folder-at-a-time walk unless folders sort as "name/":
# "-", " " and "." sort before "/", "0" and "_" after it.
TRICKY = [
    "a.json",
    "a-b.json",
    "a b.json",
    "a/z.json",
    "a/b/c.json",
    "a0.json",
    "a_/x.json",
    "b.jsonl",
    "é/ü.json",
    "Z.json",
    "a.json.d/inner.json",
]


@pytest.mark.parametrize("parallel", [False, True])
def test_the_walk_comes_out_sorted_as_python_sorts_paths(tmp_path: Path, parallel: bool) -> None:
    for relative in TRICKY:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")
    found = find_record_files(tmp_path, parallel=parallel)
    assert [relative for relative, _, _ in found] == sorted(TRICKY)
    stat = os.stat(tmp_path / "a" / "z.json")
    assert ("a/z.json", stat.st_size, stat.st_mtime_ns) in list(found)
