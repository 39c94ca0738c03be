"""PDF reports made with fpdf2: text per page, metadata, no text layer, broken and encrypted files."""

from datetime import datetime, timezone

import pytest
from fpdf import FPDF

from indexer.extract import ExtractionError, extract
from indexer.record import REPORT, join_pages

URL = "https://assets-hmicfrs.justiceinspectorates.gov.uk/uploads/kent-peel-2016.pdf"


def make_pdf(pages, title=None, created=None, encrypt=None) -> bytes:
    pdf = FPDF()
    if title:
        pdf.set_title(title)
    if created:
        pdf.set_creation_date(created)
    pdf.set_font("helvetica", size=12)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 8, text)
        else:
            pdf.rect(20, 20, 100, 60, style="F")    # a page with marks but no text layer
    if encrypt:
        pdf.set_encryption(owner_password="owner", user_password=encrypt)
    return bytes(pdf.output())


@pytest.fixture(scope="module")
def report_pdf() -> bytes:
    return make_pdf(
        ["Kent Police: PEEL 2016\nAn inspection of Kent Police.",
         "HM Inspector of Constabulary Zoe Billingham said: the force is good.",
         "Annex A: methodology"],
        title="Kent Police: PEEL 2016",
        created=datetime(2016, 3, 3, 9, 30, tzinfo=timezone.utc))


def test_pdf_text_per_page(report_pdf):
    doc = extract(report_pdf, URL, "application/pdf")
    assert len(doc.pages) == 3
    assert "methodology" in doc.pages[2] and "methodology" not in doc.pages[0]
    assert doc.body == join_pages(doc.pages)
    assert doc.type == REPORT
    assert doc.content_type == "application/pdf"


def test_pdf_metadata_title_and_date(report_pdf):
    doc = extract(report_pdf, URL)
    assert doc.title == "Kent Police: PEEL 2016"
    assert (doc.published, doc.published_source) == ("2016-03-03", "pdf-metadata")


def test_pdf_fields(report_pdf):
    doc = extract(report_pdf, URL)
    assert doc.forces == ("Kent Police",)
    assert doc.regions == ("South East",)
    assert doc.inspectors == ("Zoë Billingham",)


def test_pdf_is_sniffed_not_named(report_pdf):
    doc = extract(report_pdf, "https://example.org/download?id=7", "application/octet-stream")
    assert len(doc.pages) == 3


def test_pdf_without_text_layer_is_kept_and_flagged():
    body = make_pdf(["", ""], title="Scanned letter to Gwent Police")
    doc = extract(body, "https://assets-hmicfrs.justiceinspectorates.gov.uk/uploads/scanned-letter.pdf")
    assert doc.flags == ("no-text",)
    assert doc.title == "Scanned letter to Gwent Police"
    assert doc.body.strip() == ""


def test_pdf_without_text_or_title_takes_title_from_url():
    doc = extract(make_pdf([""]), "https://assets-hmicfrs.justiceinspectorates.gov.uk/uploads/cumbria-letter-2019.pdf")
    assert doc.flags == ("no-text",)
    assert doc.title == "Cumbria letter 2019"


def test_pdf_title_falls_back_to_first_line():
    doc = extract(make_pdf(["Essex Police: Crime Data Integrity\nMore text"]), URL)
    assert doc.title == "Essex Police: Crime Data Integrity"


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.9])
def test_truncated_pdf_is_an_extraction_error_or_a_document(report_pdf, cut):
    body = report_pdf[: int(len(report_pdf) * cut)]
    try:
        doc = extract(body, URL)
    except ExtractionError as exc:
        assert str(exc).startswith("unreadable PDF")
    else:
        assert doc.id


def test_encrypted_pdf_needing_a_password_is_an_extraction_error():
    body = make_pdf(["Secret text"], encrypt="user-password")
    with pytest.raises(ExtractionError, match="encrypted"):
        extract(body, URL)


def test_encrypted_pdf_with_empty_user_password_is_read():
    body = make_pdf(["Readable text about Gwent Police"], encrypt="")
    doc = extract(body, URL)
    assert "Gwent Police" in doc.body


def test_pdf_header_with_garbage_is_an_extraction_error():
    with pytest.raises(ExtractionError, match="unreadable PDF"):
        extract(b"%PDF-1.4\n" + bytes(range(256)) * 20, URL)
