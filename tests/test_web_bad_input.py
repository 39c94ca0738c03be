"""Malformed queries and bad parameters: never a 5xx; invalid parameters are a 400 with a message."""

from urllib.parse import quote

import pytest
from bs4 import BeautifulSoup

ENDPOINTS = ("/", "/api/search", "/search.csv", "/search.atom")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """One app for the whole table (the cases only read)."""
    from conftest import make_docs, write_index
    from webapp import create_app
    index_dir = write_index(tmp_path_factory.mktemp("bad-input") / "index", make_docs())
    return create_app({"INDEX_DIR": str(index_dir), "TESTING": True}).test_client()

# Odd but valid: the query language is forgiving, so these search (200) rather than fail.
ODD_QUERIES = [
    '"', '""', '"""', '"unbalanced phrase', 'custody"', "'", "''", "(", ")", "((custody", "custody))", "()",
    "(custody OR", "AND", "OR", "NOT", "custody AND", "AND OR NOT", "NOT NOT custody", "custody AND AND Kent",
    "field:", "force:", ":", "::", ":custody", "title:", "title:(", "nosuchfield:custody", "inspector:\"",
    "*", "**", "?", "custod*", "*ody", "c?st*y", "~", "custody~", "custody~2", "custody^", "custody^abc", "^2",
    "[", "]", "[a TO", "{", "}", "[2014 TO 2016]", "published:[2014 TO]", "\\", "\\\\", "custody\\", "/", "//",
    "&&", "||", "!", "-custody", "+custody", "<", ">", "<script>alert(1)</script>", "%", "%00", "%%",
    "Zoë", "ÆØÅ", "日本語", "العربية", "🚓🚒", "\u200b", "\ufeff", "\u202e", "\U0001f600" * 100, "a" * 500,
    "custody " * 60, " " * 400, "\t\n", "x" * 499 + "é", "1e308", "-1", "9" * 400,
]

# (query string, endpoint applies): each is invalid, so every endpoint answers 400 with a message.
INVALID = [
    "q=" + "x" * 501, "q=%00", "q=a%00b", "q=a&q=b", "sort=best", "sort=NEWEST", "sort=newest&sort=oldest",
    "page=0", "page=-1", "page=abc", "page=1.5", "page=99999999999999999999", "page=1e3", "page=%00", "page=1&page=2",
    "per_page=0", "per_page=-5", "per_page=101", "per_page=1000", "per_page=abc", "per_page=9" * 1,
    "per_page=1&per_page=2", "from=2020-02-30", "from=2020-13-01", "from=20200101", "from=2020/01/01",
    "from=yesterday", "from=0000-00-00", "from=2020-1-1", "to=2020-02-30", "to=abc", "from=2020-01-01&to=2019-01-01",
    "from=2020-01-01&from=2020-02-01", "from=%00", "year=abc", "year=20", "year=20201", "year=2020-01",
    "year=" + "9" * 300, "force=" + "x" * 201, "force=a%00b", "type=" + "y" * 201,
    "&".join(f"force=f{n}" for n in range(51)), "&".join(f"year={2000 + n}" for n in range(51)),
]
INVALID = [case for case in INVALID if case != "per_page=9"]

# Valid parameters with odd values: unknown parameters are ignored, empty ones mean "not given".
ODD_BUT_VALID = [
    "", "q=", "q=+", "sort=", "page=", "per_page=", "from=", "to=", "sort=relevance", "sort=newest", "sort=oldest",
    "page=10000", "per_page=100", "per_page=1", "page=+2", "force=", "force=Nowhere+Constabulary",
    "force=%3Cscript%3E", "region=Atlantis", "inspector=Nobody", "type=nothing", "year=1066", "year=2014&year=2014",
    "unknown=1", "callback=alert", "q[]=x", "from=1900-01-01&to=2999-12-31", "from=2016-01-01&to=2016-01-01",
    "force=Kent+Police&force=Kent+Police", "%ff=%ff", "q=%ff%fe",
]


def _get(client, path, query):
    return client.get(f"{path}?{query}" if query else path)


def test_there_are_more_than_fifty_cases():
    assert len(ODD_QUERIES) >= 50 and len(INVALID) >= 40 and len(ODD_BUT_VALID) >= 25


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("q", ODD_QUERIES, ids=lambda q: repr(q[:20]))
def test_odd_queries_search_or_explain_never_fail(client, path, q):
    response = _get(client, path, "q=" + quote(q, safe=""))
    assert response.status_code in (200, 400), response.get_data(as_text=True)[:300]
    if response.status_code == 400:
        _assert_error_body(response, path)
    if path == "/" and response.status_code == 200:
        assert "<script>alert(1)</script>" not in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("query", INVALID, ids=lambda q: q[:30])
def test_invalid_parameters_are_400_with_a_message(client, path, query):
    response = _get(client, path, query)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    _assert_error_body(response, path)


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("query", ODD_BUT_VALID, ids=lambda q: q[:30] or "empty")
def test_odd_but_valid_parameters_are_answered(client, path, query):
    assert _get(client, path, query).status_code == 200


def _assert_error_body(response, path):
    if path == "/":
        page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        summary = page.select_one(".error-summary")
        assert summary and summary.select_one("p").get_text(strip=True)
        assert page.select_one("form#search-form"), "the form stays so the search can be corrected"
    else:
        assert response.mimetype == "application/json"
        assert response.get_json()["error"]


def test_an_invalid_date_keeps_the_rest_of_the_search_and_points_at_the_field(client):
    response = client.get("/?q=custody&force=Kent+Police&from=2020-02-30")
    assert response.status_code == 400
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    link = page.select_one(".error-summary a[href='#from']")
    assert "From" in link.get_text() and "2020-02-30" in link.get_text()
    assert page.select_one("#from")["aria-invalid"] == "true"
    assert page.select_one("#from-error").get_text(strip=True)
    assert page.select_one("#q")["value"] == "custody"
    assert page.select_one('input[name=force][value="Kent Police"]').has_attr("checked")
    assert page.select_one("h2.description").get_text() == "3 documents about Kent Police matching “custody”"


def test_from_after_to_is_explained_on_the_to_field(client):
    page = BeautifulSoup(client.get("/?from=2020-01-01&to=2019-01-01").get_data(as_text=True), "html.parser")
    assert "after" in page.select_one("#to-error").get_text()
    assert page.select_one("#from")["value"] == "2020-01-01"


def test_an_invalid_query_keeps_the_text_and_shows_no_results(client):
    response = client.get("/?q=" + "x" * 600)
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert response.status_code == 400
    assert page.select_one("#q")["aria-invalid"] == "true" and len(page.select_one("#q")["value"]) == 500
    assert not page.select("li.hit")


def test_very_long_urls_are_refused_without_a_5xx(client):
    response = client.get("/api/search?q=" + "x" * 20000)
    assert response.status_code in (400, 414)
