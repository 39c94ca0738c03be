"""The intermediate form every extractor produces: text lines, links and metadata, before field cascades."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Link:
    href: str          # absolute URL
    text: str
    section: str       # the heading (or heading-like line) the link sits under


@dataclass
class ParsedPage:
    url: str                                   # the address the bytes came from
    content_type: str                          # "text/html", "application/pdf", "text/plain"
    lines: list[str]                           # body paragraphs in reading order, furniture removed
    title: str = ""
    title_source: str = ""
    canonical: str | None = None
    meta: dict[str, str] = field(default_factory=dict)   # lower-cased meta name/property -> content
    links: list[Link] = field(default_factory=list)
    pages: tuple[str, ...] = ()                # per-page text of a PDF
    pdf_date: str | None = None                # ISO date from PDF metadata
    flags: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return "\n".join(self.lines)
