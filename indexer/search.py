"""The read side: one reused searcher, queries, exact multi-select facets, snippets, related documents.

Facet counts come from per-value posting sets cached per searcher (rebuilt when the index changes)
intersected with the set of matching documents, not from Whoosh's `groupedby`, which costs time per hit.
"""

from __future__ import annotations

import bisect
import dataclasses
import html
import logging
import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from whoosh import collectors, highlight
from whoosh import index as whoosh_index
from whoosh.qparser import FieldAliasPlugin, MultifieldParser
from whoosh.query import Every, NullQuery, Term
from whoosh.searching import Results

from . import index_writer as iw
from .phrase import fast_phrases
from .query import FACETS, InvalidRequest, SearchRequest
from .record import FACET_FIELDS, Document, from_stored_fields
from .snippet import WordCacheHighlighter
from .vscore import VectorScorer

logger = logging.getLogger(__name__)

SNIPPET_CHARS = 240
# Highlighting re-analyses the text; a long report's first pages give a snippet at a bounded cost.
HIGHLIGHT_CHARS = 50_000
FIELD_ALIASES = {"force": ["forces", "police", "service"], "inspector": ["inspectors", "hmi"],
                 "region": ["regions"], "ptype": ["publication_type", "topic"], "title": ["headline"]}


class MarkFormatter(highlight.Formatter):
    """Escaped text with matched terms in <mark>: the only markup a snippet may carry."""

    between = " … "

    def format_token(self, text, token, replace=False):
        return "<mark>" + html.escape(highlight.get_text(text, token, replace), quote=False) + "</mark>"

    def format_fragment(self, fragment, replace=False):
        out, index = [], fragment.startchar
        text = fragment.text
        for t in fragment.matches:
            if t.startchar is None:
                continue
            if t.startchar < index:
                continue
            if t.startchar > index:
                out.append(html.escape(text[index:t.startchar], quote=False))
            out.append(self.format_token(text, t, replace))
            index = t.endchar
        out.append(html.escape(text[index:fragment.endchar], quote=False))
        return "".join(out)


def _everything(qobj) -> bool:
    """The empty query (every document); `field:*` is an Every too, but only of documents with that field."""
    return isinstance(qobj, Every) and not qobj.fieldname


def plain_snippet(text: str, chars: int = SNIPPET_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) > chars:
        text = text[:chars].rsplit(" ", 1)[0] + " …"
    return html.escape(text, quote=False)


class FacetCache:
    """For the facet and date fields: value → frozenset of document numbers, built once per searcher."""

    def __init__(self, searcher):
        reader = searcher.reader()
        self.all_docs = frozenset(reader.all_doc_ids())
        self.postings: dict[str, dict[str, frozenset]] = {}
        for field in (*FACET_FIELDS.values(), "published"):
            table = {}
            if field in reader.schema:
                for term in reader.lexicon(field):
                    value = term.decode("utf-8") if isinstance(term, bytes) else str(term)
                    if not value:  # undated or untyped documents have no facet value
                        continue
                    table[value] = frozenset(reader.postings(field, term).all_ids())
            self.postings[field] = table
        self.dates = sorted(v for v in self.postings["published"] if v)

    def docs_for(self, facet: str, values) -> frozenset:
        table = self.postings[FACET_FIELDS[facet]]
        return frozenset().union(*(table.get(v, frozenset()) for v in values))

    def docs_between(self, date_from: str | None, date_to: str | None) -> frozenset:
        lo = bisect.bisect_left(self.dates, date_from) if date_from else 0
        hi = bisect.bisect_right(self.dates, date_to) if date_to else len(self.dates)
        table = self.postings["published"]
        return frozenset().union(*(table[d] for d in self.dates[lo:hi]))

    def counts(self, facet: str, docs) -> dict[str, int]:
        table = self.postings[FACET_FIELDS[facet]]
        out = {}
        for value, posting in table.items():
            n = len(posting & docs) if len(posting) < len(docs) else len(docs & posting)
            if n:
                out[value] = n
        return out


