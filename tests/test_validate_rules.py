"""The rules validate_feed checks after the schema: one passing and one failing case each.

Every case edits a minimal valid feed (tests/fixtures/feeds/minimal-*.xml) and
lists exactly the problems it must produce, as (level, rule, path).
"""

from __future__ import annotations

import email.utils
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from feedpub.validate import validate_feed
from tests.feeds import variant

RSS_ITEM_END = "      <guid>https://news.example.org/rakor</guid>\n"
RSS_CHANNEL_END = "    <item>\n"
ATOM_ENTRY_END = '    <link href="https://news.example.org/rakor"/>\n'
ITEM = "/rss/channel/item"
ENTRY = "/feed/entry"


def rss_item(extra: str) -> tuple[str, str]:
    return (RSS_ITEM_END, RSS_ITEM_END + extra)


def rss_channel(extra: str) -> tuple[str, str]:
    return (RSS_CHANNEL_END, extra + RSS_CHANNEL_END)


def atom_entry(extra: str) -> tuple[str, str]:
    return (ATOM_ENTRY_END, ATOM_ENTRY_END + extra)


def second_rss_item(body: str) -> tuple[str, str]:
    return ("  </channel>", f"    <item>\n{body}    </item>\n  </channel>")


def second_atom_entry(body: str) -> tuple[str, str]:
    return ("</feed>", f"  <entry>\n{body}  </entry>\n</feed>")


ENTRY_2 = (
    "    <id>tag:news.example.org,2022:pelayanan</id>\n"
    "    <title>Pelayanan</title>\n"
    "    <updated>2022-12-01T10:00:00+07:00</updated>\n"
    '    <link href="https://news.example.org/pelayanan"/>\n'
)

Case = tuple[str, tuple[tuple[str, str], ...], list[tuple[str, str, str]]]

