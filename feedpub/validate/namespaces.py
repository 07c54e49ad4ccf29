"""The XML namespaces the validator knows, and the lxml types its modules share."""

from __future__ import annotations

from lxml import etree

ATOM_NS = "http://www.w3.org/2005/Atom"
CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
XML_NS = "http://www.w3.org/XML/1998/namespace"

ATOM = f"{{{ATOM_NS}}}"
XML_LANG = f"{{{XML_NS}}}lang"
XML_BASE = f"{{{XML_NS}}}base"

Element = etree._Element
ElementTree = etree._ElementTree

#: The namespaces feedpub writes, or that carry values the rules check, by prefix.
NS = {
    "atom": ATOM_NS,
    "content": CONTENT_NS,
    "dc": "http://purl.org/dc/elements/1.1/",
    "dcterms": "http://purl.org/dc/terms/",
    "media": "http://search.yahoo.com/mrss/",
    "geo": "http://www.w3.org/2003/01/geo/wgs84_pos#",
    "georss": "http://www.georss.org/georss",
    "fh": "http://purl.org/syndication/history/1.0",
}

#: The elements each of those vocabularies defines (dcterms has too many to list).
KNOWN_VOCABULARIES: dict[str, frozenset[str]] = {
    # RFC 4287 section 4 and its appendix B.
    ATOM_NS: frozenset(
        [
            "author",
            "category",
            "content",
            "contributor",
            "email",
            "entry",
            "feed",
            "generator",
            "icon",
            "id",
            "link",
            "logo",
            "name",
            "published",
            "rights",
            "source",
            "subtitle",
            "summary",
            "title",
            "updated",
            "uri",
        ]
    ),
    # The RSS 1.0 content module.
    CONTENT_NS: frozenset({"encoded", "items", "item", "format", "encoding"}),
    # The fifteen Dublin Core elements (DCMES 1.1).
    NS["dc"]: frozenset(
        [
            "contributor",
            "coverage",
            "creator",
            "date",
            "description",
            "format",
            "identifier",
            "language",
            "publisher",
            "relation",
            "rights",
            "source",
            "subject",
            "title",
            "type",
        ]
    ),
    # Media RSS 1.5.1.
    NS["media"]: frozenset(
        [
            "adult",
            "backLinks",
            "backLink",
            "category",
            "comment",
            "comments",
            "community",
            "content",
            "copyright",
            "credit",
            "description",
            "embed",
            "group",
            "hash",
            "keywords",
            "license",
            "location",
            "param",
            "peerLink",
            "player",
            "price",
            "rating",
            "responses",
            "response",
            "restriction",
            "rights",
            "scenes",
            "scene",
            "starRating",
            "statistics",
            "status",
            "subTitle",
            "tags",
            "text",
            "thumbnail",
            "title",
        ]
    ),
    # W3C Basic Geo (WGS84 lat/long).
    NS["geo"]: frozenset({"lat", "long", "alt", "lat_long", "Point", "SpatialThing", "location"}),
    # RFC 5005, Feed Paging and Archiving.
    NS["fh"]: frozenset({"complete", "archive"}),
    # GeoRSS Simple and its feature properties.
    NS["georss"]: frozenset(
        [
            "point",
            "line",
            "polygon",
            "box",
            "where",
            "featuretypetag",
            "relationshiptag",
            "featurename",
            "elev",
            "floor",
            "radius",
        ]
    ),
}
