"""HTML pages: title without the site suffix, canonical URL, meta tags, main text without furniture, links."""

from __future__ import annotations

import re
import warnings
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from .page import Link, ParsedPage
from .text import clean_lines, normalise_space

_DROP_TAGS = ("script", "style", "noscript", "template", "svg", "iframe", "button", "select", "input",
              "textarea", "object", "canvas", "dialog", "nav", "aside", "footer")
_DROP_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alert"}
_DROP_TOKEN = re.compile(r"cookie|consent|skip|breadcrumb|sidebar|footer|masthead|share|social|"
                         r"^(nav|navbar|navigation|menu|main-menu|site-header|global-header|header-nav|"
                         r"banner|site-banner|phase-banner|feedback|back-to-top|print)$", re.I)
_BLOCK = {"p", "div", "section", "article", "main", "header", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul",
          "ol", "dl", "dt", "dd", "table", "tr", "td", "th", "blockquote", "pre", "figure", "figcaption",
          "address", "hr", "br", "caption", "tbody", "thead", "details", "summary"}
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_SECTION_LINE = re.compile(r"^(get|read|download|view) (the|a|our) [\w ,’'-]{2,60}$", re.I)
_SITE_SUFFIX = re.compile(
    r"\s*[-–—|:·]\s*(HMICFRS|HMIC|HMI Constabulary|Her Majesty['’]s Inspectorate of Constabulary[^|–—-]*|"
    r"His Majesty['’]s Inspectorate of Constabulary[^|–—-]*|HM Inspectorate of Constabulary[^|–—-]*|"
    r"Justice Inspectorates?|justiceinspectorates\.gov\.uk|GOV\.UK)\s*$", re.I)


def strip_site_suffix(title: str) -> str:
    title = normalise_space(title)
    previous = None
    while previous != title:
        previous, title = title, _SITE_SUFFIX.sub("", title).strip()
    return title


def _soup(text: str) -> BeautifulSoup:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return BeautifulSoup(text, "lxml")


def _meta(soup: BeautifulSoup) -> dict[str, str]:
    out: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = tag.get("property") or tag.get("name") or tag.get("itemprop") or ""
        content = tag.get("content")
        if isinstance(key, str) and key and isinstance(content, str) and key.lower() not in out:
            out[key.lower()] = normalise_space(content)
    return out


def _join(base: str, href: str) -> str | None:
    """`href` made absolute, or None when it is not a usable URL (an invalid IPv6 host or port)."""
    try:
        absolute = urljoin(base, href)
        urlsplit(absolute).port
    except ValueError:
        return None
    return absolute


def _canonical(soup: BeautifulSoup, meta: dict[str, str], base: str) -> str | None:
    for link in soup.find_all("link", href=True):
        rel = link.get("rel") or []
        rel = rel if isinstance(rel, list) else [rel]
        if "canonical" in [r.lower() for r in rel] and isinstance(link["href"], str):
            return _join(base, link["href"].strip())
    if meta.get("og:url"):
        return _join(base, meta["og:url"])
    return None


def _is_furniture_tag(tag: Tag) -> bool:
    if tag.attrs is None:
        return False
    role = (tag.get("role") or "")
    if isinstance(role, str) and role.lower() in _DROP_ROLES:
        return True
    if tag.get("aria-hidden") == "true" or tag.has_attr("hidden"):
        return True
    tokens = list(tag.get("class") or []) + [tag.get("id") or ""]
    return any(isinstance(t, str) and t and _DROP_TOKEN.search(t) for t in tokens)


def _gone(tag: Tag) -> bool:
    # Not `tag.decomposed`: on a live Tag, bs4 looks the missing `_decomposed` attribute up as a child
    # tag, searching the whole subtree, which makes a loop over a deeply nested page quadratic.
    return bool(tag.__dict__.get("_decomposed"))


def _strip_furniture(soup: BeautifulSoup) -> None:
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        comment.extract()
    for tag in soup.find_all(_DROP_TAGS):
        tag.decompose()
    for tag in soup.find_all(True):
        if _gone(tag) or tag.name in ("html", "body", "main", "article"):
            continue
        if _is_furniture_tag(tag):
            tag.decompose()
    # A page header outside the content (logo, menus) is furniture; an article's header holds the h1.
    for tag in soup.find_all("header"):
        if not _gone(tag) and not tag.find_parent(["main", "article"]) and not tag.find("h1"):
            tag.decompose()