CASES: dict[str, Case] = {
    # rss-date
    "rss-date ok: numeric zone": (
        "rss",
        (rss_item("      <pubDate>Fri, 02 Dec 2022 10:00:00 +0700</pubDate>\n"),),
        [],
    ),
    "rss-date ok: no day name, no seconds, GMT": (
        "rss",
        (rss_item("      <pubDate>2 Dec 2022 10:00 GMT</pubDate>\n"),),
        [],
    ),
    "rss-date ok: US zone": (
        "rss",
        (rss_item("      <pubDate>Thu, 01 Dec 2022 22:00:00 EST</pubDate>\n"),),
        [],
    ),
    "rss-date fails: two-digit year": (
        "rss",
        (rss_item("      <pubDate>Fri, 02 Dec 22 10:00:00 +0700</pubDate>\n"),),
        [("error", "rss-date", f"{ITEM}/pubDate")],
    ),
    "rss-date fails: day name contradicts the date": (
        "rss",
        (rss_item("      <pubDate>Sat, 02 Dec 2022 10:00:00 +0700</pubDate>\n"),),
        [("error", "rss-date", f"{ITEM}/pubDate")],
    ),
    "rss-date fails: unknown zone": (
        "rss",
        (rss_item("      <pubDate>Fri, 02 Dec 2022 10:00:00 WIB</pubDate>\n"),),
        [("error", "rss-date", f"{ITEM}/pubDate")],
    ),
    "rss-date fails: no such day": (
        "rss",
        (rss_item("      <pubDate>30 Feb 2022 10:00:00 +0700</pubDate>\n"),),
        [("error", "rss-date", f"{ITEM}/pubDate")],
    ),
    "rss-date fails: RFC 3339 in RSS": (
        "rss",
        (rss_channel("    <lastBuildDate>2022-12-02T10:00:00+07:00</lastBuildDate>\n"),),
        [("error", "rss-date", "/rss/channel/lastBuildDate")],
    ),
    "rss-date warns: military zone": (
        "rss",
        (rss_channel("    <pubDate>Fri, 02 Dec 2022 10:00:00 A</pubDate>\n"),),
        [("warning", "rss-military-zone", "/rss/channel/pubDate")],
    ),
    # atom-date
    "atom-date ok: offset and fraction": (
        "atom",
        (atom_entry("    <published>2022-12-02T09:59:59.123456-03:30</published>\n"),),
        [],
    ),
    "atom-date fails: no zone": (
        "atom",
        (atom_entry("    <published>2022-12-02T10:00:00</published>\n"),),
        [("error", "atom-date", f"{ENTRY}/published")],
    ),
    "atom-date fails: space for T": (
        "atom",
        (atom_entry("    <published>2022-12-02 10:00:00Z</published>\n"),),
        [("error", "atom-date", f"{ENTRY}/published")],
    ),
    "atom-date fails: lowercase t and z": (
        "atom",
        (atom_entry("    <published>2022-12-02t10:00:00z</published>\n"),),
        [("error", "atom-date", f"{ENTRY}/published")],
    ),
    "atom-date fails: RFC 822 in Atom": (
        "atom",
        (
            (
                "<updated>2022-12-05T08:15:00+07:00</updated>",
                "<updated>Mon, 05 Dec 2022 08:15:00 +0700</updated>",
            ),
        ),
        [("error", "atom-date", "/feed/updated")],
    ),
    "atom-date fails: no such day": (
        "atom",
        (atom_entry("    <published>2022-02-30T10:00:00Z</published>\n"),),
        [("error", "atom-date", f"{ENTRY}/published")],
    ),
    # unique-id
    "unique-id ok: distinct guids": (
        "rss",
        (
            second_rss_item(
                "      <title>Dua</title>\n      <guid>https://news.example.org/dua</guid>\n"
            ),
        ),
        [],
    ),
    "unique-id fails: repeated guid": (
        "rss",
        (
            second_rss_item(
                "      <title>Dua</title>\n      <guid>https://news.example.org/rakor</guid>\n"
            ),
        ),
        [("warning", "unique-id", f"{ITEM}[2]/guid")],
    ),
    "unique-id ok: distinct entry ids": ("atom", (second_atom_entry(ENTRY_2),), []),
    "unique-id fails: repeated entry id": (
        "atom",
        (
            second_atom_entry(
                ENTRY_2.replace("pelayanan</id>", "rakor</id>"),
            ),
        ),
        [("warning", "unique-id", "/feed/entry[2]/id")],
    ),
    # absolute-iri
    "absolute-iri ok: urn": (
        "atom",
        (("tag:news.example.org,2022:rakor", "urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6"),),
        [],
    ),
    "absolute-iri fails: a bare slug": (
        "atom",
        (("<id>tag:news.example.org,2022:rakor</id>", "<id>rakor-reformasi</id>"),),
        [("error", "absolute-iri", f"{ENTRY}/id")],
    ),
    "absolute-iri fails: relative feed id": (
        "atom",
        (("<id>tag:news.example.org,2022:feed</id>", "<id>/feed.xml</id>"),),
        [("error", "absolute-iri", "/feed/id")],
    ),
    # absolute-url
    "absolute-url fails: relative item link": (
        "rss",
        (("<link>https://news.example.org/rakor</link>", "<link>/rakor</link>"),),
        [("error", "absolute-url", f"{ITEM}/link")],
    ),
    "absolute-url warns: ftp comments": (
        "rss",
        (rss_item("      <comments>ftp://news.example.org/rakor.txt</comments>\n"),),
        [("warning", "http-url", f"{ITEM}/comments")],
    ),
    "absolute-url fails: ftp enclosure, which must be http": (
        "rss",
        (
            rss_item(
                '      <enclosure url="ftp://news.example.org/a.mp3" length="1" '
                'type="audio/mpeg"/>\n'
            ),
        ),
        [("error", "absolute-url", f"{ITEM}/enclosure")],
    ),
    "absolute-url fails: relative image url": (
        "rss",
        (
            rss_channel(
                "    <image><url>logo.png</url><title>Altum</title>"
                "<link>https://news.example.org/</link></image>\n"
            ),
        ),
        [("error", "absolute-url", "/rss/channel/image/url")],
    ),
    "absolute-url fails: relative source url": (
        "rss",
        (rss_item('      <source url="kominfo.xml">Kominfo</source>\n'),),
        [("error", "absolute-url", f"{ITEM}/source")],
    ),
    "absolute-url fails: relative atom:link self in RSS": (
        "rss",
        (('href="https://news.example.org/feed.xml"', 'href="feed.xml"'),),
        [("error", "absolute-url", "/rss/channel/atom:link")],
    ),
    # RFC 4287 allows relative references: advice (an error only in feedpub's own output).
    "relative-url warns: relative Atom link": (
        "atom",
        (('<link href="https://news.example.org/rakor"/>', '<link href="rakor"/>'),),
        [("warning", "relative-url", f"{ENTRY}/link")],
    ),
    "absolute-url ok: relative Atom link under an absolute xml:base": (
        "atom",
        (
            ("<entry>", '<entry xml:base="https://news.example.org/2022/">'),
            ('<link href="https://news.example.org/rakor"/>', '<link href="rakor"/>'),
        ),
        [],
    ),
    "relative-url warns: relative icon, logo and person uri": (
        "atom",
        (
            (
                "    <name>Redaksi</name>\n",
                "    <name>Redaksi</name>\n    <uri>/redaksi</uri>\n",
            ),
            ("  <entry>", "  <icon>favicon.ico</icon>\n  <logo>logo.png</logo>\n  <entry>"),
        ),
        [
            ("warning", "relative-url", "/feed/author/uri"),
            ("warning", "relative-url", "/feed/icon"),
            ("warning", "relative-url", "/feed/logo"),
        ],
    ),
    "iri-chars fails: url with a space": (
        "rss",
        (
            (
                "<link>https://news.example.org/rakor</link>",
                "<link>https://news.example.org/rakor birokrasi</link>",
            ),
        ),
        [("error", "iri-chars", f"{ITEM}/link")],
    ),
    # permalink-url
    "permalink-url ok: an id marked not a permalink": (
        "rss",
        (("<guid>https://news.example.org/rakor", '<guid isPermaLink="false">tag:x,2022:1'),),
        [],
    ),
    "permalink-url fails: a tag id taken for a permalink": (
        "rss",
        (("<guid>https://news.example.org/rakor", "<guid>tag:news.example.org,2022:1"),),
        [("error", "permalink-url", f"{ITEM}/guid")],
    ),
    "permalink-url fails: explicit permalink that is relative": (
        "rss",
        (("<guid>https://news.example.org/rakor", '<guid isPermaLink="true">/rakor'),),
        [("error", "permalink-url", f"{ITEM}/guid")],
    ),
    # feed-updated
    "feed-updated ok: built after the newest item": (
        "rss",
        (
            rss_channel("    <lastBuildDate>Fri, 02 Dec 2022 03:00:00 GMT</lastBuildDate>\n"),
            rss_item("      <pubDate>Fri, 02 Dec 2022 10:00:00 +0700</pubDate>\n"),
        ),
        [],
    ),
    "feed-updated fails: built before the newest item": (
        "rss",
        (
            rss_channel("    <lastBuildDate>Fri, 02 Dec 2022 02:59:59 GMT</lastBuildDate>\n"),
            rss_item("      <pubDate>Fri, 02 Dec 2022 10:00:00 +0700</pubDate>\n"),
        ),
        [("warning", "feed-updated", "/rss/channel/lastBuildDate")],
    ),
    "feed-updated fails: Atom feed older than an entry": (
        "atom",
        (
            (
                "<updated>2022-12-05T08:15:00+07:00</updated>",
                "<updated>2022-12-02T02:59:59Z</updated>",
            ),
        ),
        [("warning", "feed-updated", "/feed/updated")],
    ),
    # language-tag
    "language-tag ok: region and script subtags": (
        "rss",
        (rss_channel("    <language>zh-Hant-TW</language>\n"),),
        [],
    ),
    "language-tag fails: a word": (
        "rss",
        (rss_channel("    <language>english</language>\n"),),
        [("error", "language-tag", "/rss/channel/language")],
    ),
    "language-tag fails: underscore": (
        "rss",
        (rss_channel("    <language>id_ID</language>\n"),),
        [("error", "language-tag", "/rss/channel/language")],
    ),
    "language-tag ok: xml:lang id-ID": (
        "atom",
        (("<entry>", '<entry xml:lang="id-ID">'),),
        [],
    ),
    "language-tag fails: xml:lang with underscore": (
        "atom",
        (("<feed ", '<feed xml:lang="en_US" '),),
        [("error", "language-tag", "/feed")],
    ),
    # html-content
    "html-content ok: escaped html": (
        "atom",
        (atom_entry('    <content type="html">&lt;p&gt;Rakor&lt;/p&gt;</content>\n'),),
        [],
    ),
    "html-content fails: CDATA written as text in Atom": (
        "atom",
        (
            atom_entry(
                '    <content type="html">&lt;![CDATA[&lt;p&gt;Rakor&lt;/p&gt;]]&gt;</content>\n'
            ),
        ),
        [("warning", "html-content", f"{ENTRY}/content")],
    ),
    "html-content ok: a real CDATA section in RSS": (
        "rss",
        (rss_item("      <description><![CDATA[<p>Rakor</p>]]></description>\n"),),
        [],
    ),
    "html-content fails: CDATA escaped into the RSS description": (
        "rss",
        (rss_item("      <description>&lt;![CDATA[&lt;p&gt;Rakor]]&gt;</description>\n"),),
        [("warning", "html-content", f"{ITEM}/description")],
    ),
    # atom-author
    "atom-author ok: the entry's source has the author": (
        "atom",
        (
            ("  <author>\n    <name>Redaksi</name>\n  </author>\n", ""),
            atom_entry(
                "    <source><author><name>Kominfo</name></author></source>\n",
            ),
        ),
        [],
    ),
    "atom-author fails: neither feed nor entry has one": (
        "atom",
        (("  <author>\n    <name>Redaksi</name>\n  </author>\n", ""),),
        [("error", "atom-author", ENTRY)],
    ),
    # atom-alternate
    "atom-alternate ok: content instead of a link": (
        "atom",
        (
            (
                ATOM_ENTRY_END,
                '    <content type="text">Rakor</content>\n',
            ),
        ),
        [],
    ),
    "atom-alternate fails: no content and no alternate link": (
        "atom",
        (
            (
                ATOM_ENTRY_END,
                '    <link rel="related" href="https://news.example.org/rakor"/>\n',
            ),
        ),
        [("error", "atom-alternate", ENTRY)],
    ),
    "atom-alternate fails: two alternates of the same type": (
        "atom",
        (atom_entry('    <link href="https://news.example.org/rakor.mp3"/>\n'),),
        [("error", "atom-alternate", f"{ENTRY}/link[2]")],
    ),
    # atom-summary
    "atom-summary fails: out-of-line content without a summary": (
        "atom",
        (atom_entry('    <content src="https://news.example.org/rakor.pdf"/>\n'),),
        [("error", "atom-summary", ENTRY)],
    ),
    # rss-cardinality
    "rss-cardinality fails: channel without link": (
        "rss",
        (("    <link>https://news.example.org/</link>\n", ""),),
        [("error", "rss-cardinality", "/rss/channel")],
    ),
    "rss-cardinality fails: two item links": (
        "rss",
        (rss_item("      <link>https://news.example.org/lagi</link>\n"),),
        [("error", "rss-cardinality", f"{ITEM}/link[2]")],
    ),
    "rss-cardinality fails: two ttls": (
        "rss",
        (rss_channel("    <ttl>60</ttl>\n    <ttl>30</ttl>\n"),),
        [("error", "rss-cardinality", "/rss/channel/ttl[2]")],
    ),
    # self-link
    "self-link warns: RSS without atom:link self": (
        "rss",
        (('rel="self"', 'rel="alternate"'),),
        [("warning", "self-link", "/rss/channel")],
    ),
    "self-link warns: Atom without a self link": (
        "atom",
        (('<link href="https://news.example.org/atom.xml" rel="self"/>\n', ""),),
        [("warning", "self-link", "/feed")],
    ),
    # rss-email
    "rss-email ok: address with name": (
        "rss",
        (rss_item("      <author>senen@news.example.org (Senen Mustakim)</author>\n"),),
        [],
    ),
    "rss-email warns: a bare name": (
        "rss",
        (rss_item("      <author>Senen Mustakim</author>\n"),),
        [("error", "rss-email", f"{ITEM}/author")],
    ),
}


