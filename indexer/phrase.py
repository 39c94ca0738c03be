"""Phrase queries matched from decoded positions instead of Whoosh's span objects.

Whoosh answers a Phrase with SpanNear2, which walks the intersection of the words' postings one
document at a time and builds and merges a Span object per occurrence of every word: most of the
time of a phrase search. FastPhrase finds the same documents per segment by reading the words'
posting blocks whole (rarest word first, then only the blocks of the others that can hold one of
its documents) and checking word order with set operations on the decoded positions. A match is
scored exactly as Whoosh scores it: the words' term scores (same scorer, same weights) added up in
the binary-tree order of Whoosh's intersection matcher.

Anything this does not cover (another postings format, a field without plain positions, a
one-word phrase) goes to Whoosh's own Phrase.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from itertools import accumulate, chain, repeat
from operator import itemgetter
from pickle import loads

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.formats import Positions
from whoosh.matching import FilterMatcher, ListMatcher, Matcher, MultiMatcher, NullMatcher, WrappingMatcher
from whoosh.query import Phrase, Term

_succ = (1).__add__


class FastPhrase(Phrase):
    """Whoosh's Phrase (same matches, same scores), matched without spans."""

    @classmethod
    def of(cls, phrase: Phrase) -> "FastPhrase":
        return cls(phrase.fieldname, list(phrase.words), slop=phrase.slop, boost=phrase.boost,
                   char_ranges=phrase.char_ranges)

    def matcher(self, searcher, context=None):
        if not searcher.is_atomic():
            # Per segment, as a search does, so each segment's postings are read by the fast path.
            matchers, offsets = [], []
            for sub, offset in searcher.leaf_searchers():
                m = self.matcher(sub, context)
                if m.is_active():
                    matchers.append(m)
                    offsets.append(offset)
            return MultiMatcher(matchers, offsets) if matchers else NullMatcher()

        fieldname = self.fieldname
        schema = searcher.schema
        if len(self.words) < 2 or fieldname not in schema or type(schema[fieldname].format) is not Positions:
            return super().matcher(searcher, context)
        field = schema[fieldname]
        reader = searcher.reader()
        try:
            words = [field.to_bytes(word) for word in self.words]
        except ValueError:
            return NullMatcher()
        if any((fieldname, word) not in reader for word in words):
            return NullMatcher()

        leaves = [Term(fieldname, word).matcher(searcher, context) for word in words]
        postings = [_unfiltered(leaf) for leaf in leaves]
        if any(p is None for p in postings):
            return super().matcher(searcher, context)

        deleted = reader.is_deleted if reader.has_deletions() else None
        ids, columns = _matches(postings, [reader.doc_frequency(fieldname, w) for w in words], self.slop, deleted)
        if not ids:
            return NullMatcher()
        m = PhraseMatcher(ids, [(weights, values, p.format, p.scorer, p.term())
                                for (weights, values), p in zip(columns, postings)])
        return WrappingMatcher(m, boost=self.boost) if self.boost != 1.0 else m


def fast_phrases(qobj):
    """The query with every Phrase node answered by FastPhrase."""
    return qobj.accept(lambda q: FastPhrase.of(q) if type(q) is Phrase else q)


def _unfiltered(leaf):
    """The on-disk posting list under a term matcher (a deletion filter is applied afterwards), or None."""
    if type(leaf) is FilterMatcher and leaf.boost == 1.0:
        leaf = leaf.child
    if type(leaf) is W3LeafMatcher and type(leaf.format) is Positions:
        return leaf
    return None


def _read_blocks(m: W3LeafMatcher, wanted: list[int] | None):
    """{docnum: (weight, value)} for a posting list, reading only the blocks whose doc range holds a
    wanted docnum (every block when `wanted` is None). The matcher has no public way to read a block
    whole: these are the private reads its own id(), weight() and value() make."""
    out = {}
    prev_max = -1
    last = wanted[-1] if wanted else None
    while m.is_active():
        if last is not None and prev_max >= last:
            break
        max_id = m.block_max_id()
        if wanted is None or bisect_right(wanted, max_id) > bisect_right(wanted, prev_max):
            m._read_ids()
            m._read_weights()
            m._read_values()
            out.update(zip(m._ids, zip(m._weights, m._values)))
        prev_max = max_id
        m._next_block()
    return out


def _positions(value: bytes):
    # Positions.decode_positions without its Python loop: a 4-byte count, then pickled deltas.
    if not value.endswith(b"."):
        value += b"."
    return accumulate(loads(value[4:]))


def _in_order(values, slop: int) -> bool:
    """Whether each word occurs 1..slop positions after the previous one (SpanNear2 with ordered=True
    and mindist=1: a chain of positions where each is at most `slop` after the one before)."""
    ends = _positions(values[0])
    last = len(values) - 1
    for k in range(1, last + 1):
        following = _positions(values[k])
        if slop == 1:
            if k == last:
                return not set(following).isdisjoint(map(_succ, ends))
            ends = set(map(_succ, ends)).intersection(following)
        else:
            starts = sorted(ends)
            ends = []
            for p in following:
                i = bisect_left(starts, p)
                if i and p - starts[i - 1] <= slop:
                    ends.append(p)
        if not ends:
            return False
    return True


