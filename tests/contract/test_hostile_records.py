"""A hostile record costs only itself, as a file or as a row, with the same one-line error.

Each hostile record is added to the sample; ``check`` and ``build`` must report exactly one
error, on one line, naming where the record is (its file, or ``table:id``), and what is
wrong; every other record publishes: the documents are the reference's, byte for byte.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pytest

from feedpub.pipeline import check
from tests.contract.conftest import PAIRWISE, References, combos
from tests.contract.world import RowRecords, World


@dataclass(frozen=True)
class Hostile:
    """A record (fields as JSON text) and the error it must get from every source."""

    record_id: str
    fields: dict[str, str]
    #: What the reason says (a search in the message after the location).
    says: str
    #: The field the error names, where one field is at fault: in a file, and in a row
    #: (a file whose JSON cannot be read has no field or id to name; a row always has both).
    field_in_file: str | None
    field_in_row: str | None
    #: Whether a file's error names the record's id (a row's location always does).
    file_names_record: bool = True


def _fields(**extra: str) -> dict[str, str]:
    base = {
        "title": json.dumps("Berita yang tidak biasa"),
        "url": json.dumps("https://altumnews.com/2024/05/tidak-biasa/"),
        "date_published": json.dumps("2024-05-03T09:00:00+07:00"),
        "categories": json.dumps(["Lampung"]),
        "content_text": json.dumps("Isi."),
    }
    return base | extra


HOSTILE = {
    "nested-5000": Hostile(
        "sangat-dalam",
        _fields(categories="[" * 5000 + json.dumps("Lampung") + "]" * 5000),
        r"nested more than \d+ levels",
        field_in_file=None,
        field_in_row="categories",
        file_names_record=False,
    ),
    "over-max-record-bytes": Hostile(
        "terlalu-besar",
        _fields(content_text=json.dumps("x" * 30_000)),
        r"is [\d,]+ bytes, more than max_record_bytes \(20,000\) allows",
        field_in_file=None,
        field_in_row=None,
    ),
    "id-the-atom-validator-refuses": Hostile(
        "https://example.com/a#b#c",
        _fields(),
        r".",
        field_in_file="id",
        field_in_row="id",
    ),
}


def _cases() -> list[object]:
    memory = [c for c in PAIRWISE if c.target == "memory" and c.archives]
    found: list[object] = []
    for name, hostile in HOSTILE.items():
        for param in combos(memory):
            found.append(
                pytest.param(param.values[0], hostile, id=f"{param.id}-{name}", marks=param.marks)
            )
    return found


@pytest.mark.parametrize(("world", "hostile"), _cases(), indirect=["world"])
def test_a_hostile_record_is_one_line_naming_it_and_the_rest_publish(
    world: World, hostile: Hostile, references: References
) -> None:
    world.overrides["max_record_bytes"] = 20_000  # every sample record is far smaller
    world.records.put_raw(hostile.record_id, hostile.fields)
    location = world.records.location(hostile.record_id)
    checked = check(world.records.articles, world.config())
    report = world.build()
    for errors in (checked.errors, report.errors):
        assert [str(e) for e in errors if not str(e).startswith(location + ":")] == []
        (error,) = errors
        message = str(error)
        assert "\n" not in message and "Traceback" not in message
        assert error.path == location
        if isinstance(world.records, RowRecords):
            assert error.field == hostile.field_in_row, message
        else:
            assert error.field == hostile.field_in_file, message
            if hostile.file_names_record:
                assert error.record == hostile.record_id, message
        assert re.search(hostile.says, message[len(location) :]), message
    assert [str(e) for e in checked.errors] == [str(e) for e in report.errors]
    assert report.exit_code == 1 and report.records_bad == 1
    assert [o.path for o in report.feeds if o.action == "invalid"] == []
    assert world.target.documents() == references.get("sample", world.archives)
