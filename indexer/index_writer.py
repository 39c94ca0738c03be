"""The Whoosh index: its schema, its generations on disk, and the one writer that changes it.

An index folder holds generations (`gen-000001/`, …) and a `CURRENT` file naming the live one.
Incremental runs commit into the live generation in batches (each Whoosh commit is atomic);
`--rebuild` fills a new generation beside it and swaps `CURRENT` atomically, so readers never
see a half-built index and a killed rebuild leaves the previous generation live.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterable

from whoosh import index as whoosh_index
from whoosh.fields import ID, KEYWORD, STORED, Schema

from whoosh.query import Term
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

from . import codec  # noqa: F401 - installs the codec speed-ups before any index is opened
from .analysis import SpellingText, StemmedText
from .record import Document, from_stored_fields, to_index_fields

logger = logging.getLogger(__name__)

INDEX_NAME = "MAIN"
CURRENT = "CURRENT"




class IndexCorrupt(Exception):
    """The live index cannot be read (a damaged or missing file); the message tells the operator what to do."""

    def __init__(self, path: Path, cause: BaseException | str):
        reason = cause if isinstance(cause, str) else f"{type(cause).__name__}: {cause}"
        super().__init__(f"the index at {path} cannot be read ({str(reason)[:160]}); rebuild it from the corpus "
                         f"with `hmic-search index --rebuild`")
        self.path, self.reason = path, str(reason)[:160]


def _live_name(index_dir: Path) -> str | None:
    try:
        return (index_dir / CURRENT).read_text().strip() or None
    except OSError:
        return None


def make_schema() -> Schema:
    facet = dict(stored=True, commas=True, scorable=False, lowercase=False)
    return Schema(
        id=ID(unique=True, stored=True),
        url=ID(stored=True),
        title=StemmedText(stored=True, field_boost=2.0),
        body=StemmedText(stored=True),
        # Unstemmed words of the title and the start of the body, the source of spelling suggestions:
        # Whoosh's `spelling=True` on the whole body doubled indexing time for little gain.
        spell=SpellingText(),
        published=ID(stored=True, sortable=True),
        published_asc=ID(sortable=True),
        year=ID(stored=True, sortable=True),
        type=ID(stored=True, sortable=True),
        forces=KEYWORD(**facet),
        regions=KEYWORD(**facet),
        inspectors=KEYWORD(**facet),
        hmi_region=ID(stored=True),
        publication_types=KEYWORD(**facet),
        # Analysed twins of the facet fields, for `force:kent` style queries typed by users.
        force=StemmedText(),
        region=StemmedText(),
        inspector=StemmedText(),
        ptype=StemmedText(),
        parent=ID(stored=True),
        report_ids=KEYWORD(stored=True, commas=True, scorable=False),
        content_hash=ID(stored=True),
        sources=STORED,
        record=STORED,
    )


def current_generation(index_dir: Path) -> Path | None:
    """The live generation folder, or None when nothing has been indexed yet; IndexCorrupt when it is damaged."""
    name = _live_name(index_dir)
    if name is None:
        return None
    path = index_dir / name
    try:
        return path if whoosh_index.exists_in(path, indexname=INDEX_NAME) else None
    except Exception as exc:  # noqa: BLE001 - a damaged table of contents raises anything from unpickling
        raise IndexCorrupt(path, exc) from exc


def open_for_update(path: Path):
    """Open a live generation for an incremental run: (index, doc id → (content hash, source signatures)).

    The one pass over every stored field that an incremental run needs anyway also proves the
    generation whole (with the id postings); IndexCorrupt if it is not.
    """
    try:
        ix = whoosh_index.open_dir(path, indexname=INDEX_NAME)
        existing = {}
        with ix.searcher() as searcher:
            reader = searcher.reader()
            for fields in reader.all_stored_fields():
                existing[fields["id"]] = (fields.get("content_hash", ""), list(fields.get("sources") or []))
            for term in reader.lexicon("id"):
                reader.postings("id", term).all_ids()
        return ix, existing
    except Exception as exc:  # noqa: BLE001 - damaged segments raise anything from unpickling or struct
        raise IndexCorrupt(path, exc) from exc


def _write_current(index_dir: Path, name: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=index_dir, prefix=".current-")
    with os.fdopen(fd, "w") as fh:
        fh.write(name + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, index_dir / CURRENT)


def _next_generation_name(index_dir: Path) -> str:
    numbers = [int(p.name[4:]) for p in index_dir.glob("gen-*") if p.name[4:].isdigit()]
    return f"gen-{max(numbers, default=0) + 1:06d}"


def new_generation(index_dir: Path) -> Path:
    """An empty index in a fresh generation folder (not yet live)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    path = index_dir / _next_generation_name(index_dir)
    path.mkdir()
    whoosh_index.create_in(path, make_schema(), indexname=INDEX_NAME)
    return path


