"""Discovery without the network: robots.txt, sitemaps, feeds and the links of pages, parsed from bytes."""

from __future__ import annotations

import gzip
import logging
import re
import warnings
import zlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urldefrag, urljoin, urlencode, urlsplit, urlunsplit

from bs4 import BeautifulSoup
from dateutil import parser as dateparser
from lxml import etree
from protego import Protego

logger = logging.getLogger(__name__)

PAGE_PARAMS = ("page", "paged", "_page", "_paged", "pg")
_PAGE_PATH = re.compile(r"/page/(\d+)/?$")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json")
_XML_PARSER = dict(resolve_entities=False, no_network=True, huge_tree=False)


# -- robots.txt -------------------------------------------------------------------------------------
def parse_robots(body: bytes | str) -> Protego:
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    return Protego.parse(text)


def robots_sitemaps(robots: Protego, base_url: str) -> list[str]:
    return [urljoin(base_url, s.strip()) for s in robots.sitemaps]


# -- sitemaps ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SitemapEntry:
    loc: str
    lastmod: str | None = None


@dataclass
class Sitemap:
    kind: str                                   # "index", "urlset", "text" or "invalid"
    entries: list[SitemapEntry] = field(default_factory=list)
    error: str | None = None


def _decompress(body: bytes) -> bytes:
    if body[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(body)
        except (OSError, EOFError, zlib.error) as exc:
            logger.warning("sitemap: bad gzip data (%s)", exc)
            return b""
    return body


def _local(tag) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _parse_xml(body: bytes, url: str) -> tuple[etree._Element | None, str | None]:
    """Strict parse; on failure a recovering parse salvages what it can. Never raises."""
    try:
        return etree.fromstring(body, etree.XMLParser(**_XML_PARSER)), None
    except etree.XMLSyntaxError as exc:
        error = str(exc)
        logger.warning("malformed XML at %s: %s", url, error)
    try:
        root = etree.fromstring(body, etree.XMLParser(recover=True, **_XML_PARSER))
    except etree.XMLSyntaxError:
        root = None
    return root, error


def parse_sitemap(body: bytes, url: str = "") -> Sitemap:
    """A sitemap index or urlset (plain or gzipped); malformed XML gives what could be salvaged."""
    body = _decompress(body)
    if not body.strip():
        return Sitemap("invalid", error="empty")
    if not body.lstrip()[:1] == b"<":
        lines = body.decode("utf-8", errors="replace").split()
        urls = [SitemapEntry(u) for u in lines if u.startswith(("http://", "https://"))]
        return Sitemap("text" if urls else "invalid", urls, None if urls else "not a sitemap")
    root, error = _parse_xml(body, url)
    if root is None:
        return Sitemap("invalid", error=error)
    kind = {"sitemapindex": "index", "urlset": "urlset"}.get(_local(root.tag), "invalid")
    child = "sitemap" if kind == "index" else "url"
    entries = []
    for node in root.iter():
        if _local(node.tag) != child:
            continue
        fields = {_local(c.tag): (c.text or "").strip() for c in node}
        loc = _absolute(url, fields.get("loc"))
        if loc:
            entries.append(SitemapEntry(loc, fields.get("lastmod") or None))
    if kind == "invalid" and error is None:
        error = f"unexpected root element {_local(root.tag)!r}"
    return Sitemap(kind, entries, error)


def parse_lastmod(value: str | None) -> datetime | None:
    """A W3C datetime (or a date) as an aware UTC datetime; None when absent or unreadable."""
    if not value:
        return None
    try:
        when = dateparser.isoparse(value.strip())
    except (ValueError, OverflowError):
        try:
            when = dateparser.parse(value.strip())
        except (ValueError, OverflowError):
            return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc)


def lastmod_is_newer(lastmod: str | None, stored_lastmod: str | None, fetched_at: str | None) -> bool:
    """Whether a sitemap lastmod says the page changed since the stored copy (True when unsure)."""
    new = parse_lastmod(lastmod)
    if new is None:
        return True
    old = parse_lastmod(stored_lastmod)
    if old is not None:
        return new > old
    fetched = parse_lastmod(fetched_at)
    if fetched is None:
        return True
    if "T" not in lastmod:          # a bare date: changed any time that day
        return new.date() >= fetched.date()
    return new > fetched


