"""Facet counts are exact: a value's count equals the total after adding that value to the filters.

Within a facet, selected values are OR-ed and the facet's counts ignore its own selection, so a
value's count is the total with that value selected in its facet: the total after adding it when
nothing else is selected there, and what it contributes alone when something is.
"""

from __future__ import annotations

import itertools
import random
import sys
from pathlib import Path

import pytest

from indexer import index_writer as iw
from indexer.query import FACETS, from_mapping
from indexer.search import SearchIndex

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from corpus_gen import CorpusGenerator  # noqa: E402

DOCS = 200
QUERIES = ["", "custody", "domestic abuse", '"stop and search"', "force:cumbria", "officers training"]


def build(index_dir: Path, docs) -> None:
    generation = iw.new_generation(index_dir)
    ix = iw.whoosh_index.open_dir(generation, indexname=iw.INDEX_NAME)
    writer = iw.BatchWriter(ix, batch_size=100)
    for doc in docs:
        writer.put(doc)
    writer.commit()
    iw.make_live(index_dir, generation)


def with_value(params: dict, facet: str, value: str) -> dict:
    """The request with `value` selected in `facet`: added to the filters (the facet's own
    selection, OR-ed with it, is replaced so the total isolates this value)."""
    out = {k: list(v) if isinstance(v, (list, tuple)) else v for k, v in params.items()}
    out[facet] = [value]
    return out


def check_exact(index: SearchIndex, params: dict) -> int:
    """Every shown facet value's count equals the total of the search with that value added."""
    result = index.search(from_mapping({**params, "per_page": 5}))
    checked = 0
    for facet in FACETS:
        for item in result["facets"][facet][:3]:
            narrowed = index.search(from_mapping({**with_value(params, facet, item["value"]), "per_page": 1}))
            assert narrowed["total"] == item["count"], (params, facet, item)
            checked += 1
        selected = params.get(facet) or []
        if len(selected) >= 2:  # OR within a facet: the union's total is at most the sum of the counts
            counts = {i["value"]: i["count"] for i in result["facets"][facet]}
            assert max(counts[v] for v in selected) <= result["total"] <= sum(counts[v] for v in selected)
    return checked


def filter_sets(rng: random.Random, index: SearchIndex, q: str):
    """No filter, one value, two values of one facet (OR), and values of several facets (AND)."""
    facets = index.search(from_mapping({"q": q}))["facets"]
    yield {"q": q}
    for facet in ("force", "year", "type"):
        values = [item["value"] for item in facets[facet]]
        if values:
            yield {"q": q, facet: rng.sample(values, 1)}
        if len(values) >= 2:
            yield {"q": q, facet: rng.sample(values, 2)}
    pick = {f: [facets[f][0]["value"]] for f in ("force", "region", "type") if facets[f]}
    yield {"q": q, **pick}
    yield {"q": q, "from": "2012-01-01", "to": "2018-12-31", **pick}


@pytest.fixture(scope="module")
def corpus():
    return [g.doc for g in CorpusGenerator(median_words=60).generate(DOCS)]


@pytest.fixture(scope="module")
def index(tmp_path_factory, corpus):
    index_dir = tmp_path_factory.mktemp("facets") / "index"
    build(index_dir, corpus[:150])
    search = SearchIndex(index_dir, refresh_seconds=0)
    yield index_dir, search
    search.close()


def test_counts_equal_totals_single_and_multi_select(index):
    _, search = index
    rng = random.Random(7)
    checked = sum(check_exact(search, params) for q in QUERIES for params in filter_sets(rng, search, q))
    assert checked > 100


def test_total_and_counts_agree_with_a_brute_force_count(index, corpus):
    _, search = index
    docs = corpus[:150]
    params = {"q": "", "force": [], "type": ["news release", "report"]}
    result = search.search(from_mapping({**params, "per_page": 1}))
    assert result["total"] == sum(d.type in ("news release", "report") for d in docs)
    years = {item["value"]: item["count"] for item in result["facets"]["year"]}
    for year, count in years.items():
        assert count == sum(d.year == year and d.type in ("news release", "report") for d in docs)
    # The type facet ignores its own filter: it counts every document by type.
    types = {item["value"]: item["count"] for item in result["facets"]["type"]}
    assert sum(types.values()) == len(docs)


def test_relevance_pages_are_the_filtered_top_hits(index):
    _, search = index
    params = {"q": "custody", "type": ["news release"]}
    first = search.search(from_mapping({**params, "per_page": 5}))
    second = search.search(from_mapping({**params, "per_page": 5, "page": 2}))
    both = search.search(from_mapping({**params, "per_page": 10}))
    assert [h["id"] for h in first["hits"] + second["hits"]] == [h["id"] for h in both["hits"]]
    assert all(h["type"] == "news release" for h in both["hits"])
    scores = [h["score"] for h in both["hits"]]
    assert scores == sorted(scores, reverse=True)


def test_still_exact_after_incremental_updates_and_deletions(index, corpus):
    # Runs last: it changes the module's index.
    index_dir, search = index
    ix = iw.open_live(index_dir)
    writer = iw.BatchWriter(ix, batch_size=20)
    for doc in corpus[150:]:                      # new documents
        writer.put(doc)
    for doc in corpus[:30]:                       # changed metadata
        writer.put(doc.replace(forces=doc.forces[:1], type="report", published="2019-05-01"))
    for doc in corpus[30:60]:                     # removed
        writer.delete(doc.id)
    writer.commit()
    assert search.search(from_mapping({"q": ""}))["total"] == DOCS - 30
    rng = random.Random(11)
    for q, params in itertools.product(QUERIES[:3], [None]):
        for params in filter_sets(rng, search, q):
            check_exact(search, params)
    deleted = {d.id for d in corpus[30:60]}
    listed = search.search(from_mapping({"q": "", "per_page": 100, "page": 1}))
    assert not deleted & {h["id"] for h in listed["hits"]}