def open_live(index_dir: Path, create: bool = True):
    """The live index, created (and made live) when there is none yet."""
    path = current_generation(index_dir)
    if path is None:
        if not create:
            return None
        path = new_generation(index_dir)
        _write_current(index_dir, path.name)
    return whoosh_index.open_dir(path, indexname=INDEX_NAME)


def make_live(index_dir: Path, generation: Path) -> None:
    """Swap a finished generation in, then remove the older ones."""
    _write_current(index_dir, generation.name)
    remove_stale_generations(index_dir)


def remove_stale_generations(index_dir: Path) -> None:
    """Delete generations that are not live: a killed rebuild's leftovers, superseded indexes.

    Readers that still have files open keep them (POSIX unlink semantics) until they refresh.
    """
    live = _live_name(index_dir)  # by name: a damaged live generation is kept until a rebuild replaces it
    for path in index_dir.glob("gen-*"):
        if live is None or path.name != live:
            shutil.rmtree(path, ignore_errors=True)


def open_generation(path: Path):
    return whoosh_index.open_dir(path, indexname=INDEX_NAME)


def doc_count(ix) -> int:
    with ix.searcher() as searcher:
        return searcher.doc_count()


def report_link_updates(ix, written: list[Document]) -> list[tuple[Document, list]]:
    """Documents whose `parent` must change so each report points at the page that links it.

    Both directions: a newly written page adopts the reports it links, and a newly written report
    finds the page already indexed that links it.
    """
    updates: dict[str, tuple[Document, list]] = {}
    with ix.searcher() as searcher:
        # Every id some page links, read once: a search per written document costs more than indexing it.
        linked = {term.decode("utf-8") for term in searcher.reader().lexicon("report_ids")}
        def current(doc_id):
            if doc_id in updates:
                return updates[doc_id]
            fields = searcher.document(id=doc_id)
            return (from_stored_fields(fields), list(fields.get("sources") or [])) if fields else None

        for doc in written:
            for report_id in _report_ids(doc):
                if report_id == doc.id:
                    continue
                found = current(report_id)
                if found and found[0].parent != doc.id:
                    updates[report_id] = (adopt(found[0], doc), found[1])
            if not doc.parent and doc.id in linked:
                hits = searcher.search(Term("report_ids", doc.id), limit=1)
                if hits.scored_length() and hits[0]["id"] != doc.id:
                    found = current(doc.id)
                    if found and found[0].parent != hits[0]["id"]:
                        updates[doc.id] = (adopt(found[0], from_stored_fields(hits[0].fields())), found[1])
    return list(updates.values())


def adopt(report: Document, page: Document) -> Document:
    """A report paired with the page that announces it; a report whose own text names no force
    (a PDF cover often does not) is about the forces its page is about."""
    if report.forces or not page.forces:
        return report.replace(parent=page.id)
    return report.replace(parent=page.id, forces=page.forces, regions=page.regions)


MAX_SMALL_SEGMENTS = 10   # small segments an index may pile up before the smallest are merged
FULL_SEGMENT = 10_000     # documents: a segment this big is not merged again ...
FULL_DELETED = 1 / 3      # ... unless this share of it has been deleted (replaced documents)


def mergeable(segment) -> bool:
    total = segment.doc_count_all()
    return total < FULL_SEGMENT or segment.deleted_count() >= total * FULL_DELETED


def tiered_merge(writer, segments):
    """Whoosh merge policy: segments below FULL_SEGMENT documents are left alone until more than
    MAX_SMALL_SEGMENTS of them pile up, then the smallest are merged into one of at most FULL_SEGMENT
    documents; full segments are only rewritten to drop many deleted documents.

    Whoosh's default merges small segments on nearly every commit, which at batch sizes that keep
    progress costs more than the indexing itself; merging without a size cap rewrites every
    document again and again as the index grows (a merge costs about what indexing does), which
    tripled the cost of a document past 10,000. With the cap a document is merged about once, and
    an index of N documents keeps about N / FULL_SEGMENT + MAX_SMALL_SEGMENTS segments."""
    candidates = sorted((seg for seg in segments if mergeable(seg)), key=lambda seg: seg.doc_count())
    dirty = [seg for seg in candidates if seg.doc_count_all() >= FULL_SEGMENT]
    small = [seg for seg in candidates if seg.doc_count_all() < FULL_SEGMENT]
    chosen = list(dirty)
    if len(small) > MAX_SMALL_SEGMENTS:
        size = 0
        for seg in small:
            if chosen and size + seg.doc_count() > FULL_SEGMENT:
                break
            chosen.append(seg)
            size += seg.doc_count()
        if len(chosen) == len(dirty) + 1 and not dirty:  # one segment alone is not a merge
            chosen = []
    for seg in chosen:
        reader = SegmentReader(writer.storage, writer.schema, seg)
        writer.add_reader(reader)
        reader.close()
    merged = {id(seg) for seg in chosen}
    return [seg for seg in segments if id(seg) not in merged]