def assert_verdicts(
    format_: str,
    replacements: tuple[tuple[str, str], ...],
    expected: list[tuple[str, str, str]],
) -> None:
    """The case's problems are exactly ``expected``; with publishing=True, all errors."""
    document = variant(f"minimal-{format_}.xml", *replacements)
    problems = validate_feed(document, "case.xml")
    assert sorted((p.level, p.rule, p.path) for p in problems) == sorted(expected), problems
    assert all(p.line is not None and p.message for p in problems)
    # feedpub's own output is held to the advice too: every warning becomes an error.
    published = validate_feed(document, "case.xml", publishing=True)
    assert sorted((p.level, p.rule, p.path) for p in published) == sorted(
        ("error", rule, path) for _, rule, path in expected
    )


@pytest.mark.parametrize(("format_", "replacements", "expected"), CASES.values(), ids=CASES)
def test_rule(
    format_: str,
    replacements: tuple[tuple[str, str], ...],
    expected: list[tuple[str, str, str]],
) -> None:
    assert_verdicts(format_, replacements, expected)


def test_problems_come_sorted_by_line() -> None:
    document = variant(
        "minimal-rss.xml",
        rss_channel("    <language>english</language>\n"),
        rss_item("      <pubDate>yesterday</pubDate>\n"),
        ("<link>https://news.example.org/</link>", "<link>/</link>"),
    )
    lines = [problem.line or 0 for problem in validate_feed(document)]
    assert len(lines) == 3
    assert lines == sorted(lines)


