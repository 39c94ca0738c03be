"""Extraction: bytes of a page or report → a Document (minimal version; deepened separately)."""

from __future__ import annotations

import re

from bs4 import BeautifulSoup

from ..record import NEWS_RELEASE, PAGE, REPORT, Document
from ..urls import document_id, normalise_url


class ExtractionError(ValueError):
    """The input yields no document; the message says why."""


def extract(body: bytes, url: str, content_type: str | None = None) -> Document:
    if not body.strip():
        raise ExtractionError("empty document")
    if body.startswith(b"%PDF-"):
        from pypdf import PdfReader
        import io
        try:
            pages = tuple((p.extract_text() or "") for p in PdfReader(io.BytesIO(body)).pages)
        except Exception as exc:  # noqa: BLE001
            raise ExtractionError(f"unreadable PDF: {exc}") from exc
        return Document(id=document_id(url), url=normalise_url(url), title=url.rsplit("/", 1)[-1],
                        body="\n\n".join(pages), pages=pages, type=REPORT)
    soup = BeautifulSoup(body, "lxml")
    canonical = soup.find("link", rel="canonical")
    canon = normalise_url(canonical["href"]) if canonical and canonical.get("href") else normalise_url(url)
    for tag in soup(["script", "style", "nav", "footer", "header"]):
        tag.decompose()
    h1 = soup.find("h1")
    title = h1.get_text(" ", strip=True) if h1 else (soup.title.get_text(strip=True) if soup.title else "")
    text = soup.get_text("\n", strip=True)
    m = re.search(r"Published on:\s*(\d{1,2} \w+ \d{4})", text)
    published = None
    if m:
        from dateutil import parser
        published = parser.parse(m.group(1)).date().isoformat()
    return Document(id=document_id(canon), url=canon, title=title, body=text, published=published,
                    type=NEWS_RELEASE if "/news/" in canon else PAGE)