class SegmentsWriter(SegmentWriter):
    """Whoosh's writer, which also commits segments that other processes wrote (see `SegmentBuilder`)
    in the same atomic table-of-contents write as its own additions and deletions."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        self.ready: list = []

    def commit(self, mergetype=None, optimize=None, merge=None):
        self._check_state()
        final = self._merge_segments(mergetype, optimize, merge)
        if self._added:
            final.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(final + self.ready)
        self._finish()


STAGING_PREFIX = ".staging-"  # Whoosh's file clean-up skips names that start with a dot


class SegmentBuilder:
    """Writes one segment in a private staging folder of a generation, in a worker process.

    The finished segment is a single file, moved into the generation by `BatchWriter.add_segment`
    just before the commit that lists it: Whoosh deletes segment files it does not know of at every
    commit, so a segment must not be written in the generation's folder while the writer commits."""

    def __init__(self, generation: Path, limitmb: int = 256):
        schema = whoosh_index.open_dir(generation, indexname=INDEX_NAME).schema
        self.staging = Path(tempfile.mkdtemp(dir=generation, prefix=STAGING_PREFIX))
        ix = whoosh_index.create_in(self.staging, schema, indexname=INDEX_NAME)
        self._writer = SegmentWriter(ix, _lk=False, limitmb=limitmb)

    def add(self, doc: Document, sources: Iterable[str] = ()) -> int:
        """Write a document; its number within the segment."""
        docnum = self._writer.docnum
        self._writer.add_document(**index_fields(doc, sources))
        return docnum

    def finish(self):
        """(segment, staging folder), or None when nothing was written."""
        writer = self._writer
        if not writer._added:
            writer.cancel()
            shutil.rmtree(self.staging, ignore_errors=True)
            return None
        segment = writer._finalize_segment()
        writer._finish()
        return segment, self.staging


def remove_staging(generation: Path) -> None:
    """Staging folders a killed run left behind."""
    for path in Path(generation).glob(STAGING_PREFIX + "*"):
        shutil.rmtree(path, ignore_errors=True)


def index_fields(doc: Document, sources: Iterable[str] = ()) -> dict:
    fields = to_index_fields(doc)
    fields["report_ids"] = list(_report_ids(doc))
    fields["sources"] = sorted(set(sources))
    return fields


class BatchWriter:
    """Writes documents in batches, committing every `batch_size` so long runs keep their progress.

    Each commit is atomic; segments are merged by `tiered_merge`, so throughput stays flat as the
    index grows and a search never meets more than a few segments.
    """

    def __init__(self, ix, batch_size: int = 1000, limitmb: int = 256):
        self.ix = ix
        self.batch_size = batch_size
        self.limitmb = limitmb
        self._writer = None
        self._pending = 0
        self.commits = 0

    def _w(self):
        if self._writer is None:
            self._writer = SegmentsWriter(self.ix, limitmb=self.limitmb)
        return self._writer

    def put(self, doc: Document, sources: Iterable[str] = (), fresh: bool = False) -> None:
        """Write a document, replacing the one with its id; `fresh` when the caller knows there is
        none (a rebuild, a new document), which spares a look-up in every segment."""
        fields = index_fields(doc, sources)
        if fresh:
            self._w().add_document(**fields)
        else:
            self._w().update_document(**fields)
        self._tick()

    def delete(self, doc_id: str, tick: bool = True) -> None:
        """Delete a document; without `tick` the deletion waits for the next commit (so that a
        replacement written elsewhere is committed with it)."""
        self._w().delete_by_term("id", doc_id)
        if tick:
            self._tick()

    def add_segment(self, segment, staging: Path) -> None:
        """Commit a segment a `SegmentBuilder` wrote, with the deletions made so far."""
        writer = self._w()
        name = f"{segment.segment_id()}.seg"
        os.replace(staging / name, Path(self.ix.storage.folder) / name)
        shutil.rmtree(staging, ignore_errors=True)
        writer.ready.append(segment)
        self.commit()

    def _tick(self) -> None:
        self._pending += 1
        if self._pending >= self.batch_size:
            self.commit()

    def commit(self, optimize: bool = False) -> None:
        if self._writer is not None:
            self._writer.commit(optimize=optimize, mergetype=tiered_merge)
            self.commits += 1
            self._writer = None
            self._pending = 0
        elif optimize:
            self.ix.optimize()

    def cancel(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            self._writer = None


def _report_ids(doc: Document):
    from .urls import document_id
    return {document_id(u) for u in doc.report_links}


def index_size_bytes(index_dir: Path) -> int:
    name = _live_name(index_dir)
    path = index_dir / name if name else None
    if path is None or not path.is_dir():
        return 0
    return sum(p.stat().st_size for p in path.iterdir() if p.is_file())


def read_status(index_dir: Path) -> dict | None:
    try:
        return json.loads((index_dir / "status.json").read_text())
    except (OSError, ValueError):
        return None


def write_status(index_dir: Path, status: dict) -> None:
    index_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=index_dir, prefix=".status-")
    with os.fdopen(fd, "w") as fh:
        json.dump(status, fh, indent=1)
    os.replace(tmp, index_dir / "status.json")