UNREADABLE = ("The query could not be understood: check its quotes, brackets and the words AND, OR and NOT "
               "(to search for one of those words, put it in quotes)")


@contextmanager
def unreadable_query(q: str):
    """Whoosh's parser fails on some operator sequences ("NOT NOT x") with IndexError or AssertionError
    while parsing or matching: for the user that is a query to rephrase, never a crash."""
    try:
        yield
    except (IndexError, AssertionError, AttributeError, TypeError, ValueError, KeyError) as exc:
        if isinstance(exc, InvalidRequest) or not q.strip():
            raise
        logger.info("query %r could not be parsed: %s: %s", q[:100], type(exc).__name__, exc)
        raise InvalidRequest(UNREADABLE) from exc


class MatchSetCollector(collectors.WrappingCollector):
    """One pass over the query's matches: every match is recorded (the set facets are counted from)
    and only those in `allowed` (the filters, or None for all) are scored into the child's top N.

    The child must not skip documents (no block-quality skipping, no matcher replacement), or the
    recorded set would miss matches.
    """

    def __init__(self, child, allowed=None):
        super().__init__(child)
        self.allowed = allowed
        self.matched: list[int] = []

    def collect_matches(self):
        child = self.child
        offset, allowed, matched, collect = child.offset, self.allowed, self.matched, child.collect
        append = matched.append
        if allowed is None:
            for sub_docnum in child.matches():
                append(offset + sub_docnum)
                collect(sub_docnum)
        else:
            for sub_docnum in child.matches():
                docnum = offset + sub_docnum
                append(docnum)
                if docnum in allowed:
                    collect(sub_docnum)


@dataclass
class _State:
    generation: Path | None
    ix: object
    searcher: object
    facets: FacetCache | None
    checked: float
    vectors: VectorScorer | None = None  # the searcher's arrays for scoring
    unreadable: Path | None = None  # a generation swapped in that could not be opened
    analysed: dict = dataclasses.field(default_factory=dict)  # word → analysed text, for snippets


