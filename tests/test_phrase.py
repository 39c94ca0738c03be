"""FastPhrase answers exactly as Whoosh's Phrase: the same documents, the same scores, the same top hits.

Checked on a real on-disk index of generated documents with several segments and deleted and
replaced documents (conftest's `generated_index_dir`), for fixed and Hypothesis-generated phrase
queries (stop words inside, slop, field prefixes, inside AND/OR/NOT), and through the whole search
(totals, facets, hits, snippets).
"""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh.query import Or, Phrase

from indexer import phrase as fast
from indexer import search as search_module
from indexer.phrase import FastPhrase, fast_phrases
from indexer.query import from_mapping

STOP = ["and", "of", "the", "to", "in", "a", "for", "is"]


@pytest.fixture(scope="module")
def index(generated_search_index):
    return generated_search_index


@pytest.fixture(scope="module")
def searcher(generated_searcher):
    return generated_searcher


@pytest.fixture(scope="module")
def stock_parse(index, searcher):
    parser = index._parser(searcher.schema)
    return parser.parse


@pytest.fixture(scope="module")
def vocabulary(generated_corpus):
    return [re.findall(r"\w+", doc.body.lower()) for doc in generated_corpus]


def scored(searcher, qobj, limit=None):
    return [(hit.docnum, hit.score) for hit in searcher.search(qobj, limit=limit)]


def assert_same(searcher, stock):
    """The stock query and its FastPhrase rewrite agree on matches, every score and the top 10."""
    quick = fast_phrases(stock)
    assert sorted(quick.docs(searcher)) == sorted(stock.docs(searcher)), stock
    everything = scored(searcher, stock)
    assert scored(searcher, quick) == everything, stock
    assert scored(searcher, quick, limit=10) == scored(searcher, stock, limit=10), stock
    return len(everything)


def test_the_index_has_segments_and_deletions(searcher):
    assert len(searcher.leaf_searchers()) >= 3
    assert searcher.reader().has_deletions()


def test_queries_are_rewritten_only_where_there_is_a_phrase(index, searcher, stock_parse):
    assert index.parse('"mental health"', searcher.schema) == Or([
        FastPhrase("title", ["mental", "health"]), FastPhrase("body", ["mental", "health"])])
    assert index.parse("custody", searcher.schema) == stock_parse("custody")
    nested = index.parse('custody AND NOT (title:"domestic abuse" OR burglary)', searcher.schema)
    assert "FastPhrase('title', ['domest', 'abus']" in repr(nested)
    assert "Phrase('" not in repr(nested).replace("FastPhrase('", "")


@pytest.mark.parametrize("q", [
    '"stop and search"', '"child protection"', '"mental health"', '"county lines"',
    'title:"domestic abuse"', 'body:"domestic abuse"', '"the stop and the search"', '"mental health"~3',
    '"health mental"~2', '"protection child"', '"stop and search" AND race', '"stop and search" OR "county lines"',
    'custody NOT "mental health"', 'NOT "child protection"', '"mental health"^3 OR custody',
    '"zzqx custody"', '"of the"', '"domestic abuse victims"', '"custody custody"',
])
def test_fixed_phrases_match_and_score_as_whoosh(searcher, stock_parse, q):
    assert_same(searcher, stock_parse(q))


def test_the_benchmark_phrases_find_documents(searcher, stock_parse):
    for q in ('"stop and search"', '"child protection"', '"mental health"', '"county lines"'):
        assert assert_same(searcher, stock_parse(q)) > 0, q


def outcome(run):
    try:
        return run()
    except Exception as exc:  # noqa: BLE001 - the comparison is of what each raises too
        return type(exc).__name__


@pytest.mark.parametrize("slop", [0, 1, 2, 5])
@pytest.mark.parametrize("words", [["mental", "health"], ["stop", "search"], ["health"], ["child", "protect"],
                                   ["polic", "forc", "polic"], [], ["mental", "nosuchword"]])
@pytest.mark.parametrize("field", ["title", "body", "nosuchfield"])
def test_phrase_objects_built_directly(searcher, slop, words, field):
    """Odd shapes the parser does not build: one word, no word, slop 0, a missing word, a repeat."""
    stock = Phrase(field, words, slop=slop)
    quick = FastPhrase.of(stock)
    assert outcome(lambda: sorted(quick.docs(searcher))) == outcome(lambda: sorted(stock.docs(searcher)))
    assert outcome(lambda: scored(searcher, quick)) == outcome(lambda: scored(searcher, stock))


def test_a_field_without_positions_is_refused_as_whoosh_refuses_it(searcher):
    from whoosh.query.qcore import QueryError
    with pytest.raises(QueryError):
        list(Phrase("spell", ["mental", "health"]).docs(searcher))
    with pytest.raises(QueryError):
        list(FastPhrase("spell", ["mental", "health"]).docs(searcher))


