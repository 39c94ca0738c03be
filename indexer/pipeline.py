"""Corpus → records → index: the `index` command's work, incremental and crash-safe."""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
import sys
import threading
import time
from collections import Counter, defaultdict, deque
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tqdm import tqdm

from . import index_writer as iw
from .corpus_store import CorpusStore, CorruptEntry, Entry, now_iso
from .extract import ExtractionError, extract
from .lock import writer_lock
from .record import Document
from .urls import CURRENT_HOST

logger = logging.getLogger(__name__)


BATCH_SIZE = 1000  # documents per commit: what a killed run keeps, and a segment's size


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
                 batch_size: int = BATCH_SIZE) -> IndexReport:
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
            live = iw.current_generation(index_dir)
            if live is not None:
                ix, existing = iw.open_for_update(live)
            else:  # a first run fills a live (empty) index batch by batch: searchable while it grows
                ix = iw.open_live(index_dir)
        except iw.IndexCorrupt as exc:
            # The corpus is the source of truth: a damaged index is rebuilt from it, not patched.
            logger.warning("the live index %s cannot be read (%s); rebuilding it from the corpus now",
                           exc.path, exc.reason)
            report.rebuild, report.recovered = True, f"the live index could not be read ({exc.reason})"
    if ix is None:  # built beside the live index, swapped in when whole
        generation = iw.new_generation(index_dir)
        ix = iw.open_generation(generation)
    else:
        generation = None
    iw.remove_staging(Path(ix.storage.folder))  # segments a killed run's workers were writing

    errors: list[str] = []
    # Listing pages (news-feed pages, ?page=N) are how the crawler finds documents, not documents.
    entries = {e.key: e for e in store.entries(errors) if e.kind != "listing"}
    report.corrupt = len(errors)
    report.scanned = len(entries)
    known = {sig: doc_id for doc_id, (_, sigs) in existing.items() for sig in sigs}
    key_to_id = {_key_of(sig): doc_id for sig, doc_id in known.items()}
    changed = [e for e in entries.values() if signature(e) not in known]
    report.unchanged = report.scanned - len(changed)
    changed_ids = defaultdict(set)  # document id → keys of changed entries that mapped to it before
    for entry in changed:
        if entry.key in key_to_id:
            changed_ids[key_to_id[entry.key]].add(entry.key)

    failures: Counter = Counter()
    writer = iw.BatchWriter(ix, batch_size=batch_size)
    written: list[Document] = []      # light copies (no text), for pairing reports with their pages
    first_key: dict[str, str] = {}    # document id → the entry it was first written from in this run
    regroup: set[str] = set()         # ids whose records must be merged (or removed) at the end

    def put(doc_id: str, doc: Document, keys, written_by_worker: bool = False) -> None:
        fresh = doc_id not in existing and doc_id not in first_key
        if written_by_worker:
            if not fresh:
                writer.delete(doc_id, tick=False)  # the version indexed before: gone with the new segment's commit
        else:
            writer.put(doc, [signature(entries[k]) for k in keys], fresh=fresh)
        written.append(doc.replace(body="", pages=()))
        if doc_id not in first_key:
            first_key[doc_id] = next(iter(keys))
            if doc_id in existing:
                report.updated += 1
            else:
                report.added += 1

    try:
        # Stream: records are written as they are extracted. Big runs extract and write segments in
        # worker processes (one per core), and this process only decides and commits.
        with _progress(len(changed), progress, "indexing") as bar:
            for built, rows in _extracted(store, changed, failures, ix, batch_size):
                for row in rows:
                    bar.update(1)
                    entry, doc = row.entry, row.doc
                    old_id = key_to_id.get(entry.key)
                    if old_id and (doc is None or doc.id != old_id):
                        regroup.add(old_id)  # an address left this document
                    if doc is None:
                        continue
                    other_sources = any(_key_of(sig) != entry.key for sig in existing.get(doc.id, ("", []))[1])
                    if doc.id in first_key or other_sources:
                        regroup.add(doc.id)  # several addresses, one document: merged below
                        if doc.id in first_key:
                            if built is not None:
                                built[0].delete_document(row.docnum)
                            continue
                    put(doc.id, doc, [entry.key], written_by_worker=built is not None)
                if built is not None:
                    writer.add_segment(*built)
        if regroup:
            writer.commit()  # so the merged versions below replace what this run wrote
            for doc_id in sorted(regroup):
                records = _records_of(store, doc_id, entries, existing, first_key, changed_ids, failures)
                if records:
                    put(doc_id, merge(list(records.values())), list(records))
                elif doc_id in existing and doc_id not in first_key:
                    writer.delete(doc_id)
                    report.removed += 1
        writer.commit()
        report.relinked = _link_reports(ix, written, writer)
        writer.commit()
    except BaseException:
        writer.cancel()
        raise
    report.failed = dict(failures)
    report.documents = iw.doc_count(ix)
    if generation is not None:
        iw.make_live(index_dir, generation)
    report.seconds = round(time.monotonic() - started, 3)
    return report


