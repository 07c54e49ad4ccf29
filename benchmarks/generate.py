"""Write a seeded, realistic corpus of article records for the feedpub benchmark.

Usage::

    python benchmarks/generate.py N --seed S --out benchmarks/corpus/N-S

The corpus directory holds ``articles/`` (N records: mostly one object per
``.json`` file in ``YYYY/MM`` folders, some ``.jsonl`` batches and ``.json``
lists under ``import/``), ``feedpub.toml`` (the site config) and
``expected.tsv``, the oracle: for every record the UTC instant and the offset
the generator *meant* when it wrote ``date_published``, so a build can be
checked without trusting any date parser.

The same (N, seed) always gives the same bytes; an existing corpus for the
same (N, seed) is reused.
"""

from __future__ import annotations

import argparse
import csv
import html
import json
import os
import random
import re
import shutil
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

__all__ = [
    "DATE_FORMS",
    "EXPECTED_COLUMNS",
    "SITE_LINK",
    "SITE_ZONE",
    "Expected",
    "generate",
    "main",
    "read_expected",
]

#: Bump when the output for a given (N, seed) changes, so stale corpora are not reused.
GENERATOR_VERSION = 1

SITE_LINK = "https://berita.example.id/"
SITE_ZONE = "Asia/Jakarta"
FEED_LIMIT = 50

#: Every date form feedpub accepts, by the name expected.tsv uses for it.
DATE_FORMS = (
    "rfc3339",  # 2022-12-02T10:15:00+07:00, ...Z
    "iso-local",  # 2022-12-02T10:15:00, 2022-12-02 10:15, 2022-12-02 (record/site zone)
    "rfc822",  # Fri, 02 Dec 2022 10:15:00 +0700
    "numeric",  # 02/12/2022[ 14:30[ WIB]], day first
    "indonesian",  # Jumat, 2 Desember 2022 14:30[ WIB]
    "english",  # Friday, December 2, 2022 2:30 PM[ WIB]
    "site",  # Jumat(02/12/2022)
    "unix",  # 1669951800 (a JSON number)
)
_FORM_WEIGHTS = (20, 12, 14, 20, 12, 8, 8, 6)

EXPECTED_COLUMNS = (
    "id",
    "url",
    "published_utc",
    "offset",
    "form",
    "draft",
    "path",
    "date_published",
)

# Ten years of history that all lies before 2026-01-01 in every zone used here.
_START = datetime(2016, 1, 1, tzinfo=UTC)
_SPAN_SECONDS = int((datetime(2025, 12, 30, tzinfo=UTC) - _START).total_seconds())

_ABBREVIATIONS = {"WIB": 7, "WITA": 8, "WIT": 9, "UTC": 0, "GMT": 0}
# How often a form that may name its zone does so; the rest take the record's or site's zone.
_LABEL_CHANCE = {"numeric": 0.5, "indonesian": 0.75, "english": 0.35}
# How much of the time a form writes; iso-local and numeric vary per record.
_PRECISION = {"numeric": "minute", "indonesian": "minute", "english": "minute", "site": "day"}
_RECORD_ZONES = (
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Makassar",
    "Asia/Jayapura",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Asia/Jakarta",
)
# Offsets in minutes for dates that carry their own offset; WIB dominates, as on an Indonesian site.
_OFFSETS = (420, 480, 540, 0, 330, -300, -180, 60, 120, 600, 345, -570)
_OFFSET_WEIGHTS = (50, 12, 8, 15, 2, 3, 2, 2, 2, 2, 1, 1)

_ID_DAYS = ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu")
_ID_MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
_EN_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_EN_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_ID_WORDS = _words(
    """
pemerintah provinsi kabupaten kota warga masyarakat rapat koordinasi pelayanan publik
gubernur bupati wali dinas badan daerah pembangunan jalan jembatan sekolah guru siswa
kesehatan rumah sakit puskesmas dokter pasien petani nelayan harga beras cabai bawang
pasar pedagang ekonomi inflasi anggaran belanja pendapatan pajak investasi usaha kecil
menengah bantuan sosial program kegiatan pelatihan peserta pemuda olahraga sepak bola
pertandingan juara turnamen budaya festival seni tari musik wisata pantai gunung desa
adat tradisi hujan banjir longsor cuaca musim kemarau polisi kejaksaan pengadilan kasus
perkara saksi anggota dewan partai pemilu kampanye suara calon tahun bulan minggu hari
baru besar tinggi rendah cepat penting utama terus masih sudah akan dapat harus bisa
bersama melalui terhadap kepada dalam untuk dengan pada dari oleh karena sehingga namun
menyampaikan mengatakan menjelaskan meningkatkan mendukung melaksanakan menghadiri
membuka menutup membahas menerima memberikan membangun mewujudkan mengawasi
reformasi birokrasi tata kelola kinerja indikator kualitas pemerataan digital data
"""
)

