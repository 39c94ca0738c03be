"""The read side over a real on-disk index: queries, exact multi-select facets, snippets, sorting, paging."""

import itertools
import json

import pytest

from indexer.query import FACETS, from_mapping
from indexer.search import SearchIndex


@pytest.fixture
def reader(index_dir):
    reader = SearchIndex(index_dir)
    yield reader
    reader.close()


def search(reader, **params):
    return reader.search(from_mapping(params))


def test_result_shape_matches_the_api(reader):
    result = search(reader, q="custody")
    assert set(result) == {"query", "total", "page", "per_page", "hits", "facets", "suggestion"}
    assert set(result["facets"]) == set(FACETS)
    assert set(result["hits"][0]) == {"id", "url", "title", "published", "type", "forces", "regions",
                                      "inspectors", "snippet", "score"}


def test_terms_are_anded_and_stemmed(reader):
    assert {h["id"] for h in search(reader, q="custody")["hits"]} == {"k1", "k2", "e1", "n1", "u1"}
    assert {h["id"] for h in search(reader, q="custody detainees")["hits"]} == {"k1", "e1"}
    assert {h["id"] for h in search(reader, q="inspected")["hits"]} >= {"k1", "k2"}  # inspect/inspected


@pytest.mark.parametrize("q, expected", [
    ('"stop and search"', {"m1"}),
    ("custody OR emergencies", {"k1", "k2", "e1", "n1", "u1", "e2"}),
    ("custody NOT kent", {"e1", "u1"}),
    ("force:essex", {"e1", "e2"}),
    ("inspector:parr", {"m1"}),
    ("title:gwent", {"w1"}),
    ("custod*", {"k1", "k2", "e1", "n1", "u1"}),
])
def test_query_syntax(reader, q, expected):
    assert {h["id"] for h in search(reader, q=q)["hits"]} == expected


def test_empty_query_lists_everything_newest_first_with_undated_last(reader, docs):
    result = search(reader, q="")
    assert result["total"] == len(docs)
    dates = [h["published"] for h in result["hits"]]
    assert dates[:-1] == sorted(dates[:-1], reverse=True) and dates[-1] is None


def test_oldest_first_puts_undated_last(reader):
    dates = [h["published"] for h in search(reader, sort="oldest")["hits"]]
    assert dates[:-1] == sorted(dates[:-1]) and dates[-1] is None


@pytest.mark.parametrize("params", [
    {}, {"q": "custody"}, {"force": ["Kent Police"]}, {"q": "custody", "force": ["Kent Police", "Essex Police"]},
    {"type": ["report"], "year": ["2016", "2017"]}, {"region": ["Wales"], "q": "custody"},
    {"inspector": ["Zoë Billingham"], "from": "2015-01-01", "to": "2016-12-31"},
])
def test_every_facet_count_is_the_total_of_adding_that_value(reader, params):
    """Counts apply every filter but their own facet's: the total of selecting that value in its facet."""
    base = search(reader, **params)
    for facet, values in base["facets"].items():
        for item in values:
            narrowed = search(reader, **{**params, facet: [item["value"]]})
            assert narrowed["total"] == item["count"], (facet, item)
            if not params.get(facet):  # nothing selected in this facet yet: adding == selecting
                added = search(reader, **{**params, facet: list(params.get(facet, [])) + [item["value"]]})
                assert added["total"] == item["count"]


def test_multi_select_is_or_within_and_across(reader):
    assert search(reader, force=["Kent Police"])["total"] == 3
    assert search(reader, force=["Kent Police", "Essex Police"])["total"] == 4
    assert search(reader, force=["Kent Police", "Essex Police"], type=["report"])["total"] == 2
    # A facet's own selection does not narrow its own counts.
    counts = {v["value"]: v["count"] for v in search(reader, force=["Kent Police"])["facets"]["force"]}
    assert counts["Essex Police"] == 1 and counts["Kent Police"] == 3


def test_selected_values_are_shown_even_at_zero(reader):
    result = search(reader, q="emergencies", force=["Gwent Police"])
    assert result["total"] == 0
    assert {"value": "Gwent Police", "count": 0} in result["facets"]["force"]


def test_date_range(reader):
    ids = {h["id"] for h in search(reader, **{"from": "2015-01-01", "to": "2015-12-31"})["hits"]}
    assert ids == {"e1", "w1"}


def test_snippets_are_escaped_with_only_mark_tags(reader):
    hit = next(h for h in search(reader, q="safe")["hits"] if h["id"] == "e1")
    assert "<mark>safe</mark>" in hit["snippet"]
    assert "&lt;b&gt;" in hit["snippet"] and "&amp;" in hit["snippet"]
    stripped = hit["snippet"].replace("<mark>", "").replace("</mark>", "")
    assert "<" not in stripped and ">" not in stripped


def test_paging_covers_every_hit_once(reader, docs):
    pages = [search(reader, q="", per_page=3, page=p)["hits"] for p in (1, 2, 3, 4)]
    ids = [h["id"] for page in pages for h in page]
    assert len(ids) == len(set(ids)) == len(docs) and pages[3] == []


def test_suggestion_for_a_misspelling(reader):
    result = search(reader, q="custdy")
    assert result["total"] == 0 and result["suggestion"] == "custody"


