"""Security: opaque ids (no path traversal), neutralised CSV formulas, escaped HTML and Atom, a crawler that
fetches only http(s) on the profile's hosts, and hardening headers on every kind of response."""

import csv
import io
import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup

from conftest import make_docs, write_index
from indexer.crawl import run_crawl
from indexer.fetch import Fetcher
from indexer.record import Document
from mock_site import MockSite, fast_profile, page_html

FORMULAS = ["=HYPERLINK(\"http://evil.example/\",\"x\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)",
            "\t=1+1", "\r=1+1"]
HOSTILE = '<script>alert("x")</script> ]]> &amp; <img src=x onerror=alert(1)>'


@pytest.fixture
def hostile_app(tmp_path):
    docs = make_docs()
    for n, formula in enumerate(FORMULAS):
        docs.append(Document(id=f"f{n}", url=f"https://hmicfrs.justiceinspectorates.gov.uk/f{n}/",
                             title=formula + " custody", body=f"custody {HOSTILE}", published="2020-01-0{}".format(
                                 n + 1), type="news release", forces=(formula,), inspectors=("=evil()",),
                             content_hash=f"h{n}"))
    docs.append(Document(id="x1", url="https://hmicfrs.justiceinspectorates.gov.uk/x1/", title=HOSTILE,
                         body="custody " + HOSTILE, published="2021-05-05", type="report", forces=(HOSTILE,),
                         content_hash="hx"))
    from webapp import create_app
    return create_app({"INDEX_DIR": str(write_index(tmp_path / "index", docs)), "TESTING": True})


@pytest.fixture
def hclient(hostile_app):
    return hostile_app.test_client()


# ---- ids are opaque --------------------------------------------------------------------------------
TRAVERSALS = ["..", "...", "../CURRENT", "..%2F..%2Fetc%2Fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
              "....//....//etc//passwd", "..\\..\\windows\\win.ini", "%00", "k1%00", "k1%2F..", "gen-000001",
              "status.json", "writer.lock", "CURRENT", "/etc/passwd", "%252e%252e%252f", "k1;rm -rf /", "k1'--",
              "*", "k*", "id:k1", "a" * 65, "é", "%C0%AE%C0%AE%2F", "~root"]


@pytest.mark.parametrize("doc_id", TRAVERSALS)
@pytest.mark.parametrize("template", ["/documents/{}", "/api/documents/{}", "/api/documents/{}/related"])
def test_document_ids_cannot_reach_outside_the_index(hclient, template, doc_id):
    response = hclient.get(template.format(doc_id))
    assert response.status_code in (404, 400, 308), response.status_code
    body = response.get_data(as_text=True)
    assert "root:" not in body and "[extensions]" not in body and "gen-" not in body


def test_real_ids_still_work(hclient):
    assert hclient.get("/documents/k1").status_code == 200
    assert hclient.get("/api/documents/k1").get_json()["id"] == "k1"


def test_the_reader_treats_ids_as_terms_not_paths(tmp_path):
    from indexer.search import SearchIndex
    index = write_index(tmp_path / "index", make_docs())
    (tmp_path / "secret.txt").write_text("secret")
    reader = SearchIndex(index)
    for doc_id in ("../secret.txt", "../../secret", str(tmp_path / "secret.txt"), "*", "k*"):
        assert reader.document(doc_id) is None and reader.related(doc_id) is None
    reader.close()


# ---- exports and escaping --------------------------------------------------------------------------
def test_csv_formula_injection_is_neutralised(hclient):
    response = hclient.get("/search.csv?q=custody")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    cells = [cell for row in rows[1:] for cell in row]
    assert len(rows) > len(FORMULAS)
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    titles = {row[1] for row in rows[1:]}
    assert "'" + FORMULAS[0] + " custody" in titles  # kept readable, only neutralised


def test_atom_escapes_what_the_site_sent(hclient):
    response = hclient.get("/search.atom?q=custody")
    feed = ET.fromstring(response.get_data())  # well-formed XML despite ]]>, <script> and &
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.text for e in feed.findall("a:entry/a:title", ns)]
    assert HOSTILE in titles
    assert b"<script>" not in response.get_data()


@pytest.mark.parametrize("path", ["/?q=custody", "/documents/x1", "/?q=%3Cscript%3Ealert(1)%3C/script%3E",
                                  "/?q=custody&force=%3Cscript%3Ealert(1)%3C%2Fscript%3E"])
