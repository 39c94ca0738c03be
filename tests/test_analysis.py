"""The fast index-time analysis gives exactly the postings Whoosh's own analysers give, so queries
(analysed by Whoosh) find what was indexed."""

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh.analysis import StemmingAnalyzer
from whoosh.fields import TEXT
from whoosh.system import pack_uint

from indexer.analysis import STEM_CACHE_MAX, SpellingText, StemmedText, spelling_words, stem, stemmed_positions
from indexer.index_writer import make_schema

WORDS = st.sampled_from(["police", "Policing", "the", "and", "a", "I", "stop", "search", "custody", "Kent's",
                         "e.g.", "U.K.", "3.5", "x*y", "**", "...", "—", "“quoted”", "naïve", "İstanbul", "ß",
                         "ﬁnance", "Ⅻ", "٣", "_", "a_b", "co-operation", "HMICFRS", "inspections", "\n", "\t"])
TEXTS = st.one_of(st.text(max_size=300), st.lists(WORDS, max_size=60).map(" ".join),
                  st.lists(WORDS, max_size=60).map("".join))
MANY = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def postings(field, text):
    return sorted(field.index(text))


@MANY
@given(TEXTS, st.sampled_from([1.0, 2.0]))
def test_stemmed_text_indexes_as_the_stemming_analyzer(text, boost):
    assert postings(StemmedText(field_boost=boost), text) == \
        postings(TEXT(analyzer=StemmingAnalyzer(), field_boost=boost), text)


@MANY
@given(TEXTS)
def test_spelling_text_indexes_each_analysed_word_once_without_numbers(text):
    field = SpellingText()
    words = {t.text for t in field.analyzer(text)}
    assert postings(field, text) == sorted((w.encode(), 1, 1.0, pack_uint(1)) for w in words if not w.isdigit())


def test_spelling_words_skip_stop_words_short_words_and_numbers():
    assert spelling_words("The Police and the police: 2014 custody in Kent, UK") == ["police", "custody", "kent"]


def test_real_pages_index_as_whoosh_would(shared_data):
    stock = TEXT(analyzer=StemmingAnalyzer())
    fast = StemmedText()
    with open(shared_data / "hmic_pages_dev.jsonl", encoding="utf-8") as fh:
        pages = [json.loads(line) for line in fh]
    assert len(pages) > 100
    for page in pages:
        assert postings(fast, page["text"]) == postings(stock, page["text"]), page["url"]


def test_positions_renumber_after_stop_words_like_whoosh():
    # "the" (index 0) is dropped: the first kept word keeps its index, the next ones follow it.
    assert dict(stemmed_positions("The stop and search of a person")) == {"stop": [1], "search": [2], "person": [3]}


def test_query_terms_find_the_indexed_terms():
    schema = make_schema()
    analyzer = schema["body"].analyzer
    text = "Inspecting forces' custody suites: detainees were searched."
    indexed = {term.decode() for term, *_ in schema["body"].index(text)}
    assert {t.text for t in analyzer(text)} == indexed


def test_stem_cache_stays_bounded():
    for n in range(STEM_CACHE_MAX + 10):
        stem(f"word{n}s")
    from indexer import analysis
    assert len(analysis._stems) <= STEM_CACHE_MAX
    assert stem("inspections") == "inspect"


def test_other_values_fall_back_to_whoosh():
    # A list value is indexed token by token by Whoosh; the fast path only takes strings.
    assert postings(StemmedText(), ["Police", "forces"]) == postings(TEXT(analyzer=StemmingAnalyzer()),
                                                                     ["Police", "forces"])


@pytest.mark.parametrize("field", ["title", "body", "force", "region", "inspector", "ptype", "spell"])
def test_schema_text_fields_use_the_fast_path(field):
    assert isinstance(make_schema()[field], (StemmedText, SpellingText))