_EN_WORDS = _words(
    """
government province district city residents community meeting coordination public
service governor mayor office agency regional development road bridge school teacher
student health hospital clinic doctor patient farmer fisherman price rice chili onion
market trader economy inflation budget spending revenue tax investment small business
social aid program activity training participant youth sport football match champion
tournament culture festival art dance music tourism beach mountain village custom
tradition rain flood landslide weather season drought police prosecutor court case
witness council member party election campaign vote candidate year month week day new
large high low fast important main still already will could must can together through
toward within for with on from by because so however said explained improved supported
held attended opened closed discussed received gave built achieved oversaw reform
bureaucracy governance performance indicator quality equity digital data report
"""
)

_TOPICS = _words(
    """
Ekonomi Politik Hukum Pendidikan Kesehatan Olahraga Budaya Wisata Teknologi Lingkungan
Pertanian Perikanan Transportasi Infrastruktur Pemerintahan Kriminal Bencana Agama
Hiburan Opini
"""
)
_QUALIFIERS = _words(
    """
Daerah Nasional Internasional Lampung Jakarta Makassar Papua Bali Kalimantan
"""
)

_FIRST_NAMES = _words(
    """
Ahmad Siti Budi Dewi Rizky Putri Agus Sri Hendra Wulan Fajar Indah Yusuf Ratna Andi Nur
Bayu Lestari Eko Maya Joko Ayu Rudi Fitri Teguh Rina Dimas Sari Arif Nadia
"""
)
_LAST_NAMES = _words(
    """
Santoso Wijaya Saputra Lestari Pratama Hidayat Kusuma Nugroho Siregar Harahap Simanjuntak
Pangaribuan Wibowo Setiawan Rahman Hakim Mustakim Susanto Gunawan Hasibuan Tanjung Lubis
Manurung Sitompul Purba Utami Permana Halim Rahayu Anggraini
"""
)

# Sentences with the characters that break naive XML writers: & < > quotes and a CDATA end.
_AWKWARD_SENTENCES = (
    'Harga naik 5% & stok < 100 ton, kata "pejabat" itu.',
    "Skor akhir 2 > 1 setelah babak kedua yang ketat.",
    "Rapat membahas R&D serta kerja sama antar-instansi.",
    "Kode ]]> muncul di laporan, tetapi tidak berbahaya.",
    "The mayor's office said <script> tags are stripped.",
    "Warga bertanya: 'apa kabar program Q&A minggu ini?'",
)


@dataclass(frozen=True)
class Expected:
    """One row of expected.tsv: what the generator meant a record to say."""

    id: str
    url: str
    published: datetime  # the meant instant, aware, UTC
    offset: str  # the meant UTC offset, "+07:00"
    form: str
    draft: bool
    path: str  # the record's file, relative to the corpus directory
    date_published: str  # the raw value as written (JSON numbers as their digits)


@dataclass(frozen=True)
class _MeantDate:
    value: str | int
    form: str
    instant: datetime
    offset: timedelta
    local: datetime  # the wall time as written, naive


def _format_offset(offset: timedelta, colon: bool = True) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hours, minutes = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{minutes:02d}" if colon else f"{sign}{hours:02d}{minutes:02d}"


def _pick_offset(rng: random.Random) -> timedelta:
    minutes = rng.choices(_OFFSETS, weights=_OFFSET_WEIGHTS)[0]
    return timedelta(minutes=minutes)