# -- feeds ------------------------------------------------------------------------------------------
def parse_feed(body: bytes, url: str = "") -> list[str]:
    """Item links of an RSS or Atom feed; malformed feeds give what could be salvaged."""
    root, _error = _parse_xml(_decompress(body), url)
    if root is None:
        return []
    links = []
    for node in root.iter():
        name = _local(node.tag)
        if name == "item":
            for child in node:
                if _local(child.tag) == "link" and (child.text or "").strip():
                    links.append(_absolute(url, child.text))
        elif name == "entry":
            for child in node:
                if _local(child.tag) == "link" and child.get("rel", "alternate") == "alternate" and child.get("href"):
                    links.append(_absolute(url, child.get("href")))
    return _unique([link for link in links if link])


# -- pages ------------------------------------------------------------------------------------------
@dataclass
class PageLinks:
    links: list[str] = field(default_factory=list)        # every <a href>, absolute, without fragment
    next_pages: list[str] = field(default_factory=list)   # pagination of this listing
    canonical: str | None = None
    feeds: list[str] = field(default_factory=list)


def _absolute(base: str, href: str | None) -> str | None:
    if not href:
        return None
    href = href.strip()
    if not href or href.startswith(("#", "javascript:", "mailto:", "tel:", "data:")):
        return None
    try:
        return urldefrag(urljoin(base, href))[0]
    except ValueError:
        return None


def _rels(tag) -> list[str]:
    rel = tag.get("rel") or []
    return [r.lower() for r in (rel.split() if isinstance(rel, str) else rel)]


def parse_links(body: bytes | str, url: str) -> PageLinks:
    """Links of an HTML page: anchors, pagination (rel=next, ?page=N, /page/N/), canonical, feeds."""
    with warnings.catch_warnings():
        # A page that looks like XML or like a bare URL is still parsed; bs4 only warns about it.
        warnings.simplefilter("ignore")
        soup = BeautifulSoup(body, "lxml")
    base_tag = soup.find("base", href=True)
    base = _absolute(url, base_tag["href"]) if base_tag else url
    base = base or url
    found = PageLinks()
    for tag in soup.find_all(["a", "link", "area"], href=True):
        href = _absolute(base, tag["href"])
        if href is None:
            continue
        rels = _rels(tag)
        if "next" in rels:
            found.next_pages.append(href)
        if tag.name == "link":
            if "canonical" in rels and found.canonical is None:
                found.canonical = href
            elif "alternate" in rels and (tag.get("type") or "").lower() in FEED_TYPES:
                found.feeds.append(href)
            continue
        if "nofollow" in rels:
            continue
        found.links.append(href)
        if is_pagination_of(href, url):
            found.next_pages.append(href)
    found.links = _unique(found.links)
    found.next_pages = _unique(found.next_pages)
    found.feeds = _unique(found.feeds)
    return found


def _listing_root(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    path = _PAGE_PATH.sub("/", parts.path or "/")
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query) if k not in PAGE_PARAMS))
    return parts.netloc.lower(), path, query


def page_number(url: str) -> int | None:
    """The page number of a paginated listing URL (/page/N/ or ?page=N and its variants), or None."""
    parts = urlsplit(url)
    match = _PAGE_PATH.search(parts.path or "")
    if match:
        return int(match.group(1))
    for key, value in parse_qsl(parts.query):
        if key in PAGE_PARAMS and value.isdigit():
            return int(value)
    return None


def is_pagination_of(link: str, listing: str) -> bool:
    """Whether `link` is another page of the listing at `listing`."""
    return page_number(link) is not None and _listing_root(link) == _listing_root(listing)


def strip_pagination(url: str) -> str:
    netloc, path, query = _listing_root(url)
    return urlunsplit((urlsplit(url).scheme, netloc, path, query, ""))


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
