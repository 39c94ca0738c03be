"""Every match of a query scored at once, in arrays, exactly as Whoosh's matchers score them one by one.

A relevance search needs every matching document (the facets count them) and the best few. Whoosh
walks a tree of Python matcher objects and scores match by match: most of a search's time. For the
shapes the search box produces (a word in title and body, AND and OR of those, phrases,
`field:value`), this reads each term's posting blocks whole, applies the same BM25F arithmetic to
arrays (NumPy float64: the same IEEE operations in the same order, so bit-identical scores) and
combines children as Whoosh's matchers add their scores, in the same tree order. Any other query
(NOT, prefixes, wildcards, ranges, a coordination bonus, another scorer or postings format) returns None,
and the search takes Whoosh's own path.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pickle import loads

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import FilterMatcher, WrappingMatcher
from whoosh.matching.mcore import NullMatcherClass
from whoosh.query import And, NullQuery, Or, Term
from whoosh.scoring import BM25FScorer, WeightScorer
from whoosh.util import make_weighted_tree
from whoosh.util.numeric import byte_to_length

from .codec import _field_lengths
from .phrase import FastPhrase, PhraseMatcher, _tree_sum

# byte_to_length for every byte: a field length column holds one such byte per document.
_LENGTH_OF_BYTE = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
# Or.matcher pre-loads the scores of a many-word OR in a segment of at most this many documents.
PRELOAD_MAX_DOCS = 5000
_EMPTY = (np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float64))


class Unsupported(Exception):
    """A query or index part this module does not reproduce exactly: Whoosh's path answers it."""


@dataclass
class Scored:
    docnums: np.ndarray   # int64, ascending, global document numbers
    scores: np.ndarray    # float64, the score Whoosh would give each

    def top(self, limit: int, allowed=None) -> list[tuple[float, int]]:
        """(score, docnum) of the best `limit` documents (of those in `allowed`, when given), best
        first, equal scores by document number: the order of Whoosh's TopCollector."""
        docnums, scores = self.docnums, self.scores
        if allowed is not None:
            keep = np.fromiter(map(allowed.__contains__, docnums.tolist()), dtype=bool, count=len(docnums))
            docnums, scores = docnums[keep], scores[keep]
        if len(docnums) > limit:
            # Everything scoring at least the limit-th best score, then an exact sort of those few.
            kth = np.partition(scores, len(scores) - limit)[len(scores) - limit]
            near = scores >= kth
            docnums, scores = docnums[near], scores[near]
        order = np.lexsort((docnums, -scores))[:limit]
        return list(zip(scores[order].tolist(), docnums[order].tolist()))


