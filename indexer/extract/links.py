"""Links to the report a page announces: PDFs and HTML reports under "Get the report" and similar sections."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..urls import PAGE_HOSTS, ASSETS_HOST, normalise_url, strip_legacy_prefix
from .page import Link

_REPORT_SECTION = re.compile(r"^(get|read|download|view) (the|our) (full |final |national |inspection )?"
                             r"(report|reports|report online|inspection report|letter|summary|joint report)\b", re.I)
_OTHER_SECTION = re.compile(r"press release|free pdf reader|related|see also|more information", re.I)


def _is_site(url: str, page_url: str) -> bool:
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host in PAGE_HOSTS or host == ASSETS_HOST or host == (urlsplit(page_url).hostname or "").lower():
        return True
    # An uploads PDF on another host of a mirror stands for the report host (PDFs live on a second host).
    return parts.scheme in ("http", "https") and "/uploads/" in parts.path and parts.path.lower().endswith(".pdf")


def _kind(url: str) -> str | None:
    path = strip_legacy_prefix(urlsplit(url).path).lower()
    if path.endswith(".pdf"):
        return "pdf"
    if path.startswith("/publication-html/"):
        return "html-report"
    if path.startswith("/publications/") and path.rstrip("/") != "/publications":
        return "publication"
    return None


def report_links(links: list[Link], page_url: str) -> tuple[str, ...]:
    """Normalised URLs of the report(s): links in report sections, else any PDF or HTML report link."""
    in_sections: list[str] = []
    elsewhere: list[str] = []
    own = normalise_url(page_url) if urlsplit(page_url).scheme in ("http", "https") else page_url
    for link in links:
        kind = _kind(link.href)
        if not kind or not _is_site(link.href, page_url) or _OTHER_SECTION.search(link.section):
            continue
        in_section = bool(_REPORT_SECTION.match(link.section))
        # Publication pages count only where a release says "Get the report"; PDFs and HTML reports anywhere.
        if kind == "publication" and not in_section:
            continue
        url = normalise_url(link.href)
        target = in_sections if in_section else elsewhere
        if url != own and url not in target:
            target.append(url)
    # Where the page has a report section, other PDFs on it (responses, annexes) are not its report.
    return tuple(in_sections or elsewhere)
