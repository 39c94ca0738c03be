"""A local stand-in for the inspectorate's site, with fault switches and a log of every request.

Use the `mock_site` fixture (import it into a test module: `from tests.mock_site import mock_site`) or
`with MockSite() as site:`. Pages live on http://127.0.0.1:PORT (`site.base`), report PDFs on a second
host name, http://localhost:PORT2 (`site.assets`). `site.hits` records every request.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from indexer.profile import load_profile

ALL_FAULTS = frozenset({"503", "429", "redirect", "404", "slow", "huge", "disallowed", "malformed"})
DOCUMENT_KINDS = ("page", "pdf")


@dataclass
class Resource:
    body: bytes
    kind: str = "page"                 # page | pdf | listing | sitemap | robots | feed
    content_type: str = "text/html; charset=utf-8"
    modified: float = field(default_factory=lambda: time.time() - 86400)
    lastmod: str | None = None         # shown in the sitemap; defaults to `modified`

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha1(self.body).hexdigest()[:16] + '"'


@dataclass
class Hit:
    server: str        # "pages" or "assets"
    host: str          # the Host header
    path: str
    headers: dict
    time: float        # time.monotonic() when the request arrived
    status: int = 0
    sent: int = 0      # body bytes sent

    @property
    def kind(self) -> str:
        return self.headers.get("x-kind", "")


def pdf_bytes(title: str) -> bytes:
    """A real two-page PDF report with a text layer, as the inspectorate publishes them."""
    from fpdf import FPDF
    pdf = FPDF()
    pdf.set_title(title)
    pdf.set_font("helvetica", size=12)
    for page in (f"{title}. An inspection of Northamptonshire Police.", "Findings: custody and child protection."):
        pdf.add_page()
        pdf.multi_cell(0, 10, page)
    return bytes(pdf.output())


def page_html(title: str, paragraphs: list[str], links: list[tuple[str, str]] = (), head: str = "") -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    anchors = "".join(f'<li><a href="{href}">{text}</a></li>' for href, text in links)
    return (f"<!doctype html><html><head><title>{title} - HMICFRS</title>{head}</head><body>"
            f'<nav><a href="/">Home</a> <a href="/news/news-feed/">News</a> <a href="/publications/">Publications'
            f"</a></nav><main><h1>{title}</h1>{body}<ul>{anchors}</ul></main>"
            f'<footer><a href="/wp-admin/">Admin</a> <a href="/?s=police">Search</a></footer></body></html>'
            ).encode("utf-8")


class MockSite:
    """Shaped like the real site: robots.txt, a sitemap index, sitemaps with lastmod, paginated listings,
    publication pages with a report PDF on a second host, a legacy /hmicfrs/ duplicate, ETag/Last-Modified
    with 304s, and faults switched on by name (see ALL_FAULTS)."""

    def __init__(self, *, faults=ALL_FAULTS, crawl_delay: float | None = None, slow_seconds: float = 2.0,
                 huge_bytes: int = 3_000_000, retry_after: int = 1, releases: int = 4, publications: int = 3):
        self.faults = frozenset(faults)
        unknown = self.faults - ALL_FAULTS
        if unknown:
            raise ValueError(f"unknown faults {sorted(unknown)}")
        self.crawl_delay, self.slow_seconds, self.huge_bytes = crawl_delay, slow_seconds, huge_bytes
        self.retry_after, self.n_releases, self.n_publications = retry_after, releases, publications
        self.resources: dict[str, Resource] = {}
        self.hits: list[Hit] = []
        self.lock = threading.Lock()
        self._answered: dict[str, int] = {}
        # After this many requests, every path but /robots.txt answers 403, as a CDN might (None: never).
        self.block_after: int | None = None
        self._servers: list[ThreadingHTTPServer] = []

    # -- life cycle ---------------------------------------------------------------------------
    def start(self) -> "MockSite":
        for name in ("pages", "assets"):
            server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self, name))
            server.daemon_threads = True
            threading.Thread(target=server.serve_forever, daemon=True).start()
            self._servers.append(server)
        self.base = f"http://127.0.0.1:{self._servers[0].server_port}"
        self.assets = f"http://localhost:{self._servers[1].server_port}"
        self.build()
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.shutdown()
            server.server_close()

    def __enter__(self) -> "MockSite":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- content ------------------------------------------------------------------------------
    def build(self) -> None:
        robots = ["User-agent: *", "Disallow: /private/", "Disallow: /wp-admin/"]
        if self.crawl_delay is not None:
            robots.append(f"Crawl-delay: {self.crawl_delay}")
        robots += ["", f"Sitemap: {self.base}/sitemap_index.xml"]
        self.put("/robots.txt", "\n".join(robots).encode(), kind="robots", content_type="text/plain")
        releases = [f"/news/news-feed/release-{i}/" for i in range(self.n_releases)]
        pubs = [f"/publications/publication-{i}/" for i in range(self.n_publications)]
        for i, path in enumerate(releases):
            links = [(pubs[i % len(pubs)], "The report")] if pubs else []
            if i == 0:
                links += [(f"{self.base}/hmicfrs{pubs[0]}", "Legacy address of the same publication"),
                          ("https://hmicfrs.justiceinspectorates.gov.uk/news/news-feed/real-host-release/",
                           "An absolute link to the real site"),
                          ("https://www.justiceinspectorates.gov.uk/hmicfrs/news/releases/legacy-release/",
                           "An old release at its legacy address"),
                          ("https://www.example.com/elsewhere/", "Another site")]
            self.put(path, page_html(f"Release {i}", [f"HM Inspector of Constabulary Zoë Billingham said: release {i}."],
                                     links), lastmod=f"2023-0{1 + i % 9}-1{i % 10}T10:00:00+00:00")
        for i, path in enumerate(pubs):
            slug = path.rstrip("/").rsplit("/", 1)[1]
            self.put(f"/uploads/{slug}.pdf", pdf_bytes(slug), kind="pdf", content_type="application/pdf")
            self.put(f"/publication-html/{slug}/", page_html(f"Report {i} online", ["The full report."]))
            self.put(path, page_html(f"Publication {i}", ["Published on: 24 March 2021",
                                                          "Publication types: Child protection",
                                                          "Police Forces: Northamptonshire"],
                                     [(f"{self.assets}/uploads/{slug}.pdf", "Get the report"),
                                      (f"/publication-html/{slug}/", "Read the report online")]))
        self.put(f"/hmicfrs{pubs[0]}", self.resources[pubs[0]].body) if pubs else None
        self.put("/news/news-feed/real-host-release/", page_html("Found through a real-host link", ["x"]))
        self.put("/hmicfrs/news/releases/legacy-release/", page_html("A 2014 release", ["#022/2013"]))
        self.put("/news/news-feed/listing-only/", page_html("Only on page 2 of the listing", ["y"]))
        self.put("/publications/listing-only-publication/", page_html("Only on ?page=2", ["z"]))
        self.put("/news/news-feed/feed-only/", page_html("Only in the feed", ["w"]))
        self._faults(releases)
        self._listings(releases, pubs)
        self.sitemap_pages = {"/post-sitemap.xml": list(releases),
                              "/page-sitemap.xml": pubs + [p.replace("/publications/", "/publication-html/")
                                                           for p in pubs]}
        self._sitemaps()

    def _faults(self, releases: list[str]) -> None:
        faulty = []
        if "503" in self.faults:
            faulty.append("/news/news-feed/flaky-release/")
        if "429" in self.faults:
            faulty.append("/news/news-feed/busy-release/")
        if "slow" in self.faults:
            faulty.append("/news/news-feed/slow-release/")
        if "huge" in self.faults:
            faulty.append("/news/news-feed/huge-release/")
        if "404" in self.faults:
            faulty.append("/news/news-feed/deleted-release/")
        if "redirect" in self.faults:
            faulty += ["/news/news-feed/moved-off-site/", "/news/news-feed/moved-to-other-port/"]
        for path in faulty:
            if path != "/news/news-feed/deleted-release/":
                self.put(path, page_html(path.strip("/").rsplit("/", 1)[1], ["A page with a fault."]))
        links = [(p, p) for p in faulty]
        if "disallowed" in self.faults:
            self.put("/private/secret/", page_html("Disallowed", ["robots.txt says no"]))
            links.append(("/private/secret/", "Disallowed by robots.txt"))
        self.fault_paths = faulty
        self.put("/news/news-feed/faults/", page_html("Faults", ["Links to faulty pages."], links))

    def _listings(self, releases: list[str], pubs: list[str]) -> None:
        half = (len(releases) + 1) // 2
        p2 = "/news/news-feed/page/2/"
        self.put("/news/news-feed/", page_html("News", [], [(p, p) for p in releases[:half]] + [(p2, "Next")],
                                               head=f'<link rel="next" href="{p2}">'), kind="listing")
        self.put(p2, page_html("News, page 2", [], [(p, p) for p in releases[half:]] +
                               [("/news/news-feed/listing-only/", "x"), ("/news/news-feed/faults/", "faults")]),
                 kind="listing")
        self.put("/publications/", page_html("Publications", [], [(p, p) for p in pubs] +
                                             [("/publications/?page=2", "2")]), kind="listing")
        self.put("/publications/?page=2", page_html("Publications, page 2", [],
                                                    [("/publications/listing-only-publication/", "x")]),
                 kind="listing")
        item = f"<item><title>Feed only</title><link>{self.base}/news/news-feed/feed-only/</link></item>"
        self.put("/feed/", f'<?xml version="1.0"?><rss version="2.0"><channel>{item}</channel></rss>'.encode(),
                 kind="feed", content_type="application/rss+xml")

    def _sitemaps(self) -> None:
        def urlset(paths):
            urls = "".join(f"<url><loc>{self.base}{p}</loc><lastmod>{self._lastmod(p)}</lastmod></url>"
                           for p in paths)
            return (f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/'
                    f'sitemap/0.9">{urls}</urlset>').encode()
        for name, paths in self.sitemap_pages.items():
            self.put(name, urlset(paths), kind="sitemap", content_type="application/xml")
        children = list(self.sitemap_pages)
        if "malformed" in self.faults:
            self.put("/broken-sitemap.xml", b'<?xml version="1.0"?><urlset><url><loc>' +
                     self.base.encode() + b"/news/news-feed/release-0/</loc><lastmod>2020</url><oops",
                     kind="sitemap", content_type="application/xml")
            children.append("/broken-sitemap.xml")
        index = "".join(f"<sitemap><loc>{self.base}{c}</loc></sitemap>" for c in children)
        self.put("/sitemap_index.xml", ('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/'
                                        f'schemas/sitemap/0.9">{index}</sitemapindex>').encode(),
                 kind="sitemap", content_type="application/xml")

    def _lastmod(self, path: str) -> str:
        res = self.resources[path]
        return res.lastmod or time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime(res.modified))

    def put(self, path: str, body: bytes, **fields) -> Resource:
        with self.lock:
            res = Resource(body, **fields)
            self.resources[path] = res
            return res

    # -- changes between crawls --------------------------------------------------------------
    def change_page(self, path: str, text: str = "Updated text.") -> None:
        """Change a page's body, Last-Modified and sitemap lastmod, as an edit on the site would."""
        old = self.resources[path]
        self.put(path, old.body.replace(b"</main>", f"<p>{text}</p></main>".encode()), kind=old.kind,
                 content_type=old.content_type, modified=time.time())
        self._sitemaps()

    def add_page(self, path: str, title: str = "A new release", sitemap: str = "/post-sitemap.xml") -> None:
        self.put(path, page_html(title, ["Published on: 1 May 2024"]), modified=time.time())
        self.sitemap_pages[sitemap].append(path)
        self._sitemaps()

    # -- what the crawler did ----------------------------------------------------------------
    def mark(self) -> int:
        """A position in the request log, for `hits_since`."""
        with self.lock:
            return len(self.hits)

    def hits_since(self, mark: int = 0) -> list[Hit]:
        with self.lock:
            return list(self.hits[mark:])

    def bodies_sent(self, mark: int = 0) -> list[str]:
        """Paths of pages and PDFs answered 200 with a body since `mark` (listings, sitemaps excluded)."""
        return [h.path for h in self.hits_since(mark)
                if h.status == 200 and h.sent and self.kind_of(h.path) in DOCUMENT_KINDS]

    def kind_of(self, path: str) -> str:
        res = self.resources.get(path)
        return res.kind if res else ""

    def document_paths(self) -> set[str]:
        """Pages and PDFs a complete crawl should store (faults and robots-disallowed pages excluded)."""
        skip = set(getattr(self, "fault_paths", ())) | {"/private/secret/", "/hmicfrs/publications/publication-0/"}
        return {p for p, r in self.resources.items() if r.kind in DOCUMENT_KINDS and p not in skip}

    # -- serving ------------------------------------------------------------------------------
    def answer(self, server: str, handler: BaseHTTPRequestHandler, hit: Hit) -> None:
        path = handler.path
        with self.lock:
            count = self._answered[path] = self._answered.get(path, 0) + 1
            res = self.resources.get(path)
        if self.block_after is not None and len(self.hits) > self.block_after and path != "/robots.txt":
            return _send(handler, hit, 403, b"Forbidden", "text/plain")
        if server == "assets" and not (path.startswith("/uploads/") or path == "/robots.txt"):
            return _send(handler, hit, 404, b"not here", "text/plain")
        if server == "assets" and path == "/robots.txt":
            return _send(handler, hit, 404, b"no robots", "text/plain")
        if path == "/news/news-feed/flaky-release/" and count == 1:
            return _send(handler, hit, 503, b"try again", "text/plain")
        if path == "/news/news-feed/busy-release/" and count == 1:
            return _send(handler, hit, 429, b"slow down", "text/plain", {"Retry-After": str(self.retry_after)})
        if path == "/news/news-feed/moved-off-site/":
            return _send(handler, hit, 302, b"", "text/plain", {"Location": "http://off-site.invalid/trap/"})
        if path == "/news/news-feed/moved-to-other-port/":
            return _send(handler, hit, 301, b"", "text/plain", {"Location": f"{self.assets}/trap/"})
        if path == "/news/news-feed/slow-release/":
            time.sleep(self.slow_seconds)
        if path == "/news/news-feed/huge-release/":
            return _stream_huge(handler, hit, self.huge_bytes)
        if res is None:
            return _send(handler, hit, 404, b"<h1>Not found</h1>", "text/html")
        last_modified = formatdate(res.modified, usegmt=True)
        headers = {"ETag": res.etag, "Last-Modified": last_modified}
        if _not_modified(handler.headers, res):
            return _send(handler, hit, 304, b"", None, headers)
        return _send(handler, hit, 200, res.body, res.content_type, headers)