@pytest.mark.parametrize("q", ['"unclosed', "AND", "OR OR", "title:", "(((", "*", "force:", ":::", "NOT",
                               "a" * 500, "ü" * 200, "\\", "[a TO", "{}", "^2"])
def test_odd_queries_never_raise(reader, q):
    result = search(reader, q=q)
    assert result["total"] >= 0


def test_iter_documents_returns_every_match_in_order(reader):
    rows = reader.iter_documents(from_mapping({"q": "custody", "sort": "newest"}))
    assert len(rows) == 5
    dates = [d.published or "" for d, _ in rows]
    assert dates == sorted(dates, reverse=True)


def test_related_pairs_and_timeline(reader):
    related = reader.related("k1")
    assert related["timeline"]["force"] == "Kent Police"
    assert [d["id"] for d in related["timeline"]["after"]] == ["n1", "k2"]
    assert related["related"] and all(d["id"] != "k1" for d in related["related"])
    assert reader.related("nope") is None


def test_no_index_yet_gives_empty_results(tmp_path):
    reader = SearchIndex(tmp_path / "missing")
    assert reader.search(from_mapping({"q": "x"}))["total"] == 0
    assert reader.stats()["documents"] == 0


def test_reader_sees_new_documents_without_restart(index_dir, reader, docs):
    from conftest import write_index
    assert search(reader)["total"] == len(docs)
    extra = docs[0].replace(id="new1", url="https://hmicfrs.justiceinspectorates.gov.uk/test/new1/")
    write_index(index_dir, [extra])
    reader.refresh_seconds = 0
    assert search(reader)["total"] == len(docs) + 1


def test_combinations_agree_with_a_brute_force_oracle(reader, docs):
    for force, type_ in itertools.product(["Kent Police", "Gwent Police"], ["report", "news release"]):
        expected = {d.id for d in docs if force in d.forces and d.type == type_}
        got = {h["id"] for h in search(reader, force=[force], type=[type_])["hits"]}
        assert got == expected


@pytest.mark.parametrize("q", ["NOT NOT custody", "NOT OR custody", '" ANDMAYBE ANDNOT ANDNOT custody'])
def test_queries_the_parser_cannot_read_search_their_words(reader, q):
    from indexer.query import InvalidRequest
    try:
        result = search(reader, q=q)
    except InvalidRequest as exc:  # the only way such a query may fail: a message for the user
        assert "could not be understood" in str(exc)
    else:
        assert {h["id"] for h in result["hits"]} <= {"k1", "k2", "e1", "n1", "u1"}


def test_cli_answers_an_operator_soup_without_a_traceback(index_dir):
    from conftest import run_cli
    proc = run_cli("search", "NOT NOT custody", "--index", index_dir, "--json", check=False)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 0 and json.loads(proc.stdout)["total"] == 5 or proc.returncode == 2


def _total(index) -> int:
    return index.search(from_mapping({"q": ""}))["total"]


def test_a_searcher_that_fails_to_open_mid_commit_leaves_the_previous_one_searching(index_dir, docs, monkeypatch):
    """Opening the changed index can meet a commit in progress: the search is answered from the version
    before it, whole, and the next check opens the new one."""
    from conftest import write_index
    from indexer import search as search_module
    index = SearchIndex(index_dir, refresh_seconds=0)
    before = _total(index)
    write_index(index_dir, [docs[0].replace(id="added-later", url="https://hmicfrs.justiceinspectorates.gov.uk/x/")])
    real = search_module.FacetCache

    def failing(searcher):
        raise FileNotFoundError("a segment being merged away")
    monkeypatch.setattr(search_module, "FacetCache", failing)
    assert _total(index) == before
    assert index.search(from_mapping({"q": "custody"}))["hits"]  # the previous searcher still reads its files
    monkeypatch.setattr(search_module, "FacetCache", real)
    assert _total(index) == before + 1
    index.close()


DAMAGED_SWAP = """
import sys
from indexer import index_writer as iw
from indexer.query import from_mapping
from indexer.search import SearchIndex
from conftest import make_docs, write_index
index_dir = write_index(__import__("pathlib").Path(sys.argv[1]), make_docs())
index = SearchIndex(index_dir, refresh_seconds=0)
total = lambda: index.search(from_mapping({"q": ""}))["total"]
before = total()
generation = iw.new_generation(index_dir)
writer = iw.BatchWriter(iw.open_generation(generation))
for doc in make_docs():
    writer.put(doc)
writer.commit()
for seg in generation.glob("*.seg"):
    seg.write_bytes(seg.read_bytes()[: seg.stat().st_size // 3])
iw._write_current(index_dir, generation.name)  # swapped in without make_live's clean-up of the old one
print(before, total(), total())
"""


def test_a_damaged_new_generation_leaves_the_previous_one_searching(tmp_path):
    """In a process of its own: Whoosh leaves open the files it failed to read."""
    import subprocess
    import sys
    from conftest import PROJECT, cli_env
    env = dict(cli_env(), PYTHONPATH=f"{PROJECT}:{PROJECT / 'tests'}")
    proc = subprocess.run([sys.executable, "-c", DAMAGED_SWAP, str(tmp_path / "index")], env=env, cwd=PROJECT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    before, after, again = map(int, proc.stdout.split())
    assert before == after == again > 0
    assert proc.stderr.count("cannot be read") == 1  # opened once, not again at every check