def _write_date(
    rng: random.Random, form: str, instant: datetime, record_zone: str | None
) -> _MeantDate | None:
    """Write *instant* in *form*; None when the wall time would not read back to one instant."""
    if form == "unix":
        wall = instant.replace(tzinfo=None)
        return _MeantDate(int(instant.timestamp()), form, instant, timedelta(0), wall)

    # The zone the text names, if any; otherwise the record's zone, else the site's, applies.
    label: str | None = None
    zone: tzinfo
    if form in ("rfc3339", "rfc822"):
        if record_zone and rng.random() < 0.7:
            # A CMS in that zone writes its own current offset.
            zone = timezone(instant.astimezone(ZoneInfo(record_zone)).utcoffset() or timedelta(0))
        else:
            zone = timezone(_pick_offset(rng))
    elif rng.random() < _LABEL_CHANCE.get(form, 0.0):
        label = rng.choices(tuple(_ABBREVIATIONS), weights=(60, 15, 10, 10, 5))[0]
        zone = timezone(timedelta(hours=_ABBREVIATIONS[label]))
    else:
        zone = ZoneInfo(record_zone or SITE_ZONE)

    # A form without seconds means the start of its minute; a date-only form, local midnight.
    precision = _PRECISION.get(form, "second")
    if form == "iso-local":
        precision = rng.choices(("day", "minute", "second"), weights=(25, 35, 40))[0]
    elif form == "numeric" and label is None and rng.random() < 0.4:
        precision = "day"
    wall = instant.astimezone(zone).replace(tzinfo=None)
    if precision == "day":
        wall = wall.replace(hour=0, minute=0, second=0)
    elif precision == "minute":
        wall = wall.replace(second=0)

    if isinstance(zone, ZoneInfo):
        early, late = wall.replace(tzinfo=zone), wall.replace(tzinfo=zone, fold=1)
        if early.utcoffset() != late.utcoffset():
            return None  # a DST fold or gap: no single meant instant
        meant = early
    else:
        meant = wall.replace(tzinfo=zone)
    offset = meant.utcoffset() or timedelta(0)
    text = _format(form, wall, offset, label, precision, rng)
    return _MeantDate(text, form, meant.astimezone(UTC), offset, wall)


def _format(
    form: str,
    wall: datetime,
    offset: timedelta,
    label: str | None,
    precision: str,
    rng: random.Random,
) -> str:
    suffix = f" {label}" if label else ""
    if form == "rfc3339":
        zone = "Z" if offset == timedelta(0) and rng.random() < 0.6 else _format_offset(offset)
        return wall.strftime("%Y-%m-%dT%H:%M:%S") + zone
    if form == "iso-local":
        pattern = {"day": "%Y-%m-%d", "minute": "%Y-%m-%d %H:%M"}.get(
            precision, "%Y-%m-%dT%H:%M:%S"
        )
        return wall.strftime(pattern)
    if form == "rfc822":
        if offset == timedelta(0) and rng.random() < 0.5:
            zone = "GMT"
        else:
            zone = _format_offset(offset, colon=False)
        day = _EN_DAYS[wall.weekday()][:3]
        month = _EN_MONTHS[wall.month - 1][:3]
        return f"{day}, {wall.day:02d} {month} {wall.year} {wall:%H:%M:%S} {zone}"
    if form == "numeric":
        if precision == "day":
            return f"{wall:%d/%m/%Y}"
        return f"{wall:%d/%m/%Y %H:%M}{suffix}"
    if form == "indonesian":
        day, month = _ID_DAYS[wall.weekday()], _ID_MONTHS[wall.month - 1]
        return f"{day}, {wall.day} {month} {wall.year} {wall:%H:%M}{suffix}"
    if form == "english":
        day, month = _EN_DAYS[wall.weekday()], _EN_MONTHS[wall.month - 1]
        hour = wall.hour % 12 or 12
        half = "AM" if wall.hour < 12 else "PM"
        return f"{day}, {month} {wall.day}, {wall.year} {hour}:{wall.minute:02d} {half}{suffix}"
    if form == "site":
        return f"{_ID_DAYS[wall.weekday()]}({wall:%d/%m/%Y})"
    raise ValueError(f"unknown date form {form!r}")


def _meant_date(rng: random.Random, form: str, record_zone: str | None) -> _MeantDate:
    while True:
        instant = _START + timedelta(seconds=rng.randrange(_SPAN_SECONDS))
        written = _write_date(rng, form, instant, record_zone)
        if written is not None:
            return written


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _sentence_pool(rng: random.Random, words: Sequence[str], size: int) -> list[str]:
    pool = []
    for _ in range(size):
        chosen = rng.choices(words, k=rng.randint(6, 16))
        if len(chosen) > 8 and rng.random() < 0.4:
            chosen[rng.randrange(3, len(chosen) - 3)] += ","
        pool.append(" ".join(chosen).capitalize() + ".")
    return pool


