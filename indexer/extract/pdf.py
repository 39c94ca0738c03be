"""PDF reports: text per page with pypdf, metadata title and date; no text layer is kept and flagged."""

from __future__ import annotations

import io
import logging
import re
import warnings
from urllib.parse import unquote, urlsplit

from .dates import valid_date
from .page import ParsedPage
from .text import clean_lines, normalise_space

logger = logging.getLogger(__name__)

_PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?")
_JUNK_TITLE = re.compile(r"^(untitled|microsoft (word|powerpoint)\b.*|document\d*|title|slide \d+|"
                         r".*\.(docx?|pptx?|indd|pdf|rtf))$", re.I)


class PDFError(Exception):
    """The bytes are not a readable PDF (broken, encrypted, or not a PDF at all)."""


def pdf_date(raw) -> str | None:
    """ISO date from a PDF date string such as D:20140312093000Z, or None when it is not a real date."""
    if not raw:
        return None
    match = _PDF_DATE.match(str(raw).strip())
    if not match:
        return None
    return valid_date(int(match.group(1)), int(match.group(2) or 0), int(match.group(3) or 0))


def title_from_url(url: str) -> str:
    name = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
    name = re.sub(r"\.pdf$", "", name, flags=re.I)
    return normalise_space(re.sub(r"[-_]+", " ", name)).capitalize()


def _reader(body: bytes):
    from pypdf import PdfReader  # imported here: HTML-only use of the package never pays for it
    reader = PdfReader(io.BytesIO(body), strict=False)
    if reader.is_encrypted:
        try:
            ok = reader.decrypt("")
        except Exception as exc:  # pypdf raises several types for unsupported encryption
            raise PDFError(f"encrypted PDF: {exc}") from exc
        if not ok:
            raise PDFError("encrypted PDF: a password is needed")
    return reader


def _metadata(reader) -> dict:
    try:
        info = reader.metadata or {}
        return {str(k): str(v) for k, v in info.items()}
    except Exception:
        return {}


def _page_texts(reader) -> list[str]:
    texts = []
    for page in reader.pages:
        try:
            texts.append(page.extract_text() or "")
        except Exception as exc:
            logger.debug("page text unreadable: %s", exc)
            texts.append("")
    return texts


def parse_pdf(body: bytes, url: str) -> ParsedPage:
    pypdf_logger = logging.getLogger("pypdf")
    level = pypdf_logger.level
    pypdf_logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                reader = _reader(body)
                metadata = _metadata(reader)
                raw_pages = _page_texts(reader)
            except PDFError:
                raise
            except RecursionError as exc:
                raise PDFError("broken PDF: too deeply nested") from exc
            except Exception as exc:
                raise PDFError(f"broken PDF: {type(exc).__name__}: {exc}"[:200]) from exc
    finally:
        pypdf_logger.setLevel(level)
    if not raw_pages:
        raise PDFError("broken PDF: no pages")
    pages = tuple("\n".join(clean_lines(p.split("\n"))) for p in raw_pages)
    lines = [line for p in pages for line in p.split("\n") if line]
    flags = () if any(p.strip() for p in pages) else ("no-text",)
    meta_title = normalise_space(metadata.get("/Title", ""))
    if meta_title and not _JUNK_TITLE.match(meta_title):
        title, source = meta_title, "pdf-metadata"
    elif lines and not flags:
        title, source = lines[0][:300], "first-line"
    else:
        title, source = title_from_url(url), "url"
    when = pdf_date(metadata.get("/CreationDate")) or pdf_date(metadata.get("/ModDate"))
    meta = {k.lstrip("/").lower(): v for k, v in metadata.items()}
    return ParsedPage(url=url, content_type="application/pdf", lines=lines, title=title, title_source=source,
                      meta=meta, pages=pages, pdf_date=when, flags=flags)
