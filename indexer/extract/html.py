"""HTML pages: title without the site suffix, canonical URL, meta tags, main text without furniture, links.

The page is parsed once by lxml (libxml2's HTML parser, the same one that BeautifulSoup's "lxml" builder
drives) and walked in plain Python. The walks keep BeautifulSoup's reading of a tree, which the extraction
was built on: a string that is nothing but ASCII whitespace counts as one space (or one newline when it
holds one) outside <pre>; text inside <rt>, <rp>, <script>, <style> and <template> is not page text for
any other element; comments, processing instructions and the doctype are not text at all.
"""

from __future__ import annotations

import re
import threading
from urllib.parse import urljoin, urlsplit

from lxml import etree

from .page import Link, ParsedPage
from .text import clean_lines, normalise_space

_DROP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "button", "select", "input",
                        "textarea", "object", "canvas", "dialog", "nav", "aside", "footer"})
_DROP_ROLES = {"navigation", "banner", "contentinfo", "complementary", "search", "dialog", "alert"}
_DROP_TOKEN = re.compile(r"cookie|consent|skip|breadcrumb|sidebar|footer|masthead|share|social|"
                         r"^(nav|navbar|navigation|menu|main-menu|site-header|global-header|header-nav|"
                         r"banner|site-banner|phase-banner|feedback|back-to-top|print)$", re.I)