class _Writer:
    """Makes the records; all randomness flows from one seeded Random, in a fixed order."""

    def __init__(self, seed: int) -> None:
        self.rng = rng = random.Random(seed)
        self.pools = {
            "id": _sentence_pool(rng, _ID_WORDS, 3000),
            "en": _sentence_pool(rng, _EN_WORDS, 3000),
        }
        labels = list(_TOPICS) + [f"{t} {q}" for t in _TOPICS for q in _QUALIFIERS]
        rng.shuffle(labels)
        self.categories = labels
        # Zipf-like: the k-th most popular category is used about 1/k as often as the first.
        self.category_weights = list(_cumulative([1.0 / (rank + 1) for rank in range(len(labels))]))
        names = [f"{f} {last}" for f in _FIRST_NAMES for last in _LAST_NAMES]
        self.authors = rng.sample(names, 60)

    def body(self, language: str) -> list[str]:
        """Return paragraphs of 1-6 KB in total."""
        rng, pool = self.rng, self.pools[language]
        target = rng.randint(1000, 5700)
        paragraphs: list[str] = []
        size = 0
        while size < target:
            sentences = []
            for _ in range(rng.randint(3, 6)):
                if rng.random() < 0.01:
                    sentences.append(rng.choice(_AWKWARD_SENTENCES))
                else:
                    sentences.append(rng.choice(pool))
            paragraph = " ".join(sentences)
            room = 6000 - size - 2
            if len(paragraph) > room:
                paragraph = paragraph[: paragraph.rfind(" ", 0, room)].rstrip(",") + "."
            paragraphs.append(paragraph)
            size += len(paragraph) + 2
        return paragraphs

    def title(self, language: str) -> str:
        rng = self.rng
        words = rng.choice(self.pools[language]).rstrip(".").replace(",", "").split()
        title = " ".join(w.capitalize() for w in words[: rng.randint(5, 10)])
        if rng.random() < 0.03:
            title += rng.choice((" & Warga", ': "Kami Siap"', " < 3%", " (Q&A)"))
        return title

    def record(self, index: int) -> tuple[dict[str, Any], _MeantDate]:
        """Return the record with this index and the date it means."""
        rng = self.rng
        language = "id" if rng.random() < 0.85 else "en"
        title = self.title(language)
        record_zone = rng.choice(_RECORD_ZONES) if rng.random() < 0.08 else None
        # The first records cover every form, so even a tiny corpus has them all.
        if index < len(DATE_FORMS):
            form = DATE_FORMS[index]
        else:
            form = rng.choices(DATE_FORMS, weights=_FORM_WEIGHTS)[0]
        meant = _meant_date(rng, form, record_zone)
        slug = f"{_slug(' '.join(title.split()[:6]))}-{index}"
        url = f"{SITE_LINK}{meant.local:%Y/%m}/{slug}"
        kind = rng.random()
        if kind < 0.7:
            record_id = str(100000 + index)
        elif kind < 0.9:
            record_id = url
        else:
            record_id = f"urn:uuid:{_uuid4(rng)}"

        record: dict[str, Any] = {"id": record_id, "url": url, "title": title}
        record["date_published"] = meant.value
        if rng.random() < 0.15:
            later = meant.instant + timedelta(seconds=rng.randint(3600, 30 * 86400))
            later = min(later, datetime(2025, 12, 31, tzinfo=UTC))
            record["date_modified"] = later.astimezone(timezone(timedelta(hours=7))).isoformat()
        if record_zone:
            record["timezone"] = record_zone
        record["authors"] = [self.author() for _ in range(rng.choices((1, 2, 3), (70, 22, 8))[0])]
        record["categories"] = self.pick_categories()
        paragraphs = self.body(language)
        if rng.random() < 0.4:
            record["summary"] = paragraphs[0].split(". ")[0].rstrip(".") + "."
        if rng.random() < 0.25:
            record["content_html"] = self.html(paragraphs)
        else:
            record["content_text"] = "\n\n".join(paragraphs)
        if rng.random() < 0.3:
            record["image"] = f"{SITE_LINK}img/{meant.local:%Y/%m}/{slug}.jpg"
        if rng.random() < 0.02:
            record["attachments"] = [
                {
                    "url": f"{SITE_LINK}audio/{slug}.mp3",
                    "mime_type": "audio/mpeg",
                    "size_in_bytes": rng.randint(100_000, 9_000_000),
                }
            ]
        if rng.random() < 0.5:
            record["language"] = language
        # Drafts sit at fixed positions so that every corpus of 20 or more records has one.
        if index % 199 == 17:
            record["draft"] = True
        return record, meant

    def author(self) -> str | dict[str, str]:
        rng = self.rng
        name = rng.choice(self.authors)
        kind = rng.random()
        if kind < 0.5:
            return name
        if kind < 0.85:
            return {"name": name, "email": f"{_slug(name).replace('-', '.')}@berita.example.id"}
        return {"name": name, "url": f"{SITE_LINK}penulis/{_slug(name)}"}

    def pick_categories(self) -> list[str | dict[str, str]]:
        rng = self.rng
        wanted = rng.choices((1, 2, 3), weights=(45, 40, 15))[0]
        labels: list[str] = []
        for label in rng.choices(self.categories, cum_weights=self.category_weights, k=wanted * 2):
            if label not in labels:
                labels.append(label)
        picked: list[str | dict[str, str]] = []
        for label in labels[:wanted]:
            if rng.random() < 0.8:
                picked.append(label)
            elif rng.random() < 0.5:
                picked.append({"term": _slug(label), "label": label})
            else:
                picked.append(
                    {"term": _slug(label), "label": label, "scheme": f"{SITE_LINK}kategori/"}
                )
        return picked

    def html(self, paragraphs: list[str]) -> str:
        rng = self.rng
        parts = []
        for paragraph in paragraphs:
            text = html.escape(paragraph, quote=False)
            chance = rng.random()
            if chance < 0.1:
                parts.append(f"<blockquote><p>{text}</p></blockquote>")
            elif chance < 0.2:
                first, _, rest = text.partition(" ")
                parts.append(f'<p><a href="{SITE_LINK}tag/{_slug(first)}">{first}</a> {rest}</p>')
            elif chance < 0.3:
                first, _, rest = text.partition(" ")
                parts.append(f"<p><strong>{first}</strong> <em>{rest}</em></p>")
            else:
                parts.append(f"<p>{text}</p>")
        return "\n".join(parts)