def _content_root(soup: BeautifulSoup) -> Tag:
    for finder in (lambda: soup.find("main"), lambda: soup.find(attrs={"role": "main"}),
                   lambda: soup.find("article"), lambda: soup.find(id=re.compile(r"^(content|main|main-content)$")),
                   lambda: soup.body):
        root = finder()
        if isinstance(root, Tag) and root.get_text(strip=True):
            return root
    return soup


def _lines(root: Tag) -> list[str]:
    """The text with a line break around every block element, in one walk over the tree.

    Iterative and without changing the tree (inserting strings is linear in the depth each time),
    so a page of thousands of nested elements costs no more than a flat one.
    """
    parts: list[str] = []
    stack = [iter(root.contents)]
    closers: list[str] = [""]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            parts.append(closers.pop())
        elif isinstance(child, Tag):
            if child.name == "br":
                parts.append("\n")
                continue
            closer = "\n" if child.name in _BLOCK else ""
            parts.append(closer)
            stack.append(iter(child.contents))
            closers.append(closer)
        elif type(child) is NavigableString:  # what get_text() keeps: not comments, doctypes or CDATA
            parts.append(str(child))
    return clean_lines("".join(parts).split("\n"))


def _is_section(tag: Tag) -> bool:
    if tag.name in _HEADINGS:
        return True
    if tag.name in ("p", "strong", "b", "dt") and not tag.find("a"):
        return bool(_SECTION_LINE.match(normalise_space(tag.get_text())))
    return False


def _sections(soup: BeautifulSoup) -> dict[int, Tag]:
    """For every link, the nearest heading (or heading-like line) before it in document order.

    One pass over the document instead of a backwards search per link, which is quadratic on long pages.
    """
    out: dict[int, Tag] = {}
    current = None
    for element in soup.descendants:
        if not isinstance(element, Tag):
            continue
        if element.name == "a":
            if current is not None:
                out[id(element)] = current
        elif _is_section(element):
            current = element
    return out


def _links(root: Tag, base: str) -> list[Link]:
    out = []
    sections = None
    texts: dict[int, str] = {}
    for anchor in root.find_all("a", href=True):
        href = anchor["href"].strip()
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
            continue
        absolute = _join(base, href)
        if absolute is None or urlsplit(absolute).scheme not in ("http", "https", "file"):
            continue
        if sections is None:
            sections = _sections(_document_of(root))
        heading = sections.get(id(anchor))
        if heading is not None and id(heading) not in texts:
            texts[id(heading)] = normalise_space(heading.get_text())
        section = texts[id(heading)] if heading is not None else ""
        out.append(Link(absolute, normalise_space(anchor.get_text()), section))
    return out


def _document_of(tag: Tag) -> Tag:
    while tag.parent is not None:
        tag = tag.parent
    return tag


def _title(soup: BeautifulSoup, meta: dict[str, str]) -> tuple[str, str]:
    if soup.title and soup.title.get_text(strip=True):
        title = strip_site_suffix(soup.title.get_text())
        if title and not re.fullmatch(r"(HMICFRS|HMIC|Home)", title, re.I):
            return title, "title"
    if meta.get("og:title"):
        return strip_site_suffix(meta["og:title"]), "og:title"
    h1 = soup.find("h1")
    if h1 and h1.get_text(strip=True):
        return normalise_space(h1.get_text()), "h1"
    return "", ""


def parse_html(text: str, url: str) -> ParsedPage:
    soup = _soup(text)
    meta = _meta(soup)
    title, title_source = _title(soup, meta)
    canonical = _canonical(soup, meta, url)
    _strip_furniture(soup)
    root = _content_root(soup)
    links = _links(root, canonical or url)
    lines = _lines(root)
    if not title and lines:
        title, title_source = lines[0][:300], "first-line"
    return ParsedPage(url=url, content_type="text/html", lines=lines, title=title, title_source=title_source,
                      canonical=canonical, meta=meta, links=links)
