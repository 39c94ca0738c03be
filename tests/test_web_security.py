"""Crawled strings and echoed parameters are text, never markup; only http(s) links; headers on every response."""

import csv
import io
import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup

from conftest import make_docs, write_index
from indexer.record import Document
from webapp import present

EVIL_TITLE = "<script>alert('title')</script><img src=x onerror=alert(1)> custody"
EVIL_BODY = ('custody "><script>alert("body")</script> <mark>fake</mark> <a href="javascript:alert(2)">x</a> '
             "</textarea><style>body{display:none}</style> \x0c\x01 end")
HOSTILE = [
    Document(id="evil1", url='https://hmicfrs.justiceinspectorates.gov.uk/x/"><script>alert(3)</script>',
             title=EVIL_TITLE, body=EVIL_BODY, published="2020-01-01", type="report<b>",
             forces=('Kent Police"><script>alert(4)</script>',), inspectors=("<i>Inspector</i>",),
             report_links=("javascript:alert(5)", "https://assets-hmicfrs.justiceinspectorates.gov.uk/uploads/r.pdf",
                           "data:text/html,<script>alert(6)</script>", " JaVaScRiPt:alert(7)"),
             alternate_urls=("vbscript:msgbox(1)",), published_source="<b>meta</b>"),
    Document(id="evil2", url="javascript:alert(8)", title="Custody with a javascript: address", body="custody here",
             published="2020-02-02", type="news release", forces=("Kent Police",), parent="evil1"),
]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from webapp import create_app
    index_dir = write_index(tmp_path_factory.mktemp("security") / "index", make_docs() + HOSTILE)
    return create_app({"INDEX_DIR": str(index_dir), "TESTING": True}).test_client()


