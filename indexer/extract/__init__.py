"""Pure extraction: bytes and the URL they came from in, one Document out (or ExtractionError saying why)."""

from __future__ import annotations

import hashlib
import logging
import re
from urllib.parse import urlsplit

from ..gazetteer import regions_for
from ..record import Document, join_pages
from ..urls import ASSETS_HOST, PAGE_HOSTS, document_id, normalise_url
from . import dates
from .decode import decode, replacement_ratio
from .forces import forces as find_forces
from .html import parse_html, strip_site_suffix
from .inspectors import quoted_inspectors, stated_region
from .links import report_links
from .page import ParsedPage
from .pdf import PDFError, parse_pdf
from .text import text_lines, title_from_lines
from .types import document_type, publication_types

__all__ = ["extract", "ExtractionError", "sniff", "build_document"]

logger = logging.getLogger(__name__)

_HTML_MARKERS = re.compile(r"<(!doctype\s+html|html[\s>]|head[\s>]|body[\s>]|title[\s>]|meta\s|p[\s>]|div[\s>]|h1[\s>]|"
                           r"article[\s>]|main[\s>]|a\s+href)", re.I)
_MAX_BROKEN = 0.2   # share of replacement/control characters beyond which text is not worth keeping
# Text beyond this is cut off before parsing (and the page flagged "truncated"): the crawler caps HTML
# at 5 MB, and parsing costs about 3 s and 40 MB of memory per MB, so an enormous local file must not
# stall an index run.
MAX_TEXT_CHARS = 5_000_000


class ExtractionError(ValueError):
    """No document can be made from the input. The message starts with a short reason, then a colon."""


def _looks_binary(body: bytes) -> bool:
    head = body[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls > len(head) * 0.05


def sniff(body: bytes, content_type: str | None = None) -> str:
    """"pdf", "html" or "text", judged from the bytes; the declared type only breaks ties."""
    declared = (content_type or "").split(";")[0].strip().lower()
    if b"%PDF-" in body[:1024]:
        return "pdf"
    head = decode(body[:4096], content_type)
    if _HTML_MARKERS.search(head[:2048]):
        return "html"
    # Binary before the declared type: random bytes named .html or served as text/html hold a "<" by chance.
    if _looks_binary(body):
        return "binary"
    if declared in ("text/html", "application/xhtml+xml") and "<" in head:
        return "html"
    return "text"


def _parse(body: bytes, url: str, content_type: str | None) -> ParsedPage:
    if not body or not body.strip():
        raise ExtractionError("empty: no content")
    kind = sniff(body, content_type)
    if kind == "pdf":
        try:
            return parse_pdf(body, url)
        except PDFError as exc:
            raise ExtractionError(f"unreadable PDF: {exc}") from exc
    if kind == "binary":
        raise ExtractionError(f"binary: not HTML, PDF or text ({(content_type or 'no declared type')})")
    text = decode(body, content_type)
    cut = len(text) > MAX_TEXT_CHARS
    if cut:
        text = text[:MAX_TEXT_CHARS]
    if replacement_ratio(text) > _MAX_BROKEN:
        raise ExtractionError("undecodable: too many bytes are not text in any known encoding")
    if kind == "html":
        page = parse_html(text, url)
    else:
        lines = text_lines(text)
        page = ParsedPage(url=url, content_type="text/plain", lines=lines, title=title_from_lines(lines),
                          title_source="first-line")
    if not page.lines and not page.title:
        raise ExtractionError("empty: no text in the page")
    if "\ufffd" in text:
        page.flags = page.flags + ("decoding-repaired",)
    if cut:
        page.flags = page.flags + ("truncated",)
    return page


def _on_site(candidate: str, url: str) -> bool:
    """Whether a page's stated canonical address may name it: on the site, on its own host, or for a
    local file (which has no address of its own, so the page's own claim is the best identity)."""
    if urlsplit(candidate).scheme not in ("http", "https"):
        return False
    if urlsplit(url).scheme == "file":
        return True
    host = (urlsplit(candidate).hostname or "").lower()
    return bool(host) and (host in PAGE_HOSTS or host == ASSETS_HOST or host == (urlsplit(url).hostname or "").lower())


def _identity(page: ParsedPage, url: str) -> tuple[str, str, tuple[str, ...]]:
    """(id, canonical url, alternate urls): rel=canonical or og:url when it is on the site, else the given url."""
    chosen = page.canonical if page.canonical and _on_site(page.canonical, url) else url
    canonical = normalise_url(chosen) if urlsplit(chosen).scheme in ("http", "https") else chosen
    alternates = (url,) if url != canonical else ()
    return document_id(canonical), canonical, alternates


def build_document(page: ParsedPage, url: str, body: bytes = b"") -> Document:
    """Every field from its cascade, over the parsed page."""
    doc_id, canonical, alternates = _identity(page, url)
    title = strip_site_suffix(page.title) if page.title else ""
    number = dates.release_number(title, page.lines, canonical)
    published, source = dates.published(page, number)
    forces = find_forces(page.lines, title, canonical)
    if page.content_type == "application/pdf":
        text = join_pages(page.pages)
    else:
        text = "\n".join(page.lines)
    return Document(
        id=doc_id,
        url=canonical,
        title=title,
        body=text,
        published=published,
        published_source=source,
        type=document_type(canonical, title, page.lines, page.content_type),
        publication_types=publication_types(page.lines),
        forces=forces,
        regions=regions_for(forces),
        hmi_region=stated_region(page.lines),
        inspectors=quoted_inspectors(page.lines),
        report_links=report_links(page.links, canonical),
        alternate_urls=alternates,
        pages=page.pages,
        release_number=number,
        flags=page.flags,
        content_type=page.content_type,
        content_hash=hashlib.sha256(body).hexdigest() if body else "",
    )


def extract(body: bytes, url: str, content_type: str | None = None) -> Document:
    """The Document in `body` fetched from (or ingested as) `url`; ExtractionError when there is none."""
    if isinstance(body, str):
        body = body.encode("utf-8")
    try:
        page = _parse(body, url, content_type)
        return build_document(page, url, body)
    except ExtractionError:
        raise
    except RecursionError as exc:
        raise ExtractionError("too deeply nested: the document's structure is too deep to parse") from exc