def _cumulative(weights: Sequence[float]) -> Iterator[float]:
    total = 0.0
    for weight in weights:
        total += weight
        yield total


def _uuid4(rng: random.Random) -> str:
    value = rng.getrandbits(128)
    value = (value & ~(0xF000 << 64)) | (4 << 76)  # version 4
    value = (value & ~(0xC000 << 48)) | (0x8000 << 48)  # RFC 4122 variant
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


_CONFIG = f"""\
# Site config for the generated benchmark corpus.
title = "Berita Contoh"
link = "{SITE_LINK}"
description = "Berita daerah dan nasional: corpus buatan untuk benchmark feedpub"
language = "id"
timezone = "{SITE_ZONE}"
author = "Redaksi Berita Contoh"
limit = {FEED_LIMIT}
dayfirst = true
feeds_url = "{SITE_LINK}feeds/"
# The subscription feeds only: the work every site does (archives are measured on their own).
archive = "off"
"""

# Which records go into .jsonl batches and .json lists instead of a file of their own.
_JSONL_EVERY, _JSONL_AT, _JSONL_BATCH = 41, 3, 250
_LIST_EVERY, _LIST_AT, _LIST_BATCH = 97, 11, 40


def _write_tree(n: int, seed: int, root: Path) -> None:
    """Write the corpus into the empty directory *root*."""
    writer = _Writer(seed)
    made: set[Path] = set()
    batches: dict[str, list[str]] = {}  # .jsonl path -> lines
    lists: dict[str, list[dict[str, Any]]] = {}  # .json list path -> records
    rows: list[tuple[str, ...]] = []
    for index in range(n):
        record, meant = writer.record(index)
        if index % _JSONL_EVERY == _JSONL_AT:
            batch = index // (_JSONL_EVERY * _JSONL_BATCH)
            where = f"articles/import/batch-{batch:04d}.jsonl"
            batches.setdefault(where, []).append(json.dumps(record, ensure_ascii=False) + "\n")
        elif index % _LIST_EVERY == _LIST_AT:
            batch = index // (_LIST_EVERY * _LIST_BATCH)
            where = f"articles/import/list-{batch:04d}.json"
            lists.setdefault(where, []).append(record)
        else:
            name = record["url"].rsplit("/", 1)[1]
            where = f"articles/{meant.local:%Y/%m}/{name}.json"
            text = json.dumps(record, ensure_ascii=False, indent=2) + "\n"
            _write_text(root / where, text, made)
        rows.append(
            (
                record["id"],
                record["url"],
                meant.instant.strftime("%Y-%m-%dT%H:%M:%SZ"),
                _format_offset(meant.offset),
                meant.form,
                "1" if record.get("draft") else "0",
                where,
                str(meant.value),
            )
        )
    for where, lines in batches.items():
        _write_text(root / where, "".join(lines), made)
    for where, records in lists.items():
        _write_text(root / where, json.dumps(records, ensure_ascii=False, indent=2) + "\n", made)

    with open(root / "expected.tsv", "w", encoding="utf-8", newline="") as stream:
        out = csv.writer(stream, delimiter="\t", lineterminator="\n")
        out.writerow(EXPECTED_COLUMNS)
        out.writerows(rows)
    _write_text(root / "feedpub.toml", _CONFIG, made)