def parse(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def assert_inert(page):
    """No script, style, handler or javascript:/data: link anywhere in a parsed page."""
    assert [s.get("src") for s in page.find_all("script")] == ["/static/app.js"]
    assert not page.find_all("style") and not page.find_all("img") and not page.find_all("textarea")
    for tag in page.find_all(True):
        assert not any(attr.lower().startswith("on") for attr in tag.attrs), tag
        if tag.name == "a":
            href = tag.get("href", "")
            assert href.startswith(("/", "#", "?", "http://", "https://")), href
        assert "style" not in tag.attrs


@pytest.mark.parametrize("path", ["/?q=custody", "/?q=custody&sort=newest&per_page=100", "/?q=alert",
                                  "/documents/evil1", "/documents/evil2", "/?q=fake", "/?force=Kent+Police"])
def test_crawled_markup_is_text(client, path):
    response = client.get(path)
    assert response.status_code == 200
    page = parse(response)
    assert_inert(page)
    assert "<script>" not in str(page.select_one("main")).replace("&lt;script&gt;", "")


def test_titles_and_metadata_show_as_written(client):
    page = parse(client.get("/documents/evil1"))
    assert page.h1.get_text() == EVIL_TITLE
    assert page.select_one(".doc-type").get_text() == "report<b>"


def test_snippets_carry_only_mark(client):
    for hit in client.get("/api/search?q=custody&per_page=100").get_json()["hits"]:
        tags = BeautifulSoup(hit["snippet"], "html.parser").find_all(True)
        assert {t.name for t in tags} <= {"mark"}
        assert all(not t.attrs for t in tags)
    page = parse(client.get("/?q=fake"))
    snippet = page.select_one("li.hit[data-id=evil1] .snippet")
    assert {t.name for t in snippet.find_all(True)} <= {"mark", "span"}
    assert "<mark>fake</mark>" in snippet.get_text()  # the page's own fake <mark> is text


def test_only_http_links_become_hrefs(client):
    page = parse(client.get("/documents/evil1"))
    hrefs = [a["href"] for a in page.select(".report-link[href]")]
    assert hrefs == ["https://assets-hmicfrs.justiceinspectorates.gov.uk/uploads/r.pdf"]
    shown = [s.get_text() for s in page.select("span.report-link")]
    assert shown == ["javascript:alert(5)", "data:text/html,<script>alert(6)</script>", " JaVaScRiPt:alert(7)"]
    assert "vbscript" not in page.select_one("dl.metadata").get_text()  # other addresses: only web ones are listed
    source = parse(client.get("/documents/evil2")).select_one(".source-link")
    assert source.name == "span" and source.get_text() == "javascript:alert(8)"
    hit = parse(client.get("/?q=javascript")).select_one("li.hit[data-id=evil2] .source")
    assert hit.find("a") is None and hit.get_text() == "javascript:alert(8)"


def test_attribute_breaking_quotes_stay_inside_the_attribute(client):
    page = parse(client.get("/documents/evil1"))
    link = page.select_one("a.source-link")
    assert link["href"] == HOSTILE[0].url
    box = parse(client.get('/?q=%22%3E%3Cscript%3Ealert(9)%3C/script%3E')).select_one("#q")
    assert box["value"] == '"><script>alert(9)</script>'


@pytest.mark.parametrize("query", ['q=%3Cscript%3Ealert(1)%3C%2Fscript%3E', 'force=%3Cb%3Ebold%3C%2Fb%3E',
                                  "from=%3Cscript%3E", "sort=%3Cscript%3E", 'q=%22%20onfocus%3D%22alert(1)',
                                  "inspector=%3Cimg%20src%3Dx%3E", "page=%3Cscript%3E"])
def test_echoed_parameters_are_text(client, query):
    page = parse(client.get("/?" + query))
    assert_inert(page)
    assert not page.find("b") and not page.select("main img")


def test_exports_neutralise_and_parse(client):
    rows = list(csv.DictReader(io.StringIO(client.get("/search.csv?q=custody").get_data(as_text=True))))
    evil = next(r for r in rows if r["id"] == "evil1")
    assert evil["title"] == EVIL_TITLE  # plain text in a CSV; a spreadsheet shows it as written
    feed = ET.fromstring(client.get("/search.atom?q=custody").get_data())
    vias = [link.get("href") for link in feed.iter("{http://www.w3.org/2005/Atom}link") if link.get("rel") == "via"]
    assert vias and all(v.startswith("https://") for v in vias)


@pytest.mark.parametrize("path", ["/", "/?q=custody", "/?page=0", "/documents/evil1", "/documents/nope", "/nope",
                                  "/api/search", "/api/search?sort=x", "/api/documents/evil1", "/api/documents/nope",
                                  "/api/documents/evil1/related", "/search.csv", "/search.csv?page=x",
                                  "/search.atom", "/search.atom?from=x", "/healthz", "/api/openapi.json",
                                  "/static/style.css", "/static/app.js"])
def test_security_headers_on_every_response(client, path):
    with client.get(path) as response:
        headers = response.headers
    csp = headers["Content-Security-Policy"]
    for directive in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'",
                      "frame-ancestors 'none'", "base-uri 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"]


def test_post_is_refused_with_allow(client):
    response = client.post("/api/search")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]


@pytest.mark.parametrize("path", ["/", "/documents/evil1", "/?q=nothingmatches&force=Kent+Police", "/?page=0"])
def test_pages_have_no_inline_script_or_style(client, path):
    page = parse(client.get(path))
    assert all(s.get("src") for s in page.find_all("script"))
    assert not page.find_all("style") and not page.select("[style]")


def test_bounds(client):
    assert client.get("/api/search?q=" + "a" * 501).status_code == 400
    assert client.get("/api/search?per_page=101").status_code == 400
    assert client.get("/api/search?per_page=100").get_json()["per_page"] == 100


@pytest.mark.parametrize("url, expected", [
    ("https://example.org/a", "https://example.org/a"), ("http://example.org", "http://example.org"),
    ("javascript:alert(1)", None), (" javascript:alert(1)", None), ("JAVASCRIPT:alert(1)", None),
    ("java\tscript:alert(1)", None), ("data:text/html,x", None), ("vbscript:x", None), ("//evil.example/", None),
    ("/relative", None), ("https://", None), ("https:///path", None), ("file:///etc/passwd", None),
    ("https://example.org/\nx", None), ("", None), (None, None), ("http://[::1", None)])
def test_safe_href(url, expected):
    assert present.safe_href(url) == expected


def test_mark_only_keeps_only_mark():
    assert present.mark_only('a <mark>b</mark> <script>x</script> <mark class="x">') == \
        'a <mark>b</mark> &lt;script&gt;x&lt;/script&gt; &lt;mark class=&quot;x&quot;&gt;'
