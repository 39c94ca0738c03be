"""Pure helpers that turn stored values into what a page shows: safe links, date provenance, force groups."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from indexer.gazetteer import lookup_force

_SOURCES = {
    "published-on": "the page's “Published on:” line",
    "meta": "the page's metadata",
    "pdf-metadata": "the PDF's metadata",
    "text": "a date in the text",
    "release-number": "the release number",
}
_RESTAMPED = re.compile(r"^(?P<base>[\w-]+) \(original; page re-stamped (?P<day>[\d-]+)\)$")
_SUSPECTED = re.compile(r"^(?P<base>[\w-]+) \(re-stamp suspected: release (?P<number>[^)]+)\)$")


def safe_href(url) -> str | None:
    """The URL when it may be a link (http or https with a host); None for javascript:, data: and the rest."""
    if not isinstance(url, str) or any(c in url for c in "\x00\r\n\t"):
        return None
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    return url.strip() if parts.scheme.lower() in ("http", "https") and parts.hostname else None


def date_source(source: str | None) -> str | None:
    """Where a published date came from, in words: 'from the page's “Published on:” line'."""
    if not source:
        return None
    match = _RESTAMPED.match(source)
    if match:
        return (f"from {_SOURCES.get(match['base'], match['base'])}; the page itself says "
                f"“Published on: {match['day']}”, the day it moved to the current site")
    match = _SUSPECTED.match(source)
    if match:
        return (f"from {_SOURCES.get(match['base'], match['base'])}, which may be the day the page moved: "
                f"its release number is {match['number']}")
    return f"from {_SOURCES.get(source, source)}"


def report_kind(url: str) -> str:
    """'PDF' or 'HTML' for a report link, from its address."""
    path = urlsplit(url).path.lower()
    return "PDF" if path.endswith(".pdf") else "HTML" if "/publication-html/" in path else "link"


def force_kind(name: str) -> str:
    """'fire' for fire and rescue services, 'police' for the rest (unknown names read as police)."""
    force = lookup_force(name)
    if force is not None:
        return "fire" if force.is_fire else "police"
    return "fire" if re.search(r"\bfire\b", name, re.IGNORECASE) else "police"


def force_groups(results: list[dict]) -> list[dict]:
    """A force facet's values split into police forces and fire and rescue services, order kept."""
    groups = {"police": [], "fire": []}
    for item in results:
        groups[force_kind(item["value"])].append(item)
    labels = {"police": "Police forces", "fire": "Fire and rescue services"}
    return [{"kind": kind, "label": labels[kind], "results": items} for kind, items in groups.items() if items]


_MARK = re.compile(r"<mark>(.*?)</mark>", re.S)


def page_of_match(snippet: str, pages) -> int | None:
    """The 1-based page of a paged PDF on which the snippet's first highlighted term appears."""
    if len(pages) < 2:
        return None
    for term in _MARK.findall(snippet or ""):
        needle = term.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").lower()
        if not needle.strip():
            continue
        for number, text in enumerate(pages, start=1):
            if needle in text.lower():
                return number
    return None


_MARK_TAG = re.compile(r"(</?mark>)")


def mark_only(snippet: str) -> str:
    """A snippet with any markup other than <mark> and </mark> neutralised (the reader escapes; this makes sure)."""
    parts = _MARK_TAG.split(snippet or "")
    return "".join(p if p in ("<mark>", "</mark>") else p.replace("<", "&lt;").replace(">", "&gt;")
                   .replace('"', "&quot;") for p in parts)


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def long_date(day: str | None) -> str:
    """'2021-03-24' → '24 March 2021' (GOV.UK style); anything else unchanged."""
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", day or "")
    if not match or not 1 <= int(match[2]) <= 12:
        return day or ""
    return f"{int(match[3])} {MONTHS[int(match[2]) - 1]} {match[1]}"