def _not_modified(headers, res: Resource) -> bool:
    inm = headers.get("If-None-Match")
    if inm is not None:
        return res.etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
    ims = headers.get("If-Modified-Since")
    if ims:
        try:
            return int(res.modified) <= parsedate_to_datetime(ims).timestamp()
        except (TypeError, ValueError):
            return False
    return False


def _send(handler, hit: Hit, status: int, body: bytes, ctype: str | None, headers: dict | None = None) -> None:
    hit.status = status
    handler.send_response(status)
    if ctype:
        handler.send_header("Content-Type", ctype)
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    body = b"" if status == 304 else body
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    try:
        handler.wfile.write(body)
        hit.sent = len(body)
    except (BrokenPipeError, ConnectionResetError):
        pass


def _stream_huge(handler, hit: Hit, size: int) -> None:
    hit.status = 200
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", str(size))
    handler.end_headers()
    chunk = b"<p>" + b"x" * 65530 + b"</p>"
    try:
        while hit.sent < size:
            part = chunk[: size - hit.sent]
            handler.wfile.write(part)
            hit.sent += len(part)
    except (BrokenPipeError, ConnectionResetError):
        handler.close_connection = True


def _handler(site: MockSite, server: str):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def handle(self):
            try:
                super().handle()
            except (ConnectionResetError, BrokenPipeError):
                pass     # the crawler hung up (a timeout or a size cap): expected

        def do_GET(self):
            hit = Hit(server, self.headers.get("Host", ""), self.path, dict(self.headers.items()), time.monotonic())
            with site.lock:
                site.hits.append(hit)
            site.answer(server, self, hit)

        def log_message(self, format, *args):
            pass

    return Handler


def fast_profile(**overrides):
    """The real profile with test-sized delays, timeouts and caps (users cannot go below 1 s)."""
    settings = dict(delay=0.01, min_delay=0.0, connect_timeout=2.0, read_timeout=0.5, backoff=0.01,
                    max_html_bytes=500_000, retry_after_max=10.0)
    settings.update(overrides)
    return load_profile().replace(**settings)


@pytest.fixture
def mock_site():
    """A started MockSite with every fault switched on; stopped after the test."""
    with MockSite() as site:
        yield site
