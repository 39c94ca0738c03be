"""The Flask app through its test client: HTML asserted through its parsed structure, JSON through its shape."""

import csv
import io
import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup

ATOM = "{http://www.w3.org/2005/Atom}"


def soup(response):
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_api_search_shape_and_facets(client):
    data = client.get("/api/search?q=custody&force=Kent+Police").get_json()
    assert data["total"] == 3 and data["query"] == "custody"
    assert {f["value"] for f in data["facets"]["force"]} >= {"Kent Police", "Essex Police", "Gwent Police"}


def test_search_page_renders_hits_facets_and_description(client):
    page = soup(client.get("/?q=custody&force=Kent+Police"))
    assert page.select_one("h2.description").get_text() == "3 documents about Kent Police matching “custody”"
    assert len(page.select("li.hit")) == 3
    legends = [fs.legend.get_text(" ", strip=True) for fs in page.select("fieldset.facet")]
    assert legends[0].startswith("Force or service") and "Published between" in legends
    kent = page.select_one('input[name=force][value="Kent Police"]')
    assert kent.has_attr("checked")
    label = page.find("label", attrs={"for": kent["id"]})
    assert label.select_one(".count")["data-count"] == "3"
    assert page.select_one("a.remove-filter").get_text() == "Remove filter Force or service: Kent Police"


def test_description_names_types_years_and_dates(client):
    page = soup(client.get("/?q=custody&type=news+release&from=2014-01-01&to=2016-12-31"))
    assert page.select_one("h2.description").get_text() == \
        "2 news releases from 2014-01-01 to 2016-12-31 matching “custody”"


def test_crawled_markup_and_query_are_escaped(client):
    page = client.get('/?q=<script>alert(1)</script>safe').get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    html = client.get("/?q=safe").get_data(as_text=True)
    assert "<b>safe</b>" not in html and "<mark>safe</mark>" in html


@pytest.mark.parametrize("query", ["from=2020-02-30", "per_page=500", "page=0", "sort=best", "year=abc",
                                   "from=2020-01-01&to=2019-01-01", "q=" + "x" * 600])
def test_invalid_parameters_give_400_with_a_message(client, query):
    api = client.get("/api/search?" + query)
    assert api.status_code == 400 and api.get_json()["error"]
    page = client.get("/?" + query)
    assert page.status_code == 400
    assert soup(page).select_one(".error-summary p").get_text()
    for export in ("/search.csv?", "/search.atom?"):
        assert client.get(export + query).status_code == 400


def test_no_results_suggest_a_spelling_and_a_filter_to_drop(client):
    page = soup(client.get("/?q=custdy"))
    assert page.select_one("a.suggestion").get_text() == "custody"
    page = soup(client.get("/?q=emergencies&force=Kent+Police"))
    hints = [a.get_text() for a in page.select(".no-results li a")]
    assert hints == ["Remove Force or service: Kent Police"]


def test_pagination_links(client):
    page = soup(client.get("/?per_page=3"))
    nav = page.select_one("nav.pagination")
    assert nav.select_one("[aria-current=page]").get_text() == "Page 1"
    assert "page=2" in nav.select_one("a[rel=next]")["href"]


def test_document_page_and_api(client):
    page = soup(client.get("/documents/k1"))
    assert page.h1.get_text() == "Kent Police custody inspection"
    assert page.select_one("a.source-link")["href"].endswith("/test/k1/")
    assert "Kent Police" in page.select_one("#timeline-heading").get_text()
    data = client.get("/api/documents/k1").get_json()
    assert data["id"] == "k1" and data["body"].startswith("Custody suites")
    related = client.get("/api/documents/k1/related").get_json()
    assert set(related) == {"id", "related", "parent", "reports", "timeline"}


@pytest.mark.parametrize("path", ["/documents/nope", "/api/documents/nope", "/api/documents/nope/related",
                                  "/documents/..%2F..%2Fetc%2Fpasswd", "/api/documents/" + "a" * 65])
def test_unknown_documents_are_404(client, path):
    assert client.get(path).status_code == 404


def test_csv_has_one_row_per_match_and_neutralises_formulas(client, index_dir, docs):
    from conftest import write_index
    write_index(index_dir, [docs[0].replace(id="f1", title="=HYPERLINK(\"http://evil\")", body="custody",
                                            url="https://hmicfrs.justiceinspectorates.gov.uk/f1/")])
    client.application.extensions["search_index"].refresh_seconds = 0
    response = client.get("/search.csv?q=custody")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert len(rows) == client.get("/api/search?q=custody").get_json()["total"] == 6
    assert any(r["title"].startswith("'=HYPERLINK") for r in rows)


def test_atom_feed_parses_newest_first(client):
    root = ET.fromstring(client.get("/search.atom?q=custody").get_data())
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 5
    dates = [e.find(f"{ATOM}updated").text for e in entries[:-1]]
    assert dates == sorted(dates, reverse=True)


def test_healthz_and_openapi(client):
    health = client.get("/healthz").get_json()
    assert health["status"] == "ok" and health["documents"] == 8 and "last_update" in health
    spec = client.get("/api/openapi.json").get_json()
    assert {"/api/search", "/api/documents/{doc_id}", "/search.csv", "/search.atom", "/healthz"} <= set(spec["paths"])


def test_security_headers(client):
    headers = client.get("/").headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_never_debug(app):
    assert app.debug is False
