"""Corpus → records → index: the `index` command's work, incremental and crash-safe."""

from __future__ import annotations

import logging
import sys
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tqdm import tqdm

from . import index_writer as iw
from .corpus_store import CorpusStore, CorruptEntry, Entry, now_iso
from .extract import ExtractionError, extract
from .lock import writer_lock
from .record import REPORT, Document
from .urls import CURRENT_HOST

logger = logging.getLogger(__name__)


@dataclass
class IndexReport:
    rebuild: bool = False
    scanned: int = 0
    unchanged: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    relinked: int = 0
    failed: dict = field(default_factory=dict)
    corrupt: int = 0
    recovered: str | None = None   # why the live index could not be read and was rebuilt instead
    documents: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    def summary(self) -> str:
        failed = sum(self.failed.values())
        reasons = ", ".join(f"{k}: {v}" for k, v in sorted(self.failed.items()))
        return (f"{'rebuilt' if self.rebuild else 'indexed'}: {self.documents} documents "
                f"({self.added} new, {self.updated} changed, {self.removed} removed, "
                f"{self.unchanged} corpus entries unchanged) in {self.seconds:.1f}s"
                + (f"; {failed} failed ({reasons})" if failed else "")
                + (f"; {self.corrupt} corrupt corpus entries skipped" if self.corrupt else "")
                + (f"; rebuilt because {self.recovered}" if self.recovered else ""))


def signature(entry: Entry) -> str:
    """What an index run must notice about a corpus entry: its body and whether it went missing."""
    return f"{entry.key}:{entry.sha256}:{entry.missing_since or ''}"


def _key_of(sig: str) -> str:
    return sig.split(":", 1)[0]


def record_for(entry: Entry, body: bytes) -> Document:
    """Extract one corpus entry and attach its fetch metadata."""
    doc = extract(body, entry.final_url or entry.url, entry.content_type or None)
    return doc.replace(content_hash=entry.sha256, fetched=entry.fetched_at or None,
                       etag=entry.etag, last_modified=entry.last_modified,
                       content_type=doc.content_type or entry.content_type,
                       withdrawn=(entry.missing_since or "")[:10] or None)


def merge(records: list[Document]) -> Document:
    """One document from the records of its several addresses: the current host's, else the newest."""
    def rank(doc: Document):
        return (doc.withdrawn is None, CURRENT_HOST in doc.url, doc.fetched or "")
    best = max(records, key=rank)
    urls = {u for d in records for u in (d.url, *d.alternate_urls)} - {best.url}
    # A document is withdrawn only when every address of it is gone.
    withdrawn = best.withdrawn if all(d.withdrawn for d in records) else None
    return best.replace(alternate_urls=tuple(sorted(urls)), withdrawn=withdrawn)


def _progress(total: int, enabled: bool | None, desc: str):
    disable = not (sys.stderr.isatty() if enabled is None else enabled)
    return tqdm(total=total, desc=desc, unit="doc", disable=disable, leave=False)


def index_corpus(corpus_dir: Path, index_dir: Path, *, rebuild: bool = False,
                 progress: bool | None = None, lock_wait: float = 30.0,
                 batch_size: int = 500) -> IndexReport:
    """Bring the index up to date with the corpus; with `rebuild`, build afresh and swap in."""
    with writer_lock(index_dir, wait=lock_wait):
        report = _index_locked(CorpusStore(corpus_dir), Path(index_dir), rebuild, progress, batch_size)
        iw.write_status(Path(index_dir), status_after(report))
        return report


