"""WordCacheHighlighter's snippets are exactly those of Whoosh's Highlighter.

For any text (Hypothesis: the query's words in other forms and cases, stop words, dotted, starred
and very long tokens, markup characters, letters outside ASCII, any separators), for queries of
several kinds, past the highlighter's character limit, and through the whole search.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import highlight
from whoosh.highlight import ContextFragmenter, Highlighter

from indexer import search as search_module
from indexer import snippet
from indexer.query import from_mapping
from indexer.search import MarkFormatter, SearchIndex
from indexer.snippet import WordCacheHighlighter

QUERIES = ['"mental health"', "custody", "custod*", '"stop and search" OR detainees', "title:custody",
           "health NOT mental", '"county lines"~2', "victims training", "officers"]
WORDS = ["mental", "Mental", "MENTAL", "health", "healthy", "Health.", "custody", "custodial", "Custody",
         "custodies", "stop", "stopped", "search", "searches", "and", "the", "of", "AND", "county", "counties",
         "lines", "line", "detainees", "victims", "training", "trained", "officers", "officer", "police",
         "U.K.", "e.g.", "3.5", "a*b", "*", "Zoë", "İstanbul", "straße", "ﬁre", "x" * 170, "health" * 30,
         "&", "<mark>", "…", "'s", "don't", "mental-health", "health_care", "2017"]
SEPARATORS = [" ", " ", " ", "  ", ", ", ". ", "! ", "\n", "...", "-", "/", "'", "", "\t", " — "]


@pytest.fixture(scope="module")
def index(generated_index_dir):
    index = SearchIndex(generated_index_dir, refresh_seconds=3600)
    index.search(from_mapping({"q": "custody"}))
    yield index
    index.close()


@pytest.fixture(scope="module")
def hits(index):
    """A hit (its results carry the query) for each query."""
    searcher = index._current().searcher
    out = {}
    for q in QUERIES:
        results = searcher.search(index.parse(q, searcher.schema), limit=1)
        assert len(results), q
        out[q] = results[0]
    return out


def highlighters(analysed=None):
    def parts():
        return dict(fragmenter=ContextFragmenter(maxchars=160, surround=50), formatter=MarkFormatter())
    return Highlighter(**parts()), WordCacheHighlighter({} if analysed is None else analysed, **parts())


def assert_same_snippet(hit, text, top=2, analysed=None):
    stock, quick = highlighters(analysed)
    expected = stock.highlight_hit(hit, "body", text=text, top=top)
    assert quick.highlight_hit(hit, "body", text=text, top=top) == expected
    return expected


words = st.sampled_from(WORDS)
texts = st.lists(st.tuples(st.one_of(words, words, words, st.text(max_size=12)), st.sampled_from(SEPARATORS)),
                 min_size=1, max_size=300).map(lambda pairs: "".join(w + s for w, s in pairs))


def test_generated_texts_give_whooshs_snippets(hits):
    marked = []

    @settings(max_examples=300, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.sampled_from(QUERIES), texts, st.integers(1, 3))
    def check(q, text, top):
        marked.append("<mark>" in assert_same_snippet(hits[q], text, top))

    check()
    assert sum(marked) > len(marked) // 10  # some texts carry a query word


def test_corpus_texts_give_whooshs_snippets(hits, generated_corpus):
    analysed: dict = {}  # shared between hits, as within one search and across searches
    for q, hit in hits.items():
        for doc in generated_corpus[::16]:
            assert_same_snippet(hit, doc.body, analysed=analysed)
    assert analysed


def test_text_past_the_character_limit(hits):
    filler = "the inspection found that officers " * 1200  # past ContextFragmenter's 32768 characters
    for text in (filler + "mental health custody", "mental health " + filler + "custody mental health",
                 "", "   ", "mental", filler):
        for hit in hits.values():
            assert_same_snippet(hit, text)


def test_a_word_that_is_not_one_token_goes_to_whoosh(hits, monkeypatch):
    def refuse(self, analyzer, word):
        raise snippet._NotOneToken(word)
    monkeypatch.setattr(WordCacheHighlighter, "_analyse", refuse)
    assert assert_same_snippet(hits['"mental health"'], "Mental health: the mental health of detainees.")


def test_the_word_cache_is_bounded(hits, monkeypatch):
    monkeypatch.setattr(snippet, "MAX_CACHED_WORDS", 5)
    analysed: dict = {}
    assert_same_snippet(hits["custody"], "one two three four five six seven custody eight nine", analysed=analysed)
    assert len(analysed) <= 5


def test_only_the_stemming_analyzer_is_taken_word_by_word(index):
    schema = index._current().searcher.schema
    assert snippet._word_by_word(schema["body"].analyzer)
    assert not snippet._word_by_word(schema["spell"].analyzer)


@pytest.mark.parametrize("params", [
    {"q": '"mental health"'}, {"q": "custody"}, {"q": "custod*", "sort": "newest"}, {"q": "officers", "page": 3},
    {"q": '"stop and search" detainees', "type": ["report"]}, {"q": "health NOT mental"},
])
def test_whole_searches_are_unchanged(index, monkeypatch, params):
    req = from_mapping({"per_page": 10, **params})
    quick = index.search(req)
    monkeypatch.setattr(search_module, "WordCacheHighlighter", lambda analysed, **parts: Highlighter(**parts))
    stock = index.search(req)
    assert quick == stock
    assert any("<mark>" in hit["snippet"] for hit in stock["hits"]) or not stock["hits"]


FILLER = ["the", "inspection", "found", "that", "forces", "were", "of", "a", "x", "2017", "U.K.", "re-offending",
          "proportion", "be", "it", "…", "Zoë", "quality", "in"]


@st.composite
def sparse_texts(draw):
    """Long texts whose matches are few and far apart: most tokens lie outside every fragment's window."""
    length = draw(st.integers(300, 3000))
    tokens = [draw(st.sampled_from(FILLER)) for _ in range(40)] * (length // 40 + 1)
    for _ in range(draw(st.integers(0, 6))):
        tokens[draw(st.integers(0, length - 1))] = draw(st.sampled_from(["custody", "Mental", "health", "officers"]))
    seps = draw(st.lists(st.sampled_from(SEPARATORS), min_size=1, max_size=5))
    return "".join(t + seps[i % len(seps)] for i, t in enumerate(tokens[:length]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sparse_texts(), st.sampled_from(['"mental health"', "custody", "officers", "health NOT mental"]),
       st.sampled_from([(160, 50), (200, 20), (40, 5), (400, 120)]), st.integers(1, 4))
def test_far_from_every_match_tokens_are_skipped_with_the_same_snippet(hits, text, q, shape, top):
    maxchars, surround = shape

    def make(cls, *args):
        return cls(*args, fragmenter=ContextFragmenter(maxchars=maxchars, surround=surround),
                   formatter=MarkFormatter())
    expected = make(Highlighter).highlight_hit(hits[q], "body", text=text, top=top)
    assert make(WordCacheHighlighter, {}).highlight_hit(hits[q], "body", text=text, top=top) == expected


def _shape(fragments):
    return [(f.startchar, f.endchar, [(t.startchar, t.endchar, t.text) for t in f.matches]) for f in fragments]


@settings(max_examples=400, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.sampled_from(QUERIES), texts, st.sampled_from([(160, 50, 2**15), (20, 5, 2**15), (8, 0, 0), (40, 1, 300),
                                                          (200, 20, 0), (5, 3, 90), (1, 1, 2**15)]))
def test_the_fragmenter_skips_to_the_same_fragments(hits, q, text, params):
    """Any window sizes, including fragments shorter than a word and a countdown ending at 0."""
    maxchars, surround, charlimit = params
    fragmenter = ContextFragmenter(maxchars=maxchars, surround=surround, charlimit=charlimit)
    hit = hits[q]
    analyzer = hit.searcher.schema["body"].analyzer
    quick = WordCacheHighlighter({})
    words = frozenset(hit.searcher.schema["body"].from_bytes(t[1])
                      for t in hit.results.query_terms(expand=True, fieldname="body"))
    try:
        starts, ends, marked = quick._matches(text, analyzer, words)
    except snippet._NotOneToken:
        return
    expected = _shape(fragmenter.fragment_tokens(text, snippet.all_tokens(starts, ends, marked)))
    assert _shape(snippet.context_fragments(text, starts, ends, marked, fragmenter)) == expected


@pytest.mark.parametrize("fragmenter", [lambda: highlight.SentenceFragmenter(maxchars=200),
                                        lambda: highlight.WholeFragmenter()])
def test_other_fragmenters_get_whooshs_token_stream(hits, generated_corpus, fragmenter):
    """Fragmenters other than ContextFragmenter are given every token, as Whoosh's highlighter gives them.
    (Not PinpointFragmenter: it keeps references to the tokens it is given, and Whoosh's highlighter hands
    it, after two adjacent matches, its tokenizer's reused token, so Whoosh's own fragments are mangled.)"""
    for q, hit in hits.items():
        for doc in generated_corpus[::40]:
            stock = Highlighter(fragmenter=fragmenter(), formatter=MarkFormatter())
            quick = WordCacheHighlighter({}, fragmenter=fragmenter(), formatter=MarkFormatter())
            text = doc.body + " " + q.strip('"')
            assert quick.highlight_hit(hit, "body", text=text, top=2) == stock.highlight_hit(hit, "body", text=text, top=2)
