"""Bad input never escapes as anything but ExtractionError, and repairable text is kept."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.extract import ExtractionError, extract, sniff

URL = "https://hmicfrs.justiceinspectorates.gov.uk/news/news-feed/story/"
PAGE = ("<!DOCTYPE html><html><head><meta charset='utf-8'><title>Kent Police custody - HMICFRS</title></head>"
        "<body><main><h1>Kent Police custody</h1><p>Published on: 2 March 2020</p>"
        "<p>HM Inspector of Constabulary Zoë Billingham said: good.</p></main></body></html>").encode()


@pytest.mark.parametrize("body, reason", [
    (b"", "empty"),
    (b"   \n\t  ", "empty"),
    (b"\x00\x01\x02\x03\x04\x05" * 100, "binary"),
    (bytes(range(256)) * 8, "binary"),
    (b"<html><head></head><body></body></html>", "empty"),
    (b"<html><body><nav><a href='/'>Home</a></nav></body></html>", "empty"),
])
def test_input_without_a_document(body, reason):
    with pytest.raises(ExtractionError) as info:
        extract(body, URL)
    assert str(info.value).startswith(reason)


def test_undecodable_bytes_are_repaired_not_raised():
    body = "Kent Police custody\nSome text about the force’s custody suites.".encode("utf-8") + b"\xff\xfe\xfa"
    doc = extract(body, URL, "text/plain")
    assert doc.title == "Kent Police custody"
    assert "decoding-repaired" in doc.flags


def test_latin1_page_with_meta_charset():
    body = PAGE.decode().replace("utf-8", "iso-8859-1").replace("Zoë", "Zoë").encode("latin-1")
    doc = extract(body, URL)
    assert doc.inspectors == ("Zoë Billingham",)


def test_cp1252_without_declaration_is_decoded():
    body = "Kent Police custody\nThe force’s custody suites – said nothing.".encode("cp1252")
    doc = extract(body, URL)
    assert "force’s" in doc.body


def test_utf16_with_bom():
    doc = extract("\ufeffKent Police custody\nText.".encode("utf-16"), URL)
    assert doc.title == "Kent Police custody"


@pytest.mark.parametrize("body, content_type, kind", [
    (PAGE, None, "html"),
    (PAGE, "text/plain", "html"),
    (b"%PDF-1.4 ...", "text/html", "pdf"),
    (b"Just some text\nwith lines", "application/octet-stream", "text"),
    (b"\x00\x00\x00binary", None, "binary"),
])
def test_sniff_on_content(body, content_type, kind):
    assert sniff(body, content_type) == kind


def _extract_or_error(body: bytes, url: str = URL):
    try:
        return extract(body, url)
    except ExtractionError:
        return None


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4000))
def test_random_bytes_raise_only_extraction_error(body):
    _extract_or_error(body)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(PAGE) - 1), st.integers(0, 255)), max_size=30),
       st.integers(0, len(PAGE)))
def test_mutated_html_raises_only_extraction_error(edits, cut):
    body = bytearray(PAGE)
    for position, value in edits:
        body[position] = value
    _extract_or_error(bytes(body[:cut] if cut else body))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=3000))
def test_pdf_header_then_random_bytes(body):
    _extract_or_error(b"%PDF-1.4\n" + body, "https://example.org/x.pdf")


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=2000))
def test_random_text_raises_only_extraction_error(text):
    _extract_or_error(text.encode("utf-8", "surrogatepass"))
