"""One identity per document across the site's current and legacy addresses."""

import pytest

from indexer.urls import document_id, normalise_url

SAME_RELEASE = [
    "https://hmicfrs.justiceinspectorates.gov.uk/news/releases/northamptonshire-child-protection/",
    "http://www.justiceinspectorates.gov.uk/hmicfrs/news/releases/northamptonshire-child-protection/",
    "https://www.justiceinspectorates.gov.uk/hmic/news/releases/northamptonshire-child-protection",
    "https://hmicfrs.justiceinspectorates.gov.uk/news/releases/northamptonshire-child-protection/?utm_source=x#top",
    "http://127.0.0.1:8080/hmicfrs/news/releases/northamptonshire-child-protection/",
]


def test_legacy_and_current_addresses_share_an_id():
    ids = {document_id(u) for u in SAME_RELEASE}
    assert len(ids) == 1
    assert normalise_url(SAME_RELEASE[1]) == SAME_RELEASE[0]


@pytest.mark.parametrize("url, expected", [
    ("https://assets-hmicfrs.justiceinspectorates.gov.uk/uploads/report.pdf",
     "https://assets-hmicfrs.justiceinspectorates.gov.uk/uploads/report.pdf"),
    ("https://hmicfrs.justiceinspectorates.gov.uk/frs-assessment/frs-2018/essex/effectiveness/?",
     "https://hmicfrs.justiceinspectorates.gov.uk/frs-assessment/frs-2018/essex/effectiveness/"),
    ("https://hmicfrs.justiceinspectorates.gov.uk//publications/a/../b", "https://hmicfrs.justiceinspectorates.gov.uk/publications/b/"),
    ("file:///tmp/x.html", "file:///tmp/x.html"),
])
def test_normalise(url, expected):
    assert normalise_url(url) == expected


def test_different_documents_differ():
    assert document_id("https://hmicfrs.justiceinspectorates.gov.uk/a/") != document_id(
        "https://hmicfrs.justiceinspectorates.gov.uk/b/")
    assert len(document_id("x")) == 16
