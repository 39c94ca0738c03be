"""Local files (HTML, PDF, plain text, or folders of them) into the corpus, as a crawl would store them."""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import quote

from .corpus_store import CorpusStore, CorruptEntry
from .urls import ASSETS_HOST, PAGE_HOSTS

logger = logging.getLogger(__name__)

SUFFIXES = {".html", ".htm", ".xhtml", ".pdf", ".txt", ".text", ""}
MAX_FILE_BYTES = 200 * 1024 * 1024
SITE_HOSTS = PAGE_HOSTS | {ASSETS_HOST}


@dataclass
class IngestReport:
    files: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        skipped = sum(self.skipped.values())
        return (f"ingested {self.files} files: {self.new} new, {self.changed} changed, "
                f"{self.unchanged} unchanged" + (f", {skipped} skipped" if skipped else ""))


def url_for_file(path: Path) -> str:
    """A site URL when the file sits in a mirror folder named after a site host, else a file: URL."""
    parts = path.resolve().parts
    for i, part in enumerate(parts):
        if part.lower() in SITE_HOSTS:
            rest = list(parts[i + 1:])
            if rest and rest[-1].lower() in ("index.html", "index.htm"):
                rest = rest[:-1]
            return f"https://{part.lower()}/" + "/".join(quote(p) for p in rest)
    return path.resolve().as_uri()


def content_type_for(path: Path, head: bytes) -> str:
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    guess, _ = mimetypes.guess_type(path.name)
    return guess or ("text/html" if b"<html" in head.lower() else "text/plain")


def iter_files(paths):
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            yield from (p for p in sorted(path.rglob("*")) if p.is_file() and not p.name.startswith("."))
        else:
            yield path


def ingest_paths(paths, corpus_dir: Path, progress=None) -> IngestReport:
    # Not flushed to the disk file by file (the files ingested are still there to be ingested again),
    # but once at the end: a finished ingest is on the disk.
    store = CorpusStore(corpus_dir, durable=False)
    report = IngestReport()
    for path in iter_files(paths):
        if path.suffix.lower() not in SUFFIXES:
            report.skipped["unsupported file type"] = report.skipped.get("unsupported file type", 0) + 1
            logger.info("skipping %s: not HTML, PDF or text", path)
            continue
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                raise OSError(f"larger than {MAX_FILE_BYTES // 2**20} MB")
            body = path.read_bytes()
        except OSError as exc:
            report.skipped["unreadable"] = report.skipped.get("unreadable", 0) + 1
            logger.warning("cannot read %s: %s", path, exc)
            continue
        report.files += 1
        url = url_for_file(path)
        try:
            old = store.get(url)
            known = old is not None
        except CorruptEntry as exc:   # e.g. its last write lost to a power cut: written again
            logger.warning("rewriting a damaged corpus entry: %s", exc)
            old, known = None, True
        if old is not None and old.sha256 == hashlib.sha256(body).hexdigest() and store.has_body(old):
            report.unchanged += 1
            continue
        store.put(url, body, content_type=content_type_for(path, body[:1024]),
                          final_url=url, source="ingest")
        if known:
            report.changed += 1
        else:
            report.new += 1
    if report.new or report.changed:
        os.sync()
    return report