def _index_locked(store: CorpusStore, index_dir: Path, rebuild: bool, progress, batch_size) -> IndexReport:
    started = time.monotonic()
    report = IndexReport(rebuild=rebuild)
    iw.remove_stale_generations(index_dir)  # leftovers of a killed rebuild
    ix, existing = None, {}
    if not rebuild:
        try:
            if iw.current_generation(index_dir) is not None:
                ix = iw.open_checked(iw.current_generation(index_dir))
                existing = iw.indexed_sources(ix)
        except iw.IndexCorrupt as exc:
            # The corpus is the source of truth: a damaged index is rebuilt from it, not patched.
            logger.warning("the live index %s cannot be read (%s); rebuilding it from the corpus now",
                           exc.path, exc.reason)
            report.rebuild, report.recovered = True, f"the live index could not be read ({exc.reason})"
    if ix is None:
        generation = iw.new_generation(index_dir)
        ix = iw.open_generation(generation)
    else:
        generation = None

    errors: list[str] = []
    # Listing pages (news-feed pages, ?page=N) are how the crawler finds documents, not documents.
    entries = {e.key: e for e in store.entries(errors) if e.kind != "listing"}
    report.corrupt = len(errors)
    report.scanned = len(entries)
    known = {sig: doc_id for doc_id, (_, sigs) in existing.items() for sig in sigs}
    key_to_id = {_key_of(sig): doc_id for sig, doc_id in known.items()}
    changed = [e for e in entries.values() if signature(e) not in known]
    report.unchanged = report.scanned - len(changed)

    # Extract what changed; group records by document id (several addresses, one document).
    groups: dict[str, dict[str, Document]] = defaultdict(dict)
    touched: set[str] = set()
    failures: Counter = Counter()
    with _progress(len(changed), progress, "extracting") as bar:
        for entry in changed:
            bar.update(1)
            old_id = key_to_id.get(entry.key)
            if old_id:
                touched.add(old_id)
            doc = _safe_record(store, entry, failures)
            if doc is not None:
                groups[doc.id][entry.key] = doc
                touched.add(doc.id)

    # Documents that gained or lost an address need their other addresses' records too.
    changed_keys = {e.key for e in changed}
    for doc_id in touched:
        for sig in existing.get(doc_id, ("", []))[1]:
            key = _key_of(sig)
            if key in changed_keys or key in groups[doc_id] or key not in entries:
                continue
            doc = _safe_record(store, entries[key], failures)
            if doc is not None and doc.id == doc_id:
                groups[doc_id][key] = doc

    writer = iw.BatchWriter(ix, batch_size=batch_size)
    written: list[Document] = []
    try:
        for doc_id in sorted(touched):
            records = groups.get(doc_id) or {}
            if not records:
                if doc_id in existing:
                    writer.delete(doc_id)
                    report.removed += 1
                continue
            doc = merge(list(records.values()))
            sigs = [signature(entries[k]) for k in records]
            writer.put(doc, sigs)
            written.append(doc)
            if doc_id in existing:
                report.updated += 1
            else:
                report.added += 1
        writer.commit()
        report.relinked = _link_reports(ix, written, writer)
        writer.commit(optimize=bool(written) and (rebuild or len(written) > 1000))
    except BaseException:
        writer.cancel()
        raise
    report.failed = dict(failures)
    report.documents = iw.doc_count(ix)
    if generation is not None:
        iw.make_live(index_dir, generation)
    report.seconds = round(time.monotonic() - started, 3)
    return report


def _safe_record(store: CorpusStore, entry: Entry, failures: Counter) -> Document | None:
    try:
        return record_for(entry, store.read_body(entry))
    except CorruptEntry as exc:
        logger.warning("corrupt corpus entry skipped: %s", exc)
        failures["corrupt corpus entry"] += 1
    except ExtractionError as exc:
        logger.warning("no document extracted from %s: %s", entry.url, exc)
        failures[str(exc).split(":")[0][:60] or "extraction"] += 1
    except Exception as exc:  # noqa: BLE001 - an extractor bug on one page must not stop the run
        logger.error("extraction failed on %s: %s: %s", entry.url, type(exc).__name__, exc)
        logger.debug("extraction failure on %s", entry.url, exc_info=True)
        failures["extractor error"] += 1
    return None


def _link_reports(ix, written: list[Document], writer: iw.BatchWriter) -> int:
    """Pair each report with the page that links it (release ↔ report), in both directions."""
    updates = iw.report_link_updates(ix, written)
    for doc, sources in updates:
        writer.put(doc, sources)
    return len(updates)


def status_after(report: IndexReport, crawl: dict | None = None) -> dict:
    return {"last_update": now_iso(), "ok": True, "documents": report.documents, "new": report.added,
            "changed": report.updated, "failed": sum(report.failed.values()), "crawl": crawl,
            "index": report.to_dict()}