def _matches(postings, dfs, slop, deleted=None):
    """(docnums, [(weights, values) per word]) of the documents holding the phrase, in docnum order."""
    n = len(postings)
    tables = [None] * n
    candidates = None
    for j in sorted(range(n), key=dfs.__getitem__):
        table = _read_blocks(postings[j], candidates)
        tables[j] = table
        candidates = sorted(table) if candidates is None else [d for d in candidates if d in table]
        if not candidates:
            return [], []
    if deleted is not None:
        candidates = [d for d in candidates if not deleted(d)]
    if slop == 1 and candidates:
        found = _adjacent(candidates, tables)
    elif n == 2:
        ta, tb = tables
        found = [d for d in candidates if _in_order((ta[d][1], tb[d][1]), slop)]
    else:
        found = [d for d in candidates if _in_order([t[d][1] for t in tables], slop)]
    return found, [([t[d][0] for d in found], [t[d][1] for d in found]) for t in tables]


_PICKLE_WITHOUT_STOP = itemgetter(slice(4, -1))  # a Positions value less its count and STOP opcode
_DOC_STRIDE = 1 << 40  # above any position: (document index, position) as one integer


def _adjacent(candidates, tables):
    """The candidates where the words occur at consecutive positions (slop 1), for all candidates at
    once: positions decoded in one unpickling per word, then (document, position) keys intersected
    word by word, each word's keys shifted by one."""
    keys = None
    for table in tables:
        deltas = _decode_deltas([table[d][1] for d in candidates])
        counts = np.fromiter(map(len, deltas), dtype=np.int64, count=len(deltas))
        flat = np.fromiter(chain.from_iterable(deltas), dtype=np.int64, count=int(counts.sum()))
        ends = np.cumsum(flat)
        before = np.concatenate(([0], ends[np.cumsum(counts)[:-1] - 1])) if len(counts) else counts
        positions = ends - np.repeat(before, counts)  # the running sums restart at each document
        word_keys = np.repeat(np.arange(len(candidates), dtype=np.int64) * _DOC_STRIDE, counts) + positions
        keys = word_keys if keys is None else np.intersect1d(keys + 1, word_keys, assume_unique=True)
        if not len(keys):
            return []
    return [candidates[i] for i in np.unique(keys // _DOC_STRIDE).tolist()]


def _decode_deltas(values: list[bytes]) -> list[list[int]]:
    """Positions.decode_positions' pickled position deltas of many values. Each value is a 4-byte
    count and a pickled list: the lists, stripped of their STOP, go between a MARK and a LIST
    opcode, so one `loads` builds them all (each re-declares the protocol, which is allowed
    anywhere, and pickles of int lists reference no memo). Decoded one by one if that fails."""
    if all(map(bytes.endswith, values, repeat(b"."))):
        body = b"".join(map(_PICKLE_WITHOUT_STOP, values))
    else:
        body = b"".join(v[4:-1] if v.endswith(b".") else v[4:] for v in values)
    try:
        out = loads(b"\x80\x02(" + body + b"l.")
        if len(out) == len(values) and all(type(x) is list for x in out):
            return out
    except Exception:  # noqa: BLE001 - any surprise in the stream: the safe way below
        pass
    return [loads(v[4:] if v.endswith(b".") else v[4:] + b".") for v in values]


def _tree_sum(values):
    # IntersectionMatcher trees are built by make_binary_tree and add a.score() + b.score(); adding
    # in the same order gives bit-identical floats.
    if len(values) == 1:
        return values[0]
    half = len(values) // 2
    return _tree_sum(values[:half]) + _tree_sum(values[half:])


class PhraseMatcher(Matcher):
    """The matches of a phrase in one segment. Each word has a posting matcher over just these
    documents, moved in step, so its own scorer scores it as it would score Whoosh's term matcher."""

    def __init__(self, ids, words, i=0):
        self._ids = ids
        self._words = words  # (weights, values, format, scorer, term) per word, in phrase order
        self._i = i
        self._leaves = [ListMatcher(ids, weights, values, fmt, scorer, position=i, term=term)
                        for weights, values, fmt, scorer, term in words]

    def is_active(self):
        return self._i < len(self._ids)

    def id(self):
        return self._ids[self._i]

    def next(self):
        self._i += 1
        for leaf in self._leaves:
            leaf.next()

    def skip_to(self, id):
        i = bisect_left(self._ids, id, self._i)
        if i != self._i:
            self.__init__(self._ids, self._words, i)

    def reset(self):
        self.__init__(self._ids, self._words)

    def copy(self):
        return PhraseMatcher(self._ids, self._words, self._i)

    def replace(self, minquality=0):
        return self if self.is_active() else NullMatcher()

    def supports_block_quality(self):
        return False

    def max_quality(self):
        # The bound Whoosh's intersection gives (its words' term bounds added), for collectors
        # that replace matchers once their top N is full.
        return _tree_sum([scorer.max_quality() for _, _, _, scorer, _ in self._words])

    def children(self):
        return list(self._leaves)

    def score(self):
        return _tree_sum([leaf.score() for leaf in self._leaves])

    def weight(self):
        return _tree_sum([leaf.weight() for leaf in self._leaves])
