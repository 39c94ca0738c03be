"""HTML extraction: golden pages with expected fields and must/must-not-contain text, and small tables."""

import json
from pathlib import Path

import pytest

from indexer.extract import extract
from indexer.urls import document_id

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.stem for p in GOLDEN.glob("*.html"))


@pytest.mark.parametrize("name", CASES)
def test_golden_page(name):
    spec = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    doc = extract((GOLDEN / f"{name}.html").read_bytes(), spec["given_url"])
    record = doc.metadata()
    for field, expected in spec["expected"].items():
        assert record[field] == expected, field
    assert doc.id == document_id(doc.url)
    if "body" in spec:   # the text exactly as read: line breaks, whitespace, what counts as text
        assert doc.body == spec["body"]
    for text in spec.get("must_contain", []):
        assert text in doc.body, text
    for text in spec.get("must_not_contain", []):
        assert text not in doc.body, text


@pytest.mark.parametrize("title, expected", [
    ("Kent 2016 - HMICFRS", "Kent 2016"),
    ("Kent 2016 | HMIC", "Kent 2016"),
    ("Kent 2016 – HM Inspectorate of Constabulary and Fire & Rescue Services", "Kent 2016"),
    ("Kent 2016 - HMICFRS - Justice Inspectorates", "Kent 2016"),
    ("Policing - a review", "Policing - a review"),
])
def test_title_without_site_suffix(title, expected):
    page = f"<html><head><title>{title}</title></head><body><main><p>Some text.</p></main></body></html>"
    assert extract(page.encode(), "https://hmicfrs.justiceinspectorates.gov.uk/x/").title == expected


@pytest.mark.parametrize("canonical, given, expected_url, alternates", [
    ("https://www.justiceinspectorates.gov.uk/hmicfrs/news/news-feed/a/",
     "https://hmicfrs.justiceinspectorates.gov.uk/news/news-feed/a/?utm_source=x",
     "https://hmicfrs.justiceinspectorates.gov.uk/news/news-feed/a/",
     ("https://hmicfrs.justiceinspectorates.gov.uk/news/news-feed/a/?utm_source=x",)),
    ("https://elsewhere.example.com/copied/",
     "https://hmicfrs.justiceinspectorates.gov.uk/news/news-feed/a/",
     "https://hmicfrs.justiceinspectorates.gov.uk/news/news-feed/a/", ()),
    (None, "https://hmicfrs.justiceinspectorates.gov.uk/news/news-feed/a/",
     "https://hmicfrs.justiceinspectorates.gov.uk/news/news-feed/a/", ()),
])
def test_identity_from_canonical(canonical, given, expected_url, alternates):
    link = f'<link rel="canonical" href="{canonical}">' if canonical else ""
    page = f"<html><head><title>A</title>{link}</head><body><p>Text.</p></body></html>"
    doc = extract(page.encode(), given)
    assert (doc.url, doc.alternate_urls, doc.id) == (expected_url, alternates, document_id(expected_url))


def test_legacy_prefixes_are_one_document():
    page = b"<html><head><title>A</title></head><body><p>Text about Kent Police.</p></body></html>"
    urls = ["https://hmicfrs.justiceinspectorates.gov.uk/publications/a/",
            "https://www.justiceinspectorates.gov.uk/hmicfrs/publications/a",
            "http://www.justiceinspectorates.gov.uk/hmic/publications/a/"]
    assert len({extract(page, u).id for u in urls}) == 1


def test_release_links_to_its_publication_page():
    page = ("<html><head><title>Kent Police custody</title></head><body><main><h1>Kent Police custody</h1>"
            "<p>Text.</p><h2>Get the report</h2>"
            '<p><a href="https://www.justiceinspectorates.gov.uk/hmicfrs/publications/kent-custody/">Kent custody</a></p>'
            '<h2>Related</h2><p><a href="/publications/other-thing/">Other</a></p>'
            "</main></body></html>")
    doc = extract(page.encode(), "https://hmicfrs.justiceinspectorates.gov.uk/news/news-feed/kent-custody/")
    assert doc.report_links == ("https://hmicfrs.justiceinspectorates.gov.uk/publications/kent-custody/",)