@st.composite
def phrase_queries(draw, vocabulary):
    """A phrase of 2-4 words: a run of a document's words (so it often matches), changed a little."""
    words = draw(st.sampled_from([w for w in vocabulary if len(w) >= 6]))
    n = draw(st.integers(2, 4))
    start = draw(st.integers(0, len(words) - n))
    run = words[start:start + n]
    change = draw(st.sampled_from(["none", "none", "stop", "swap", "reverse", "other"]))
    if change == "stop":
        run.insert(draw(st.integers(1, len(run) - 1)), draw(st.sampled_from(STOP)))
    elif change == "swap":
        run[0], run[1] = run[1], run[0]
    elif change == "reverse":
        run.reverse()
    elif change == "other":
        run[draw(st.integers(0, len(run) - 1))] = draw(st.sampled_from(draw(st.sampled_from(vocabulary))))
    text = '"' + " ".join(run) + '"'
    slop = draw(st.sampled_from(["", "", "", "~1", "~2", "~3"]))
    field = draw(st.sampled_from(["", "", "", "title:", "body:"]))
    return field + text + slop


@pytest.fixture(scope="module")
def queries(vocabulary):
    phrase = phrase_queries(vocabulary)
    word = st.sampled_from(["custody", "police", "victims", "training", "race", "officers"])
    return st.one_of(
        phrase,
        st.tuples(phrase, st.sampled_from(["AND", "OR", "AND NOT", "OR NOT"]), st.one_of(phrase, word)).map(" ".join),
        phrase.map(lambda q: "NOT " + q),
        st.tuples(word, phrase).map(" ".join),
    )


def test_generated_phrase_queries_match_and_score_as_whoosh(searcher, stock_parse, queries):
    matched = []

    @settings(max_examples=250, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(queries)
    def check(q):
        matched.append(assert_same(searcher, stock_parse(q)))

    check()
    assert sum(1 for n in matched if n) > len(matched) // 4  # most checks are not about empty results


def _chains(poslists, slop):
    """Reference: some p0 < p1 < ... with each 1..slop after the one before (brute force)."""
    return any(all(1 <= b - a <= slop for a, b in zip(chain, chain[1:])) for chain in itertools.product(*poslists))


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.lists(st.sets(st.integers(0, 30), min_size=1, max_size=6), min_size=2, max_size=4), st.integers(0, 4))
def test_word_order_check_agrees_with_brute_force(positions, slop):
    poslists = [sorted(p) for p in positions]
    from whoosh.formats import Positions
    values = [Positions().encode(p) for p in poslists]
    assert fast._in_order(values, slop) == _chains(poslists, slop)


REQUESTS = [
    {"q": '"stop and search"'}, {"q": '"mental health"', "sort": "newest"}, {"q": 'title:"domestic abuse"'},
    {"q": '"child protection" OR "county lines"', "type": ["report", "news release"]},
    {"q": '"stop and search"~2 race', "year": ["2015", "2016", "2017"]}, {"q": '"county lines"', "page": 2},
    {"q": '"mental health" NOT custody', "sort": "oldest"}, {"q": '"zzqx yyqv"'},
]


@pytest.mark.parametrize("params", REQUESTS)
def test_whole_searches_are_unchanged(index, monkeypatch, params):
    """Totals, facet counts, hits in order with their scores and snippets, and exports."""
    req = from_mapping({"per_page": 10, **params})
    quick, quick_export = index.search(req), index.iter_documents(req)
    monkeypatch.setattr(search_module, "fast_phrases", lambda qobj: qobj)
    stock, stock_export = index.search(req), index.iter_documents(req)
    assert quick == stock
    assert quick_export == stock_export


def test_stock_phrase_is_what_the_comparison_runs(index, searcher, monkeypatch):
    monkeypatch.setattr(search_module, "fast_phrases", lambda qobj: qobj)
    assert type(index.parse('"mental health"', searcher.schema).subqueries[0]) is Phrase


def test_segments_are_answered_by_the_fast_matcher(searcher):
    """The comparisons above are of the fast path, not of Whoosh's Phrase that it falls back to."""
    kinds = {type(FastPhrase("body", ["stop", "search"]).matcher(sub)).__name__ for sub, _ in searcher.leaf_searchers()}
    assert "PhraseMatcher" in kinds
    assert kinds <= {"PhraseMatcher", "NullMatcher"}


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(st.lists(st.integers(0, 200_000), min_size=1, max_size=40, unique=True).map(sorted), max_size=30),
       st.booleans())
def test_positions_of_many_values_decode_as_each_alone(poslists, strip_stop):
    from whoosh.formats import Positions
    values = [Positions().encode(p) for p in poslists]
    if strip_stop:
        values = [v[:-1] for v in values]
    decoded = fast._decode_deltas(values)
    assert [list(itertools.accumulate(d)) for d in decoded] == poslists
    assert [list(fast._positions(v)) for v in values] == poslists


def test_a_value_the_batch_cannot_read_is_decoded_alone():
    from whoosh.formats import Positions
    values = [Positions().encode([1, 5]), Positions().encode([2]) + b"junk"]  # a STOP inside the stream
    assert fast._decode_deltas(values) == [[1, 4], [2]]