def test_html_never_carries_markup_from_data_or_query(hclient, path):
    soup = BeautifulSoup(hclient.get(path).get_data(as_text=True), "html.parser")
    assert not [s for s in soup.find_all("script") if not s.get("src")]
    assert not soup.find_all("img", onerror=True)
    assert not [tag for tag in soup.find_all(True) if any(a.startswith("on") for a in tag.attrs)]


def test_api_snippets_carry_only_mark(hclient):
    for hit in hclient.get("/api/search?q=custody&per_page=100").get_json()["hits"]:
        assert "<script" not in hit["snippet"] and "<img" not in hit["snippet"]


# ---- headers on every kind of response -------------------------------------------------------------
@pytest.mark.parametrize("path", ["/", "/?q=custody", "/documents/k1", "/documents/nope", "/api/search?q=custody",
                                  "/api/search?page=0", "/api/documents/k1", "/api/documents/nope",
                                  "/api/documents/k1/related", "/search.csv?q=custody", "/search.atom?q=custody",
                                  "/search.csv?from=bad", "/healthz", "/api/openapi.json", "/no/such/page"])
def test_hardening_headers_everywhere(hclient, path):
    response = hclient.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp and "object-src 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.status_code < 500
    assert "Traceback" not in response.get_data(as_text=True)


def test_bounded_parameters(hclient):
    assert hclient.get("/api/search?per_page=101").status_code == 400
    assert hclient.get("/api/search?q=" + "a" * 501).status_code == 400
    assert hclient.get("/api/search?page=10001").status_code == 400
    assert hclient.get("/api/search?force=" + "x" * 201).status_code == 400


# ---- the crawler fetches only http(s) on the profile's hosts ----------------------------------------
def test_the_crawler_never_fetches_other_schemes_or_hosts(tmp_path, monkeypatch):
    requested: list[str] = []
    real_request = Fetcher._request

    def recording(self, url, headers, kind, result):
        requested.append(url)
        return real_request(self, url, headers, kind, result)
    monkeypatch.setattr(Fetcher, "_request", recording)

    hostile_links = [("file:///etc/passwd", "a file"), ("javascript:alert(1)", "script"),
                     ("ftp://127.0.0.1/pub/report.pdf", "ftp"), ("gopher://127.0.0.1:70/", "gopher"),
                     ("data:text/html,<h1>x</h1>", "data"), ("mailto:someone@example.org", "mail"),
                     ("http://off-site.invalid/news/news-feed/x/", "off host"),
                     ("https://www.example.com/publications/x/", "another site"),
                     ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
                     ("http://[::1]:1/news/", "another loopback port"), ("//evil.example/news/", "scheme-relative"),
                     ("http://[bad/", "malformed"), ("http://127.0.0.1:99999/x/", "bad port")]
    with MockSite(faults=frozenset()) as site:
        site.put("/news/news-feed/release-0/", page_html("Hostile links", ["links everywhere"], hostile_links))
        site.put("/news/news-feed/redirect-to-file/", b"", content_type="text/html")
        site.put("/news/news-feed/faults/", page_html("f", [], [("/news/news-feed/to-file/", "x"),
                                                                ("/news/news-feed/to-ftp/", "y")]))
        answer = site.answer

        def answer_with_hostile_redirects(server, handler, hit):
            from mock_site import _send
            if handler.path == "/news/news-feed/to-file/":
                return _send(handler, hit, 302, b"", "text/plain", {"Location": "file:///etc/passwd"})
            if handler.path == "/news/news-feed/to-ftp/":
                return _send(handler, hit, 301, b"", "text/plain", {"Location": "ftp://127.0.0.1/x"})
            return answer(server, handler, hit)
        site.answer = answer_with_hostile_redirects
        report = run_crawl(tmp_path / "corpus", base_url=site.base, profile=fast_profile())
        allowed = {site.base.split("//")[1], site.assets.split("//")[1]}
    assert report.fetched > 5 and requested
    for url in requested:
        scheme, rest = url.split("://", 1)
        assert scheme == "http" and rest.split("/")[0] in allowed, url
    assert report.skipped.get("scheme", 0) + report.skipped.get("off-host", 0) >= 3