def _write_text(path: Path, text: str, made: set[Path]) -> None:
    # One mkdir per folder, not per file: 100,000 records must generate in seconds.
    if path.parent not in made:
        path.parent.mkdir(parents=True, exist_ok=True)
        made.add(path.parent)
    with open(path, "w", encoding="utf-8", newline="\n") as stream:
        stream.write(text)


def _manifest(n: int, seed: int) -> dict[str, Any]:
    return {"generator": GENERATOR_VERSION, "records": n, "seed": seed}


def generate(n: int, seed: int, out: Path) -> bool:
    """Write the corpus for (n, seed) into *out*; return False if it was already there.

    The corpus is built in a sibling temporary directory and renamed into place,
    so *out* either holds a whole corpus or does not exist. Raises
    FileExistsError when *out* holds something else.
    """
    if n < 1:
        raise ValueError("the corpus needs at least one record")
    manifest_path = out / "corpus.json"
    if out.exists():
        try:
            found = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            found = None
        if found == _manifest(n, seed):
            return False
        raise FileExistsError(
            f"{out}: exists but is not the corpus for N={n}, seed={seed}; remove it or pick --out"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    building = out.parent / f".{out.name}.building-{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    try:
        building.mkdir()
        _write_tree(n, seed, building)
        (building / "corpus.json").write_text(
            json.dumps(_manifest(n, seed), indent=2) + "\n", encoding="utf-8"
        )
        building.rename(out)
    except BaseException:
        shutil.rmtree(building, ignore_errors=True)
        raise
    return True


def read_expected(path: Path) -> dict[str, Expected]:
    """Read expected.tsv into a mapping from record url to its row."""
    rows: dict[str, Expected] = {}
    with open(path, encoding="utf-8", newline="") as stream:
        reader = csv.reader(stream, delimiter="\t")
        header = next(reader)
        if tuple(header) != EXPECTED_COLUMNS:
            raise ValueError(f"{path}: unexpected columns {header}")
        for record_id, url, published, offset, form, draft, where, raw in reader:
            rows[url] = Expected(
                id=record_id,
                url=url,
                published=datetime.strptime(published, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC),
                offset=offset,
                form=form,
                draft=draft == "1",
                path=where,
                date_published=raw,
            )
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``generate.py N --seed S --out DIR``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of records")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--out", type=Path, help="corpus directory (default benchmarks/corpus/N-SEED)"
    )
    args = parser.parse_args(argv)
    out: Path = args.out or Path(__file__).resolve().parent / "corpus" / f"{args.n}-{args.seed}"
    try:
        written = generate(args.n, args.seed, out)
    except (FileExistsError, ValueError) as error:
        print(f"generate.py: {error}", file=sys.stderr)
        return 2
    print(f"{'wrote' if written else 'reusing'} {out} ({args.n} records, seed {args.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
