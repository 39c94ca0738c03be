"""The array scorer answers exactly as Whoosh's matchers: the same documents, bit-identical scores,
the same top hits in the same order, with and without filters.

Checked on a real on-disk index of generated documents with several segments and deleted and
replaced documents (conftest's `generated_index_dir`), for fixed and Hypothesis-generated queries,
and through the whole search (totals, facets, hits, snippets) against the search without it.
"""

from __future__ import annotations

import random
import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import collectors
from whoosh.query import And, Or, Phrase, Term

from indexer import vscore
from indexer.query import from_mapping
from indexer.search import MatchSetCollector
from indexer.vscore import VectorScorer


@pytest.fixture(scope="module")
def searcher(generated_searcher):
    return generated_searcher


@pytest.fixture(scope="module")
def parse(generated_search_index, searcher):
    return lambda q: generated_search_index.parse(q, searcher.schema)


@pytest.fixture(scope="module")
def words(generated_corpus):
    counts: dict[str, int] = {}
    for doc in generated_corpus:
        for word in re.findall(r"[a-z]{4,}", doc.body.lower()):
            counts[word] = counts.get(word, 0) + 1
    ranked = sorted(counts, key=lambda w: (-counts[w], w))
    return ranked[:40] + ranked[200:240] + ranked[-40:]  # common, middling and rare words


def whoosh_top(searcher, qobj, limit, allowed=None):
    top = collectors.TopCollector(limit=limit, usequality=False, replace=0)
    collector = MatchSetCollector(top, allowed)
    searcher.search_with_collector(qobj, collector)
    return sorted(collector.matched), [(hit.score, hit.docnum) for hit in collector.results()]


def assert_same(searcher, qobj, allowed=None) -> int:
    """Matches, every score (==, not approximately) and the top 10 (by score, then document number)."""
    scored = VectorScorer(searcher).score(qobj)
    assert scored is not None, qobj
    everything = {hit.docnum: hit.score for hit in searcher.search(qobj, limit=None)}
    assert scored.docnums.tolist() == sorted(everything), qobj
    assert dict(zip(scored.docnums.tolist(), scored.scores.tolist())) == everything, qobj
    matched, top = whoosh_top(searcher, qobj, 10, allowed)
    assert scored.docnums.tolist() == matched
    assert scored.top(10, allowed) == top, qobj
    return len(everything)


def test_the_index_has_segments_and_deletions(searcher):
    assert len(searcher.leaf_searchers()) >= 3
    assert searcher.reader().has_deletions()


@pytest.mark.parametrize("q", [
    "custody", "police", "domestic abuse", "police crime victims officers", "custody OR police",
    "custody OR police OR victims", "custody^3 police", "(custody police)^0.5 OR race", "title:custody",
    "body:police title:crime", '"stop and search"', '"mental health"^2 custody', '"stop and search" OR custody',
    "force:cumbria", "inspector:billingham custody", "zzqx", "custody zzqx", "custody OR zzqx",
    "the", '"child protection"~3',
])
def test_fixed_queries_score_as_whoosh(searcher, parse, q):
    assert_same(searcher, parse(q))


def test_filters_choose_the_top_among_allowed_documents(searcher, parse):
    qobj = parse("police crime")
    everything = VectorScorer(searcher).score(qobj).docnums.tolist()
    rng = random.Random(3)
    for share in (0.02, 0.3, 0.9):
        allowed = frozenset(d for d in everything if rng.random() < share) | {10 ** 6}
        assert_same(searcher, qobj, allowed)
    assert_same(searcher, qobj, frozenset())


def test_ties_are_broken_by_document_number(searcher):
    # Every matching document of a one-term query on an unscored field has the same score (its weight).
    qobj = Term("type", "news release")
    scored = VectorScorer(searcher).score(qobj)
    assert scored is not None and len(set(scored.scores.tolist())) < len(scored.scores)
    assert scored.top(15) == whoosh_top(searcher, qobj, 15)[1]