@dataclass
class VectorScorer:
    """Per searcher: each segment's field lengths and deleted documents as arrays, read once."""

    searcher: object
    _lengths: dict = field(default_factory=dict, repr=False)
    _deleted: dict = field(default_factory=dict, repr=False)

    def score(self, qobj) -> Scored | None:
        """Every match of `qobj` and its score, or None when only Whoosh can answer it exactly."""
        ids, scores = [], []
        try:
            for sub, offset in self.searcher.leaf_searchers():
                seg_ids, seg_scores = self._node(sub, qobj)
                ids.append(seg_ids + offset)
                scores.append(seg_scores)
        except Unsupported:
            return None
        if not ids:
            return Scored(*_EMPTY)
        return Scored(np.concatenate(ids), np.concatenate(scores))

    # ---- query nodes (one segment) ---------------------------------------------------------
    def _node(self, sub, q):
        kind = type(q)
        if kind is Term:
            return self._term(sub, q)
        if kind is FastPhrase:
            return self._phrase(sub, q)
        if kind is And or kind is Or:
            subs = q.subqueries
            if not subs:
                return _EMPTY
            if len(subs) == 1:  # CompoundQuery.matcher: the only child's matcher, no boost
                return self._node(sub, subs[0])
            if kind is Or:
                if q.scale or q.minmatch:
                    raise Unsupported  # a coordination bonus
                if len(subs) > 2 and not (len(subs) < Or.TOO_MANY_CLAUSES and sub.doc_count_all() > PRELOAD_MAX_DOCS):
                    return self._preloaded_or(sub, q)
            reader = sub.reader()
            # The weighted tree Whoosh builds (And: biggest first; Or: smallest first), with our
            # (ids, scores) pairs at the leaves; ties are broken by position as stable input gives.
            sign = -1 if kind is And else 1
            combine = _intersect if kind is And else _union
            leaves = [(sign * child.estimate_size(reader), n, self._node(sub, child))
                      for n, child in enumerate(subs)]
            ids, scores = make_weighted_tree(lambda a, b: _Pair(combine(a.value, b.value)),
                                             [(w, _Pair(v, n)) for w, n, v in leaves]).value
            return (ids, scores * q.boost) if q.boost != 1.0 else (ids, scores)
        if q is NullQuery or kind is type(NullQuery):
            return _EMPTY
        raise Unsupported

    def _preloaded_or(self, sub, q: Or):
        """Or.matcher's choice for many words in a small segment (ArrayUnionMatcher): each child's
        score times the boost, added in the children's order; a document scoring 0 is no match."""
        parts = [self._node(sub, child) for child in q.subqueries]
        ids = np.unique(np.concatenate([p[0] for p in parts]))
        scores = np.zeros(len(ids), dtype=np.float64)
        for part_ids, part_scores in parts:
            scores[np.searchsorted(ids, part_ids)] += part_scores * q.boost
        keep = scores > 0
        return ids[keep], scores[keep]

    def _term(self, sub, q: Term):
        m = q.matcher(sub)  # Whoosh's own matcher: its scorer, boost and deletion filter
        boost = 1.0
        if type(m) is WrappingMatcher:
            boost, m = m.boost, m.child
        deleted = None
        if type(m) is FilterMatcher:
            if not m._exclude or m.boost != 1.0:
                raise Unsupported
            deleted, m = m._ids, m.child
        if isinstance(m, NullMatcherClass) or (hasattr(m, "is_active") and not m.is_active()):
            return _EMPTY
        if type(m) is not W3LeafMatcher or m._byteids:
            raise Unsupported
        ids, weights = _read_postings(m)
        if deleted:
            keep = ~np.isin(ids, self._deleted_array(sub, deleted))
            ids, weights = ids[keep], weights[keep]
        scores = self._term_scores(sub, q.fieldname, m.scorer, ids, weights)
        return ids, (scores * boost if boost != 1.0 else scores)

    def _phrase(self, sub, q: FastPhrase):
        m = q.matcher(sub)
        boost = 1.0
        if type(m) is WrappingMatcher:
            boost, m = m.boost, m.child
        if isinstance(m, NullMatcherClass):
            return _EMPTY
        if type(m) is not PhraseMatcher:
            raise Unsupported
        ids = np.asarray(m._ids, dtype=np.int64)
        scores = _tree_sum([self._term_scores(sub, q.fieldname, scorer, ids, np.asarray(weights, dtype=np.float64))
                            for weights, _values, _fmt, scorer, _term in m._words])
        return ids, (scores * boost if boost != 1.0 else scores)

    # ---- scoring ---------------------------------------------------------------------------
    def _term_scores(self, sub, fieldname: str, scorer, ids, weights):
        if type(scorer) is WeightScorer:
            return weights
        if type(scorer) is not BM25FScorer:
            raise Unsupported
        fl = self._field_lengths(sub, fieldname)[ids]
        idf, avgfl, B, K1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
        # whoosh.scoring.bm25, operation for operation.
        return idf * ((weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * fl / avgfl)))

    def _field_lengths(self, sub, fieldname: str):
        reader = sub.reader()
        key = (id(reader), fieldname)
        lengths = self._lengths.get(key)
        if lengths is None:
            column = _field_lengths(getattr(reader, "_perdoc", None), fieldname)
            if column is None:
                raise Unsupported
            lengths = _LENGTH_OF_BYTE[np.frombuffer(column, dtype=np.uint8)]
            self._lengths[key] = lengths
        return lengths

    def _deleted_array(self, sub, deleted):
        key = id(sub.reader())
        found = self._deleted.get(key)
        if found is None or found[0] is not deleted:
            found = (deleted, np.fromiter(deleted, dtype=np.int64, count=len(deleted)))
            self._deleted[key] = found
        return found[1]


class _Pair:
    """A tree leaf or node for make_weighted_tree: ordered by position, never by its arrays."""

    __slots__ = ("n", "value")

    def __init__(self, value, n: int = 0):
        self.value, self.n = value, n

    def __lt__(self, other):
        return self.n < other.n


def _intersect(a, b):
    """IntersectionMatcher: documents in both; score a + b."""
    ids, ia, ib = np.intersect1d(a[0], b[0], assume_unique=True, return_indices=True)
    return ids, a[1][ia] + b[1][ib]


def _union(a, b):
    """UnionMatcher: documents in either; score a, b, or a + b where both match."""
    ids = np.union1d(a[0], b[0])
    scores = np.zeros(len(ids), dtype=np.float64)
    in_a = np.searchsorted(ids, a[0])
    in_b = np.searchsorted(ids, b[0])
    scores[in_a] = a[1]
    scores[in_b] += b[1]
    return ids, scores


def _read_postings(m: W3LeafMatcher):
    """(ids, weights) of a whole posting list, a block at a time. These are the reads the matcher's
    own id() and weight() make (it has no public way to read a block whole)."""
    id_blocks, weight_blocks = [], []
    postfile = m._postfile
    while m.is_active():
        data = postfile.get(m._dataoffset, m._nextoffset - m._dataoffset)
        if m._compression:
            data = zlib.decompress(data)
        deltas, weights, _values = loads(data)
        count = m._blocklength
        id_blocks.append(np.cumsum(np.asarray(deltas, dtype=np.int64)))  # delta-encoded from 0 per block
        if weights is None:
            weight_blocks.append(np.ones(count, dtype=np.float64))
        elif isinstance(weights, float):  # one weight for the block: Whoosh reads it back as float32
            weight_blocks.append(np.full(count, np.float32(weights), dtype=np.float64))
        else:
            weight_blocks.append(np.asarray(weights, dtype=np.float64))
        m._next_block()
    if not id_blocks:
        return _EMPTY
    return np.concatenate(id_blocks), np.concatenate(weight_blocks)