class SearchIndex:
    """A reader over an index folder, safe to share between a web server's threads."""

    def __init__(self, index_dir: str | Path, refresh_seconds: float = 1.0):
        self.index_dir = Path(index_dir)
        self.refresh_seconds = refresh_seconds
        self._lock = threading.RLock()
        self._state: _State | None = None

    # ---- lifecycle -------------------------------------------------------------------------
    def _current(self) -> _State | None:
        now = time.monotonic()
        state = self._state
        if state and now - state.checked < self.refresh_seconds:
            return state if state.searcher else None
        try:
            generation = iw.current_generation(self.index_dir)
        except iw.IndexCorrupt as exc:
            return self._keep(state, now, exc)
        if state and state.generation == generation and state.searcher is not None:
            state.checked = now
            if not state.searcher.up_to_date():
                # A fresh searcher, not `refresh()`: that reuses segment readers by segment id and
                # so keeps their old deletions, counting deleted and replaced documents. The old one
                # is replaced only once the new one and its caches are whole.
                searcher = None
                try:
                    searcher = state.ix.searcher()
                    facets, vectors = FacetCache(searcher), VectorScorer(searcher)
                except Exception as exc:  # noqa: BLE001 - a commit in progress; the next check retries
                    if searcher is not None:
                        searcher.close()
                    logger.warning("the index changed while it was being opened (%s); searching the version "
                                   "before it", exc)
                    return state
                old = state.searcher
                state.searcher, state.facets, state.vectors = searcher, facets, vectors
                old.close()
            return state
        if generation is None:
            if state and state.searcher is not None:
                state.searcher.close()
            self._state = _State(None, None, None, None, now)
            return None
        if state and generation == state.unreadable:
            state.checked = now
            return state
        try:
            fresh = self._open(generation, now)
        except iw.IndexCorrupt as exc:
            kept = self._keep(state, now, exc)
            kept.unreadable = generation  # not opened again: a generation is only swapped in whole
            return kept
        if state and state.searcher is not None:
            state.searcher.close()
        self._state = fresh
        return fresh

    @staticmethod
    def _keep(state: _State | None, now: float, exc: iw.IndexCorrupt) -> _State:
        """The state already open, when the index swapped in cannot be read (IndexCorrupt without one)."""
        if state is None or state.searcher is None:
            raise exc
        logger.warning("%s; searching the index opened before it meanwhile", exc)
        state.checked = now
        return state

    def _open(self, generation: Path, now: float, retry: bool = True) -> _State:
        """A searcher over a generation; IndexCorrupt (a clear message) when its files cannot be read."""
        try:
            ix = whoosh_index.open_dir(generation, indexname=iw.INDEX_NAME)
            searcher = ix.searcher()
            return _State(generation, ix, searcher, FacetCache(searcher), now, VectorScorer(searcher))
        except Exception as exc:  # noqa: BLE001 - damaged files raise anything from unpickling or struct
            newer = iw.current_generation(self.index_dir)
            if retry and newer is not None and newer != generation:  # a rebuild swapped it out meanwhile
                return self._open(newer, now, retry=False)
            raise iw.IndexCorrupt(generation, exc) from exc

    def close(self) -> None:
        with self._lock:
            if self._state and self._state.searcher:
                self._state.searcher.close()
            self._state = None

    def doc_count(self) -> int:
        with self._lock:
            state = self._current()
            return state.searcher.doc_count() if state else 0

    # ---- queries ---------------------------------------------------------------------------
    def _parser(self, schema):
        parser = MultifieldParser(["title", "body"], schema)
        parser.add_plugin(FieldAliasPlugin(FIELD_ALIASES))
        return parser

    def parse(self, q: str, schema):
        if not q.strip():
            return Every()
        try:
            return fast_phrases(self._parser(schema).parse(q))
        except Exception:  # noqa: BLE001 - Whoosh's parser fails on some operator runs ("NOT NOT x")
            logger.info("query %r is not valid syntax; searching its words", q)
        words = re.sub(r"[^\w\s]+", " ", q).lower()  # lower case: AND/OR/NOT become plain (stop) words
        try:
            return fast_phrases(self._parser(schema).parse(words)) if words.strip() else NullQuery
        except Exception:  # noqa: BLE001
            return NullQuery

    def _match_sets(self, state: _State, req: SearchRequest, qobj):
        """The documents matching the query, the filters per facet, and the date range."""
        facets = state.facets
        if _everything(qobj):
            base = facets.all_docs
        else:
            base = frozenset(qobj.docs(state.searcher))
        if req.date_from or req.date_to:
            base = base & facets.docs_between(req.date_from, req.date_to)
        selected = {name: facets.docs_for(name, values) for name, values in req.filters().items() if values}
        return base, selected

    @staticmethod
    def _intersect(base, selected, skip=None):
        docs = base
        for name, allowed in selected.items():
            if name != skip:
                docs = docs & allowed
        return docs

    def search(self, req: SearchRequest) -> dict:
        """The search as DESIGN.md's `/api/search` object. A query the parser cannot read raises InvalidRequest."""
        with self._lock, unreadable_query(req.q):
            state = self._current()
            empty = {"query": req.q, "total": 0, "page": req.page, "per_page": req.per_page, "hits": [],
                     "facets": {name: self._facet_list(name, {}, req) for name in FACETS},
                     "suggestion": None}
            if state is None:
                return empty
            qobj = self.parse(req.q, state.searcher.schema)
            if req.effective_sort() == "relevance" and not isinstance(qobj, Every):
                base, selected, results = self._scored_pass(state, req, qobj)
                matching = self._intersect(base, selected)
                hits = self._hits(state, results, qobj, req) if matching else []
            else:
                base, selected = self._match_sets(state, req, qobj)
                matching = self._intersect(base, selected)
                hits = self._page_of_hits(state, qobj, matching, req) if matching else []
            facets = {name: self._facet_list(
                name, state.facets.counts(name, self._intersect(base, selected, skip=name)), req)
                for name in FACETS}
            suggestion = self._suggest(state, qobj, req.q) if not matching and req.q.strip() else None
            return {"query": req.q, "total": len(matching), "page": req.page, "per_page": req.per_page,
                    "hits": hits, "facets": facets, "suggestion": suggestion}

    def _scored_pass(self, state: _State, req: SearchRequest, qobj):
        """Match sets and the top hits by relevance from a single pass over the query's matches."""
        facets = state.facets
        dates = facets.docs_between(req.date_from, req.date_to) if req.date_from or req.date_to else None
        selected = {name: facets.docs_for(name, values) for name, values in req.filters().items() if values}
        allowed = dates
        for docs in selected.values():
            allowed = docs if allowed is None else allowed & docs
        limit = req.page * req.per_page
        scored = state.vectors.score(qobj)
        if scored is not None:  # every match scored at once (indexer/vscore.py): the usual case
            base = frozenset(scored.docnums.tolist())
            results = Results(state.searcher, qobj, scored.top(limit, allowed))
        else:
            top = collectors.TopCollector(limit=limit, usequality=False, replace=0)
            collector = MatchSetCollector(top, allowed)
            state.searcher.search_with_collector(qobj, collector)
            base, results = frozenset(collector.matched), collector.results()
        if dates is not None:
            base = base & dates
        return base, selected, results

    def _hits(self, state, results, qobj, req: SearchRequest) -> list[dict]:
        """The page shown, highlighted (and only it)."""
        start = (req.page - 1) * req.per_page
        results.highlighter = WordCacheHighlighter(
            state.analysed, fragmenter=highlight.ContextFragmenter(maxchars=160, surround=50),
            formatter=MarkFormatter())
        hits = []
        for hit in results[start:start + req.per_page]:
            doc = from_stored_fields(hit.fields())
            snippet = "" if isinstance(qobj, Every) else hit.highlights(
                "body", text=doc.body[:HIGHLIGHT_CHARS], top=2)
            score = hit.score if req.effective_sort() == "relevance" else None
            hits.append(hit_dict(doc, snippet or plain_snippet(doc.body), score))
        return hits

    @staticmethod
    def _facet_list(name: str, counts: dict, req: SearchRequest) -> list[dict]:
        for value in getattr(req, name):  # a selected value is always shown, even at 0
            counts.setdefault(value, 0)
        if name == "year":
            items = sorted(counts.items(), key=lambda kv: kv[0], reverse=True)
        else:
            items = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].lower()))
        return [{"value": v, "count": c} for v, c in items]

    @staticmethod
    def _sortedby(req: SearchRequest):
        sort = req.effective_sort()
        if sort == "newest":
            return dict(sortedby="published", reverse=True)
        if sort == "oldest":
            return dict(sortedby="published_asc")
        return {}

    def _results(self, state, qobj, matching, req, limit):
        return state.searcher.search(qobj, filter=set(matching), limit=limit, **self._sortedby(req))

    def _page_of_hits(self, state, qobj, matching, req) -> list[dict]:
        start = (req.page - 1) * req.per_page
        if start >= len(matching):
            return []
        return self._hits(state, self._results(state, qobj, matching, req, start + req.per_page), qobj, req)

    def _suggest(self, state, qobj, q: str) -> str | None:
        try:
            corrected = state.searcher.correct_query(qobj, q, aliases={"body": "spell", "title": "spell"})
        except Exception:  # noqa: BLE001 - a suggestion is a courtesy; never fail a search for it
            logger.debug("no suggestion for %r", q, exc_info=True)
            return None
        return corrected.string if corrected.query != qobj and corrected.string != q else None

    def iter_documents(self, req: SearchRequest):
        """Every matching document (no paging, no highlights), in the request's order: for exports."""
        with self._lock, unreadable_query(req.q):
            state = self._current()
            if state is None:
                return []
            qobj = self.parse(req.q, state.searcher.schema)
            base, selected = self._match_sets(state, req, qobj)
            matching = self._intersect(base, selected)
            if not matching:
                return []
            results = self._results(state, qobj, matching, req, None)
            relevance = req.effective_sort() == "relevance"
            return [(from_stored_fields(hit.fields()), hit.score if relevance else None) for hit in results]

    # ---- documents -------------------------------------------------------------------------
    def document(self, doc_id: str) -> Document | None:
        with self._lock:
            state = self._current()
            if state is None:
                return None
            fields = state.searcher.document(id=doc_id)
            return from_stored_fields(fields) if fields else None

    def _docs(self, state, docnums) -> list[Document]:
        return [from_stored_fields(state.searcher.stored_fields(n)) for n in docnums]

    def related(self, doc_id: str, limit: int = 10) -> dict | None:
        """More-like-this (favouring the same force and type), the release ↔ report pair, the force timeline."""
        with self._lock:
            state = self._current()
            if state is None:
                return None
            searcher = state.searcher
            docnum = searcher.document_number(id=doc_id)
            if docnum is None:
                return None
            doc = from_stored_fields(searcher.stored_fields(docnum))
            similar = []
            if doc.body.strip():
                results = searcher.more_like(docnum, "body", text=doc.body[:20000], top=limit * 3,
                                             numterms=20, normalize=True)
                ranked = []
                for hit in results:
                    other = from_stored_fields(hit.fields())
                    bonus = 1.0 + 0.5 * bool(set(other.forces) & set(doc.forces)) + 0.25 * (other.type == doc.type)
                    ranked.append((hit.score * bonus, other))
                ranked.sort(key=lambda pair: -pair[0])
                similar = [hit_dict(o, plain_snippet(o.body, 160), round(s, 4)) for s, o in ranked[:limit]]
            parent = self.document_unlocked(state, doc.parent) if doc.parent else None
            children = [from_stored_fields(h.fields()) for h in searcher.search(Term("parent", doc.id), limit=50)]
            timeline = self._timeline(state, doc)
            return {"id": doc.id, "related": similar,
                    "parent": hit_dict(parent) if parent else None,
                    "reports": [hit_dict(c) for c in children],
                    "timeline": timeline}

    def document_unlocked(self, state, doc_id):
        fields = state.searcher.document(id=doc_id)
        return from_stored_fields(fields) if fields else None

    def _timeline(self, state, doc: Document, around: int = 5) -> dict:
        """Documents about the same force, by date, with this one's neighbours before and after."""
        if not doc.forces:
            return {"force": None, "before": [], "after": [], "total": 0}
        force = doc.forces[0]
        docnums = state.facets.postings["forces"].get(force, frozenset())
        dated = []
        for n in docnums:
            fields = state.searcher.stored_fields(n)
            dated.append((fields.get("published") or "", fields["id"], n))
        dated.sort()
        ids = [d[1] for d in dated]
        pos = ids.index(doc.id) if doc.id in ids else len(ids)
        before = self._docs(state, [d[2] for d in dated[max(0, pos - around):pos]])
        after = self._docs(state, [d[2] for d in dated[pos + 1:pos + 1 + around]])
        return {"force": force, "total": len(dated),
                "before": [hit_dict(d) for d in reversed(before)], "after": [hit_dict(d) for d in after]}

    # ---- statistics ------------------------------------------------------------------------
    def stats(self) -> dict:
        with self._lock:
            state = self._current()
            status = iw.read_status(self.index_dir)
            out = {"documents": 0, "by_type": {}, "by_year": {},
                   "last_update": status.get("last_update") if status else None,
                   "last_run": status, "index_bytes": iw.index_size_bytes(self.index_dir),
                   "index_dir": str(self.index_dir)}
            if state is None:
                return out
            out["documents"] = state.searcher.doc_count()
            out["by_type"] = dict(sorted(state.facets.counts("type", state.facets.all_docs).items()))
            out["by_year"] = dict(sorted(state.facets.counts("year", state.facets.all_docs).items()))
            return out


def hit_dict(doc: Document, snippet: str = "", score: float | None = None) -> dict:
    return {"id": doc.id, "url": doc.url, "title": doc.title, "published": doc.published,
            "type": doc.type, "forces": list(doc.forces), "regions": list(doc.regions),
            "inspectors": list(doc.inspectors), "snippet": snippet,
            "score": round(float(score), 4) if score is not None else None}