def test_many_word_or_in_a_big_segment_is_a_tree_of_unions(searcher, parse, monkeypatch):
    """Or.matcher pre-loads scores in small segments and builds a union tree in big ones: both kinds."""
    monkeypatch.setattr(vscore, "PRELOAD_MAX_DOCS", -1)
    monkeypatch.setattr(Or, "matcher_type", Or.DEFAULT_MATCHER)
    for q in ("custody OR police OR victims", "custody OR race OR police OR training OR officers"):
        assert_same(searcher, parse(q))


@pytest.mark.parametrize("q", ["custody NOT police", "NOT custody", "cust*", "custod?", "title:[a TO c]",
                               "published:[20150101 TO 20161231]"])
def test_other_queries_are_left_to_whoosh(searcher, parse, q):
    assert VectorScorer(searcher).score(parse(q)) is None


def test_stock_phrase_objects_are_left_to_whoosh(searcher):
    assert VectorScorer(searcher).score(Phrase("body", ["mental", "health"])) is None


def test_boosts_of_nested_groups(searcher):
    q = And([Or([Term("title", "custodi", boost=2.0), Term("body", "custodi")], boost=1.5),
             Or([Term("body", "polic"), Term("title", "polic")])], boost=0.7)
    assert assert_same(searcher, q) > 0


@pytest.fixture(scope="module")
def queries(words):
    word = st.sampled_from(words)
    field = st.sampled_from(["", "", "", "title:", "body:"])
    boost = st.sampled_from(["", "", "", "^2", "^0.5"])
    term = st.tuples(field, word, boost).map("".join)
    phrase = st.lists(word, min_size=2, max_size=3).map(lambda ws: '"' + " ".join(ws) + '"')
    atom = st.one_of(term, term, phrase)
    group = st.lists(atom, min_size=2, max_size=3).map(lambda xs: "(" + " OR ".join(xs) + ")")
    return st.lists(st.one_of(atom, group), min_size=1, max_size=4).flatmap(
        lambda xs: st.sampled_from([" ", " AND ", " OR "]).map(lambda joint: joint.join(xs)))


def test_generated_queries_score_as_whoosh(searcher, parse, queries):
    matched = []

    @settings(max_examples=300, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(queries)
    def check(q):
        qobj = parse(q)
        if VectorScorer(searcher).score(qobj) is None:
            matched.append(None)
            return
        matched.append(assert_same(searcher, qobj))

    check()
    assert matched.count(None) < len(matched) // 10  # the search box's shapes are covered
    assert sum(1 for n in matched if n) > len(matched) // 3  # most checks are not about empty results


def test_posting_blocks_decode_to_whoosh_ids_and_weights(searcher):
    for sub, _ in searcher.leaf_searchers():
        reader = sub.reader()
        for fieldname, text in list(reader.all_terms())[::97]:
            m = reader.postings(fieldname, text)
            expected_ids, expected_weights = [], []
            while m.is_active():
                expected_ids.append(m.id())
                expected_weights.append(m.weight())
                m.next()
            raw = reader.postings(fieldname, text)
            raw = getattr(raw, "child", raw)  # below a deletion filter
            ids, weights = vscore._read_postings(raw)
            deleted = reader.is_deleted
            keep = [not deleted(d) for d in ids.tolist()]
            assert ids[np.array(keep, dtype=bool)].tolist() == expected_ids
            assert weights[np.array(keep, dtype=bool)].tolist() == expected_weights


REQUESTS = [
    {"q": "custody"}, {"q": "police crime", "force": ["Cumbria Constabulary"]},
    {"q": "domestic abuse", "year": ["2015", "2016", "2017"], "type": ["report", "news release"]},
    {"q": "custody OR race", "page": 2}, {"q": '"stop and search" victims', "from": "2012-01-01", "to": "2018-12-31"},
    {"q": "police", "sort": "newest"}, {"q": "zzqx"}, {"q": "title:custody", "per_page": 50},
]


@pytest.mark.parametrize("params", REQUESTS)
def test_whole_searches_are_unchanged(generated_search_index, monkeypatch, params):
    """Totals, facet counts, hits in order with their scores and snippets."""
    req = from_mapping({"per_page": 10, **params})
    quick = generated_search_index.search(req)
    monkeypatch.setattr(VectorScorer, "score", lambda self, qobj: None)
    stock = generated_search_index.search(req)
    assert quick == stock
