"""The publication date and its provenance: Published on lines, meta tags, PDF metadata, release numbers, text."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from .page import ParsedPage

_MONTHS = {m: i + 1 for i, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"])}
_MONTHS.update({m[:3]: i for m, i in list(_MONTHS.items())})
_MONTHS["sept"] = 9
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_DMY = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?({_MONTH})\.?,?\s+(\d{{4}})\b", re.I)
_MDY = re.compile(rf"\b({_MONTH})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b", re.I)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?!\d)")
_NUMERIC = re.compile(r"\b(\d{1,2})[/.](\d{1,2})[/.](\d{4})\b")
_PUBLISHED_ON = re.compile(r"^(?:published on|date published|publication date|date of publication)\s*:?\s*(.{6,40})$",
                           re.I)
# "Published: 8 December 2015" also heads items in lists of other reports, so it counts only at the top.
_PUBLISHED_SHORT = re.compile(r"^published\s*:\s*(.{6,40})$", re.I)
_FIRST_PUBLISHED = re.compile(r"(?:first|originally|initially) published(?: on)?\s*:?\s*(.{6,40})", re.I)
_PUBLISHED_WORD = re.compile("published", re.I)   # in every statement _FIRST_PUBLISHED finds: a cheap test first
RELEASE_NUMBER = re.compile(r"#\s?(\d{1,4})\s?/\s?((?:19|20)\d{2})\b")
_RELEASE_URL = re.compile(r"(?:release-|/)(\d{3})-?((?:19|20)\d{2})(?:[-/]|$)")
_META_KEYS = ("article:published_time", "og:published_time", "datepublished", "date", "dc.date.issued",
              "dcterms.issued", "dc.date", "dcterms.date", "citation_publication_date", "pubdate",
              "publication_date", "publish-date", "release_date")


@dataclass(frozen=True)
class DateFinding:
    value: str          # ISO date
    source: str


def valid_date(year: int, month: int, day: int) -> str | None:
    try:
        found = date(year, month, day)
    except ValueError:
        return None
    return found.isoformat() if 1990 <= year <= 2100 else None


def _month(name: str) -> int:
    key = name.lower().rstrip(".")
    return _MONTHS.get(key) or _MONTHS[key[:3]]


def parse_date(text: str) -> str | None:
    """The first full date written in `text` (12 March 2014, March 12, 2014, 2014-03-12, 12/03/2014)."""
    if not text:
        return None
    for pattern, order in ((_ISO, "ymd"), (_DMY, "dmy"), (_MDY, "mdy"), (_NUMERIC, "dmy-num")):
        match = pattern.search(text)
        if not match:
            continue
        a, b, c = match.groups()
        if order == "ymd":
            return valid_date(int(a), int(b), int(c))
        if order == "dmy":
            return valid_date(int(c), _month(b), int(a))
        if order == "mdy":
            return valid_date(int(c), _month(a), int(b))
        return valid_date(int(c), int(b), int(a))
    return None


def from_published_on(page: ParsedPage) -> DateFinding | None:
    for index, line in enumerate(page.lines[:40]):
        match = _PUBLISHED_ON.match(line) or (_PUBLISHED_SHORT.match(line) if index < 6 else None)
        if match:
            found = parse_date(match.group(1))
            if found:
                return DateFinding(found, "published-on")
    return None


def from_meta(page: ParsedPage) -> DateFinding | None:
    for key in _META_KEYS:
        value = page.meta.get(key)
        found = parse_date(value) if value else None
        if found:
            return DateFinding(found, "meta")
    return None


def from_pdf(page: ParsedPage) -> DateFinding | None:
    return DateFinding(page.pdf_date, "pdf-metadata") if page.pdf_date else None


def from_first_published(page: ParsedPage) -> DateFinding | None:
    """An explicit statement of the original date, as pages moved between platforms sometimes carry."""
    for line in page.lines[:80]:
        match = _FIRST_PUBLISHED.search(line) if _PUBLISHED_WORD.search(line) else None
        if match:
            found = parse_date(match.group(1))
            if found:
                return DateFinding(found, "text")
    return None


def from_pdf_cover(page: ParsedPage) -> DateFinding | None:
    """A date printed on the first page of a report without metadata dates."""
    if not page.pages:
        return None
    found = parse_date(page.pages[0][:1500])
    return DateFinding(found, "text") if found else None


def release_number(title: str, lines: list[str], url: str = "") -> str | None:
    """The release number as the site writes it, e.g. "022/2013", from the title, the lead or the URL."""
    for text in [title, *lines[:3]]:
        match = RELEASE_NUMBER.search(text or "")
        if match:
            return f"{int(match.group(1)):03d}/{match.group(2)}"
    match = _RELEASE_URL.search(url.lower()) if "/releases" in url.lower() else None
    if match:
        return f"{match.group(1)}/{match.group(2)}"
    return None


def published(page: ParsedPage, number: str | None = None) -> tuple[str | None, str | None]:
    """(ISO date, provenance). A later platform re-stamp gives way to evidence of the original date."""
    stamped = from_published_on(page)
    original = from_first_published(page) or from_meta(page) or from_pdf(page)
    if stamped:
        if original and original.value < stamped.value and original.value[:4] < stamped.value[:4]:
            return original.value, f"{original.source} (original; page re-stamped {stamped.value})"
        if number and number[-4:] < stamped.value[:4]:
            return stamped.value, f"published-on (re-stamp suspected: release {number})"
        return stamped.value, stamped.source
    for finding in (original, from_pdf_cover(page)):
        if finding:
            return finding.value, finding.source
    return None, None