@pytest.mark.parametrize(
    ("date", "words"),
    [
        ("Fri, 02 Dec 22 10:00:00 +0700", "four-digit year"),
        ("Sat, 02 Dec 2022 10:00:00 +0700", "says Sat but that date is a Fri"),
        ("Fri, 02 Dec 2022 10:00:00 WIB", "unknown zone 'WIB'"),
        ("Fri, 02 Dec 2022 10:00:00 +0760", "impossible zone offset"),
        ("Fri, 02 Dez 2022 10:00:00 +0700", "unknown month"),
        ("Fri, 02 Dec 2022 24:00:00 +0700", "not a real date and time"),
    ],
)
def test_rss_date_messages_say_what_is_wrong(date: str, words: str) -> None:
    document = variant("minimal-rss.xml", rss_item(f"      <pubDate>{date}</pubDate>\n"))
    [problem] = validate_feed(document)
    assert problem.rule == "rss-date"
    assert words in problem.message


ZONES = st.integers(min_value=-(23 * 60 + 59), max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
MOMENTS = st.datetimes(
    min_value=datetime(1000, 1, 1), max_value=datetime(9998, 12, 31), timezones=ZONES
)


@given(MOMENTS)
def test_any_instant_formatted_per_rfc_822_passes(moment: datetime) -> None:
    date = email.utils.format_datetime(moment)
    document = variant("minimal-rss.xml", rss_item(f"      <pubDate>{date}</pubDate>\n"))
    assert validate_feed(document) == []


@given(MOMENTS)
def test_any_instant_formatted_per_rfc_3339_passes(moment: datetime) -> None:
    date = moment.isoformat().replace("+00:00", "Z")
    feed_date = moment + timedelta(days=1)
    document = variant(
        "minimal-atom.xml",
        (
            "<updated>2022-12-05T08:15:00+07:00</updated>",
            f"<updated>{feed_date.isoformat()}</updated>",
        ),
        ("<updated>2022-12-02T10:00:00+07:00</updated>", f"<updated>{date}</updated>"),
    )
    assert validate_feed(document) == []


# (format, text in the minimal feed, the same with {} where a value goes)
SLOTS = (
    ("rss", "<link>https://news.example.org/rakor</link>", "<link>{}</link>"),
    ("rss", "<guid>https://news.example.org/rakor</guid>", "<guid>{}</guid>"),
    ("rss", 'href="https://news.example.org/feed.xml"', 'href="{}"'),
    ("atom", "<id>tag:news.example.org,2022:rakor</id>", "<id>{}</id>"),
    ("atom", "<updated>2022-12-02T10:00:00+07:00</updated>", "<updated>{}</updated>"),
    ("atom", '<link href="https://news.example.org/rakor"/>', '<link href="{}"/>'),
)


@given(
    st.sampled_from(SLOTS),
    st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"])),
)
@example(SLOTS[0], "http://[::1")
@example(SLOTS[4], "9999-12-31T23:59:60-23:59")
def test_any_value_anywhere_gives_problems_not_exceptions(
    slot: tuple[str, str, str], value: str
) -> None:
    format_, original, template = slot
    escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
    document = variant(f"minimal-{format_}.xml", (original, template.format(escaped)))
    problems = validate_feed(document)
    assert all(problem.level in ("error", "warning") for problem in problems)
