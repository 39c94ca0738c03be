"""The record: one document as extracted, and its mapping to and from stored index fields."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

# Document types, as shown in facets. Kept as plain strings so the index and API stay readable.
NEWS_RELEASE = "news release"
NEWS_ITEM = "news item"
PUBLICATION_PAGE = "publication page"
REPORT = "report"
PEEL_ASSESSMENT = "PEEL assessment"
FRS_ASSESSMENT = "fire and rescue assessment"
FORCE_PAGE = "force page"
PAGE = "page"

DOCUMENT_TYPES = (NEWS_RELEASE, NEWS_ITEM, PUBLICATION_PAGE, REPORT, PEEL_ASSESSMENT,
                  FRS_ASSESSMENT, FORCE_PAGE, PAGE)


@dataclass(frozen=True)
class Document:
    """Everything known about one document. `body` is the full text; the rest is metadata."""

    id: str
    url: str
    title: str = ""
    body: str = ""
    published: str | None = None          # ISO date YYYY-MM-DD
    published_source: str | None = None   # where the date came from: "published-on", "meta", "release-number", ...
    type: str = PAGE
    publication_types: tuple[str, ...] = ()
    forces: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    hmi_region: str | None = None
    inspectors: tuple[str, ...] = ()
    report_links: tuple[str, ...] = ()
    parent: str | None = None             # id of the release/page that announces this report
    alternate_urls: tuple[str, ...] = ()
    pages: tuple[str, ...] = ()           # per-page text of a PDF report; empty for HTML and text
    release_number: str | None = None
    flags: tuple[str, ...] = ()           # e.g. "no-text", "duplicate-of:<id>"
    content_type: str = ""
    content_hash: str = ""
    fetched: str | None = None            # ISO timestamp of the fetch the record came from
    etag: str | None = None
    last_modified: str | None = None
    withdrawn: str | None = None          # ISO date the page was found missing from the site

    @property
    def year(self) -> str | None:
        return self.published[:4] if self.published else None

    def replace(self, **changes) -> "Document":
        return dataclasses.replace(self, **changes)

    def metadata(self) -> dict:
        """The record without its body or page texts: what `extract --json` prints."""
        data = dataclasses.asdict(self)
        data.pop("body")
        data.pop("pages")
        data["year"] = self.year
        data["page_count"] = len(self.pages)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()}


_TUPLE_FIELDS = {f.name for f in dataclasses.fields(Document) if "tuple" in str(f.type)}
_ALL_FIELDS = {f.name for f in dataclasses.fields(Document)}


def document_from_dict(data: dict) -> Document:
    """Inverse of `Document.metadata()` plus body/pages; unknown keys are ignored."""
    values = {}
    for key, value in data.items():
        if key not in _ALL_FIELDS:
            continue
        values[key] = tuple(value or ()) if key in _TUPLE_FIELDS else value
    return Document(**values)


# How much of the body feeds spelling suggestions: the start of a text holds most of its vocabulary,
# and each word is a posting to write (the spelling field was a third of the index's postings at 2,000).
SPELL_CHARS = 1000

# The one place where a record meets the index's field names.
FACET_FIELDS = {
    "force": "forces",
    "region": "regions",
    "inspector": "inspectors",
    "year": "year",
    "type": "type",
}


def to_index_fields(doc: Document) -> dict:
    """Fields for the Whoosh writer (names match the schema in index_writer)."""
    stored = doc.metadata()
    stored.pop("page_count")
    stored["page_starts"] = page_starts(doc.pages)
    return {
        "id": doc.id,
        "url": doc.url,
        "title": doc.title,
        "body": doc.body,
        "published": doc.published or "",
        "published_asc": doc.published or "9999-12-31",
        "year": doc.year or "",
        "type": doc.type,
        "forces": list(doc.forces),
        "regions": list(doc.regions),
        "inspectors": list(doc.inspectors),
        "hmi_region": doc.hmi_region or "",
        "publication_types": list(doc.publication_types),
        "force": " ".join(doc.forces),
        "region": " ".join(doc.regions + ((doc.hmi_region,) if doc.hmi_region else ())),
        "inspector": " ".join(doc.inspectors),
        "ptype": " ".join(doc.publication_types),
        "spell": doc.title + "\n" + doc.body[:SPELL_CHARS],
        "parent": doc.parent or "",
        "content_hash": doc.content_hash,
        "record": json.dumps(stored, ensure_ascii=False),
    }


def from_stored_fields(fields: dict) -> Document:
    """Rebuild a Document from a hit's stored fields."""
    data = json.loads(fields["record"])
    body = fields.get("body", "")
    data["body"] = body
    starts = data.get("page_starts") or []
    if starts:
        ends = starts[1:] + [len(body) + len(PAGE_SEPARATOR)]
        data["pages"] = [body[a:b - len(PAGE_SEPARATOR)] for a, b in zip(starts, ends)]
    return document_from_dict(data)


PAGE_SEPARATOR = "\n\n"


def join_pages(pages) -> str:
    """The body of a paged document: its pages joined so `page_starts` can split it again."""
    return PAGE_SEPARATOR.join(pages)


def page_starts(pages) -> list[int]:
    starts, pos = [], 0
    for text in pages:
        starts.append(pos)
        pos += len(text) + len(PAGE_SEPARATOR)
    return starts
