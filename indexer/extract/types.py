"""The document type (from the URL, then the content) and the site's own publication types."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..record import (FORCE_PAGE, FRS_ASSESSMENT, NEWS_ITEM, NEWS_RELEASE, PAGE, PEEL_ASSESSMENT,
                      PUBLICATION_PAGE, REPORT)
from ..urls import strip_legacy_prefix

_BY_PATH = (
    (re.compile(r"^/news/releases?(-\d{4})?/."), NEWS_RELEASE),
    (re.compile(r"^/news/(news-feed|announcements?)/."), NEWS_ITEM),
    (re.compile(r"^/publication-html/."), REPORT),
    (re.compile(r"^/publications/."), PUBLICATION_PAGE),
    (re.compile(r"^/(peel-assessments|peel-reports)/."), PEEL_ASSESSMENT),
    (re.compile(r"^/(frs-assessments?)/."), FRS_ASSESSMENT),
    (re.compile(r"^/police-forces/[^/]+/?$"), FORCE_PAGE),
    (re.compile(r"^/fire-and-rescue-services/(?!publications/|news/)[^/]+/?$"), FORCE_PAGE),
    (re.compile(r"(^|/)wp-content/uploads/|\.pdf$"), REPORT),
)
_LISTING = re.compile(r"^/(news|publications|news/news-feed|news/releases|fire-and-rescue-services/publications)/?$")
_PUBLICATION_TYPES = re.compile(r"^publication types?\s*:\s*(.+)$", re.I)
# Site labels that contain "and" themselves and must not be split there.
_COMPOUND_TYPES = ("police and crime commissioners", "police and crime plans", "ethics and integrity",
                   "leadership and workforce", "people and workforce", "efficiency and effectiveness",
                   "vulnerability and safeguarding", "abuse and exploitation", "terrorism and national security",
                   "fire and rescue services", "fire and rescue", "criminal justice and courts")


def type_from_url(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        return REPORT if parts.path.lower().endswith(".pdf") else None
    path = strip_legacy_prefix(parts.path or "/").lower()
    if _LISTING.match(path):
        return PAGE
    for pattern, kind in _BY_PATH:
        if pattern.search(path):
            return kind
    return None


def type_from_content(title: str, lines: list[str], content_type: str) -> str:
    if content_type == "application/pdf":
        return REPORT
    head = "\n".join(lines[:40])
    if re.search(r"#\s?\d{2,4}\s?/\s?(19|20)\d{2}", title) or re.search(r"(?im)^notes to editors?\s*$", head):
        return NEWS_RELEASE
    if re.search(r"(?im)^(published on|publication types?)\s*:", head) and re.search(r"(?im)^get the report", head):
        return PUBLICATION_PAGE
    if re.search(r"(?im)^published on\s*:", head):
        return REPORT
    if re.search(r"\b(said|says)\s*:", head) and re.search(r"(?i)\bpublished (today|a report)\b|\btoday published\b", head):
        return NEWS_ITEM
    return PAGE


def document_type(url: str, title: str, lines: list[str], content_type: str) -> str:
    return type_from_url(url) or type_from_content(title, lines, content_type)


def _split_types(value: str) -> list[str]:
    value = value.strip().rstrip(".")
    protected = value
    for compound in _COMPOUND_TYPES:
        protected = re.sub(re.escape(compound), lambda m: m.group(0).replace(" and ", " \0 "), protected, flags=re.I)
    parts = re.split(r"\s*[,;|]\s*|\s+and\s+|\s*&\s*(?=[A-Z])", protected)
    return [p.replace(" \0 ", " and ").strip() for p in parts if p.strip()]


def publication_types(lines: list[str]) -> tuple[str, ...]:
    for line in lines[:40]:
        match = _PUBLICATION_TYPES.match(line)
        if match:
            out: list[str] = []
            for part in _split_types(match.group(1)):
                if part not in out:
                    out.append(part)
            return tuple(out)
    return ()