def _records_of(store, doc_id, entries, existing, first_key, changed_ids, failures) -> dict[str, Document]:
    """Every current record of one document, from all the corpus entries that may map to it."""
    keys = {_key_of(sig) for sig in existing.get(doc_id, ("", []))[1]} | changed_ids.get(doc_id, set())
    if doc_id in first_key:
        keys.add(first_key[doc_id])
    records = {}
    for key in sorted(keys & entries.keys()):
        doc = _safe_record(store, entries[key], Counter())
        if doc is not None and doc.id == doc_id:
            records[key] = doc
    return records


PARALLEL_MIN = 200   # below this, worker processes cost more to start than they save


@dataclass
class Extracted:
    entry: Entry
    doc: Document | None            # None when extraction failed; without text when a worker wrote it
    docnum: int | None = None       # its number in the worker's segment


def worker_count() -> int:
    """Processes a big index run extracts and writes in: one per core, at most four."""
    return min(os.cpu_count() or 1, 4)


def _extracted(store: CorpusStore, entries: list[Entry], failures: Counter, ix, batch_size: int):
    """(segment built by a worker or None, rows) in order.

    Small runs extract here, and the caller writes each record. Big runs send batches of entries to
    worker processes that extract them and write a segment each (extraction and Whoosh's analysis
    and flush are pure Python: one process per core is the only way to use the cores)."""
    workers = worker_count()
    if len(entries) < PARALLEL_MIN or workers < 2:
        for entry in entries:
            yield None, [Extracted(entry, _safe_record(store, entry, failures))]
        return
    generation = Path(ix.storage.folder)
    size = max(1, min(batch_size, -(-len(entries) // workers)))
    batches = iter([entries[i:i + size] for i in range(0, len(entries), size)])
    pending: deque = deque()
    # spawn, not fork: the caller may run threads (a crawl, a web server) that fork would copy.
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_exit_with_parent, initargs=(os.getpid(),))
    try:
        for batch in itertools.islice(batches, workers + 1):
            pending.append((batch, pool.submit(_segment_job, str(store.root), str(generation), batch)))
        while pending:
            batch, future = pending[0]
            built, rows = future.result()
            pending.popleft()
            following = next(batches, None)
            if following is not None:
                pending.append((following, pool.submit(_segment_job, str(store.root), str(generation),
                                                       following)))
            for row, (reason, message) in rows:
                if reason:
                    logger.warning("%s", message)
                    failures[reason] += 1
            yield built, [row for row, _ in rows]
    except BrokenProcessPool:
        logger.warning("an indexing worker stopped; indexing the rest in this process")
        for entry in itertools.chain((e for batch, _ in pending for e in batch), *batches):
            yield None, [Extracted(entry, _safe_record(store, entry, failures))]
    finally:
        pool.shutdown(wait=True, cancel_futures=True)  # a stopped run does not wait for queued batches
        iw.remove_staging(generation)


def _exit_with_parent(parent: int) -> None:
    """In a worker: exit when the indexing process is gone. A killed parent's pool cannot tell its
    workers (each holds both ends of its job queue), and they would wait for work forever."""
    def watch():
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)
    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _segment_job(root: str, generation: str, entries: list[Entry]):
    """In a worker: extract a batch and write its records as one segment.
    ((segment, staging folder) or None, [(row, (failure reason, log message))])."""
    store = CorpusStore(root)
    builder = iw.SegmentBuilder(Path(generation))
    rows = []
    messages: list[str] = []
    handler = _ListHandler(messages)
    logger.addHandler(handler)
    logger.propagate = False
    try:
        for entry in entries:
            failures: Counter = Counter()
            messages.clear()
            doc = _safe_record(store, entry, failures)
            docnum = builder.add(doc, [signature(entry)]) if doc is not None else None
            light = doc.replace(body="", pages=()) if doc is not None else None
            reason = next(iter(failures), None)
            rows.append((Extracted(entry, light, docnum), (reason, messages[0] if messages else None)))
    finally:
        logger.removeHandler(handler)
        logger.propagate = True
    return builder.finish(), rows


class _ListHandler(logging.Handler):
    def __init__(self, out: list):
        super().__init__()
        self.out = out

    def emit(self, record):
        self.out.append(record.getMessage())


def _safe_record(store: CorpusStore, entry: Entry, failures: Counter) -> Document | None:
    """One entry's record, or None with the failure logged and counted: a bad page never stops a run."""
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