_NEVER_FURNITURE = frozenset({"html", "body", "main", "article"})
_BLOCK = frozenset({"p", "div", "section", "article", "main", "header", "h1", "h2", "h3", "h4", "h5", "h6", "li",
                    "ul", "ol", "dl", "dt", "dd", "table", "tr", "td", "th", "blockquote", "pre", "figure",
                    "figcaption", "address", "hr", "br", "caption", "tbody", "thead", "details", "summary"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_SECTION_TAGS = frozenset({"p", "strong", "b", "dt"})
_SECTION_LINE = re.compile(r"^(get|read|download|view) (the|a|our) [\w ,’'-]{2,60}$", re.I)
_SITE_SUFFIX = re.compile(
    r"\s*[-–—|:·]\s*(HMICFRS|HMIC|HMI Constabulary|Her Majesty['’]s Inspectorate of Constabulary[^|–—-]*|"
    r"His Majesty['’]s Inspectorate of Constabulary[^|–—-]*|HM Inspectorate of Constabulary[^|–—-]*|"
    r"Justice Inspectorates?|justiceinspectorates\.gov\.uk|GOV\.UK)\s*$", re.I)
_CONTENT_ID = re.compile(r"^(content|main|main-content)$")
_TOKENS = re.compile(r"\S+")          # how a class (or rel) attribute splits into its values
# Elements whose strings are of their own kind (code, styles, ruby annotations), not the page's text.
_OWN_STRINGS = frozenset({"rt", "rp", "style", "script", "template"})
_PRESERVE_SPACE = frozenset({"pre", "textarea"})
_ASCII_SPACE = " \n\t\f\r"


def strip_site_suffix(title: str) -> str:
    title = normalise_space(title)
    previous = None
    while previous != title:
        previous, title = title, _SITE_SUFFIX.sub("", title).strip()
    return title


_NO_ATTRIBUTES: dict[str, str] = {}


class _Node:
    """An element of the page. `kids` holds _Nodes, page strings (str) and other strings ((kind, str) tuples)."""
    __slots__ = ("name", "attrib", "parent", "kids", "start", "end", "gone")

    def __init__(self, name: str, attrib: dict[str, str], parent: int, start: int):
        self.name = name
        self.attrib = attrib
        self.parent = parent      # its parent's position in document order (-1: the document)
        self.kids: list = []
        self.start = start        # position in document order
        self.end = start + 1      # one past its last descendant
        self.gone = False         # furniture, or inside furniture

    def get(self, name: str) -> str | None:
        return self.attrib.get(name)


def _is_furniture(attrib: dict[str, str]) -> bool:
    role = attrib.get("role")
    if role and role.lower() in _DROP_ROLES:
        return True
    if attrib.get("aria-hidden") == "true" or "hidden" in attrib:
        return True
    classes = attrib.get("class")
    if classes:
        for token in _TOKENS.findall(classes):
            if _DROP_TOKEN.search(token):
                return True
    ident = attrib.get("id")
    return bool(ident and _DROP_TOKEN.search(ident))


class _TreeBuilder:
    """Builds the page's tree from lxml's parser events, as BeautifulSoup's lxml builder does.

    Consecutive text events make one string, ended by any tag, comment, processing instruction or
    doctype; an end tag closes everything up to the most recent open element of its name (and nothing
    when none is open). Furniture is marked while building: elements that never hold content (scripts,
    navigation, footers…) and those whose role, class or id says so, with everything inside them.
    One builder serves one parser for many pages: `reset` before each.
    """

    def reset(self) -> None:
        self.doc = _Node("[document]", _NO_ATTRIBUTES, -2, -1)
        self.order: list[_Node] = []     # every element, in document order
        self.stack = [self.doc]
        self.open: dict[str, int] = {}
        self.pending: list[str] = []
        self.keep_space = 0              # open <pre> and <textarea> elements
        self.containers: list[_Node] = []  # open elements whose strings are of their own kind

    def flush(self) -> None:
        text = "".join(self.pending)
        self.pending = []
        if not self.keep_space and not text.strip(_ASCII_SPACE):
            text = "\n" if "\n" in text else " "
        self.stack[-1].kids.append((self.containers[-1].name, text) if self.containers else text)

    def start(self, tag, attrib) -> None:
        if self.pending:
            self.flush()
        parent = self.stack[-1]
        node = _Node(tag, attrib if attrib else _NO_ATTRIBUTES, parent.start, len(self.order))
        if parent.gone or tag in _DROP_TAGS or (attrib and tag not in _NEVER_FURNITURE and _is_furniture(attrib)):
            node.gone = True
        self.order.append(node)
        parent.kids.append(node)
        self.stack.append(node)
        self.open[tag] = self.open.get(tag, 0) + 1
        if tag in _PRESERVE_SPACE:
            self.keep_space += 1
        if tag in _OWN_STRINGS:
            self.containers.append(node)

    def pop(self) -> _Node:
        node = self.stack.pop()
        node.end = len(self.order)
        self.open[node.name] -= 1
        if node.name in _PRESERVE_SPACE:
            self.keep_space -= 1
        if self.containers and self.containers[-1] is node:
            self.containers.pop()
        return node

    def end(self, tag) -> None:
        if self.pending:
            self.flush()
        if self.open.get(tag):
            while len(self.stack) > 1 and self.pop().name != tag:
                pass

    def data(self, text) -> None:
        self.pending.append(text)

    def comment(self, text) -> None:
        if self.pending:
            self.flush()

    def pi(self, target, data=None) -> None:
        if self.pending:
            self.flush()

    def doctype(self, name, pubid, system) -> None:
        if self.pending:
            self.flush()

    def close(self) -> tuple[_Node, list[_Node]]:
        if self.pending:
            self.flush()
        while len(self.stack) > 1:
            self.pop()
        self.doc.end = len(self.order)
        doc, order = self.doc, self.order
        self.reset()   # let the page go
        return doc, order


_local = threading.local()   # a parser and its builder per thread, made once: making one costs 0.1 ms


def _parse_tree(text: str) -> tuple[_Node, list[_Node]]:
    """The document node and every element in document order."""
    if text[:1] == "\ufeff":
        text = text[1:]
    parser = getattr(_local, "parser", None)
    if parser is None:
        builder = _TreeBuilder()
        builder.reset()
        parser = _local.parser = etree.HTMLParser(target=builder, recover=True)
    try:
        parser.feed(text)
        return parser.close()
    except BaseException:
        _local.parser = None    # a parser stopped halfway is not used again
        raise


def _drop_page_headers(order: list[_Node]) -> None:
    """A page header outside the content (logo, menus) is furniture; an article's header holds the h1."""
    for node in order:
        if node.name != "header" or node.gone:
            continue
        parent = node.parent
        inside = False
        while parent >= 0:
            if order[parent].name in ("main", "article"):
                inside = True
                break
            parent = order[parent].parent
        if not inside and not any(n.name == "h1" and not n.gone for n in order[node.start + 1:node.end]):
            for n in order[node.start:node.end]:
                n.gone = True


def _strings(node: _Node, whole: bool = False):
    """The strings an element counts as its text, in order (what BeautifulSoup's get_text() joins);
    without furniture unless `whole`."""
    wanted = node.name if node.name in _OWN_STRINGS else None
    stack = [iter(node.kids)]
    while stack:
        item = next(stack[-1], None)
        if item is None:
            stack.pop()
        elif type(item) is str:
            if wanted is None:
                yield item
        elif type(item) is tuple:
            if item[0] == wanted:
                yield item[1]
        elif whole or not item.gone:
            stack.append(iter(item.kids))


def _text(node: _Node, whole: bool = False) -> str:
    return "".join(_strings(node, whole))


def _has_text(node: _Node) -> bool:
    return any(s.strip() for s in _strings(node))


def _meta(order: list[_Node]) -> dict[str, str]:
    out: dict[str, str] = {}
    for node in order:
        if node.name == "meta":
            key = node.get("property") or node.get("name") or node.get("itemprop") or ""
            content = node.get("content")
            if key and content is not None and key.lower() not in out:
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


def _canonical(order: list[_Node], meta: dict[str, str], base: str) -> str | None:
    for node in order:
        if node.name == "link" and "href" in node.attrib:
            if "canonical" in [r.lower() for r in _TOKENS.findall(node.attrib.get("rel") or "")]:
                return _join(base, node.attrib["href"].strip())
    if meta.get("og:url"):
        return _join(base, meta["og:url"])
    return None


def _first(order: list[_Node], test) -> _Node | None:
    for node in order:
        if not node.gone and test(node):
            return node
    return None


def _content_root(doc: _Node, order: list[_Node]) -> _Node:
    for test in (lambda n: n.name == "main", lambda n: n.get("role") == "main", lambda n: n.name == "article",
                 lambda n: bool(_CONTENT_ID.search(n.get("id") or "")), lambda n: n.name == "body"):
        root = _first(order, test)
        if root is not None and _has_text(root):
            return root
    return doc


def _lines(root: _Node) -> list[str]:
    """The text with a line break around every block element, in one walk over the tree."""
    parts: list[str] = []
    stack = [iter(root.kids)]
    closers: list[str] = [""]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
            parts.append(closers.pop())
        elif type(child) is str:
            parts.append(child)
        elif type(child) is tuple or child.gone:
            continue
        elif child.name == "br":
            parts.append("\n")
        else:
            closer = "\n" if child.name in _BLOCK else ""
            parts.append(closer)
            stack.append(iter(child.kids))
            closers.append(closer)
    return clean_lines("".join(parts).split("\n"))


def _is_section(node: _Node, order: list[_Node]) -> bool:
    if node.name in _HEADINGS:
        return True
    if node.name in _SECTION_TAGS and not any(n.name == "a" for n in order[node.start + 1:node.end] if not n.gone):
        return bool(_SECTION_LINE.match(normalise_space(_text(node))))
    return False


def _sections(order: list[_Node]) -> dict[int, _Node]:
    """For every link, the nearest heading (or heading-like line) before it in document order."""
    out: dict[int, _Node] = {}
    current = None
    for node in order:
        if node.gone:
            continue
        if node.name == "a":
            if current is not None:
                out[node.start] = current
        elif _is_section(node, order):
            current = node
    return out


def _links(root: _Node, order: list[_Node], base: str) -> list[Link]:
    out = []
    sections = None
    texts: dict[int, str] = {}
    for anchor in order[root.start + 1:root.end]:
        if anchor.gone or anchor.name != "a":
            continue
        href = anchor.get("href")
        if href is None:
            continue
        href = href.strip()
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
            continue
        absolute = _join(base, href)
        if absolute is None or urlsplit(absolute).scheme not in ("http", "https", "file"):
            continue
        if sections is None:
            sections = _sections(order)
        heading = sections.get(anchor.start)
        if heading is not None and heading.start not in texts:
            texts[heading.start] = normalise_space(_text(heading))
        section = texts[heading.start] if heading is not None else ""
        out.append(Link(absolute, normalise_space(_text(anchor)), section))
    return out


def _title(order: list[_Node], meta: dict[str, str]) -> tuple[str, str]:
    title = next((node for node in order if node.name == "title"), None)
    if title is not None:
        text = _text(title, whole=True)
        if text.strip():
            text = strip_site_suffix(text)
            if text and not re.fullmatch(r"(HMICFRS|HMIC|Home)", text, re.I):
                return text, "title"
    if meta.get("og:title"):
        return strip_site_suffix(meta["og:title"]), "og:title"
    h1 = next((node for node in order if node.name == "h1"), None)
    if h1 is not None:
        text = _text(h1, whole=True)
        if text.strip():
            return normalise_space(text), "h1"
    return "", ""


def parse_html(text: str, url: str) -> ParsedPage:
    doc, order = _parse_tree(text)
    meta = _meta(order)
    title, title_source = _title(order, meta)
    canonical = _canonical(order, meta, url)
    _drop_page_headers(order)
    root = _content_root(doc, order)
    links = _links(root, order, canonical or url)
    lines = _lines(root)
    if not title and lines:
        title, title_source = lines[0][:300], "first-line"
    return ParsedPage(url=url, content_type="text/html", lines=lines, title=title, title_source=title_source,
                      canonical=canonical, meta=meta, links=links)
