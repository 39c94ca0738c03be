"""Big index runs write segments in worker processes: the index they make is the one a run in one
process makes, through rebuilds, incremental changes, duplicate addresses and bad entries."""

import pytest

from indexer import index_writer as iw
from indexer import pipeline
from indexer.corpus_store import CorpusStore
from indexer.pipeline import index_corpus
from indexer.query import from_mapping
from indexer.search import SearchIndex

SITE = "https://hmicfrs.justiceinspectorates.gov.uk"
LEGACY = "https://www.justiceinspectorates.gov.uk/hmicfrs"
PAGE = """<html><head><title>{title} - HMICFRS</title><link rel="canonical" href="{url}"></head>
<body><h1>{title}</h1><p>Published on: {day} March 2015</p><p>Police Forces: {force}</p>
<p>{body}</p>{links}</body></html>"""
FORCES = ["Kent Police", "Cumbria Constabulary", "Dyfed-Powys Police"]
N = 260  # above PARALLEL_MIN


def put(store, url, n, body="", links=""):
    html = PAGE.format(title=f"Inspection {n}", url=url, day=1 + n % 28, force=FORCES[n % 3],
                       body=body or f"Custody and vetting, page {n}.", links=links)
    store.put(url, html.encode(), content_type="text/html")


def fill(store):
    for n in range(N):
        path = f"/publications/inspection-{n}/"
        # Every fifth release links a report page, which is paired with it.
        links = f'<a href="{SITE}/publication-html/report-{n}/">Read the report</a>' if n % 5 == 0 else ""
        put(store, SITE + path, n, links=links)
        if n % 5 == 0:
            put(store, f"{SITE}/publication-html/report-{n}/", n, body=f"The report on force {n}.")
        if n % 7 == 0:  # the same document at its legacy address: one document, two addresses
            put(store, LEGACY + path, n, links=links)
    store.put(f"{SITE}/empty/", b"  ", content_type="text/html")


def snapshot(index_dir):
    """Every stored document's identity and pairing, and a search's total and facets."""
    reader = SearchIndex(index_dir, refresh_seconds=0)
    with reader._lock:
        state = reader._current()
        docs = {}
        for fields in state.searcher.reader().all_stored_fields():
            docs[fields["id"]] = (fields["url"], fields.get("parent"), tuple(sorted(fields.get("sources") or [])),
                                  fields.get("content_hash"), fields["record"])
    result = reader.search(from_mapping({"q": "custody", "force": "Kent Police"}))
    reader.close()
    return docs, result["total"], result["facets"]


@pytest.fixture
def one_process(monkeypatch):
    def use():
        monkeypatch.setattr(pipeline, "PARALLEL_MIN", 10**9)
    return use


def test_workers_build_the_index_one_process_builds(tmp_path, one_process):
    store = CorpusStore(tmp_path / "corpus")
    fill(store)
    parallel = index_corpus(store.root, tmp_path / "parallel", batch_size=100)
    one_process()
    serial = index_corpus(store.root, tmp_path / "serial", batch_size=100)
    assert parallel.documents == serial.documents == N + N // 5 and parallel.failed == serial.failed
    assert (parallel.added, parallel.relinked) == (serial.added, serial.relinked)
    docs, _, _ = snapshot(tmp_path / "parallel")
    assert docs == snapshot(tmp_path / "serial")[0]
    assert sum(1 for url, parent, *_ in docs.values() if parent) == N // 5  # each report paired with its release
    generation = iw.current_generation(tmp_path / "parallel")
    assert not list(generation.glob(iw.STAGING_PREFIX + "*"))


def test_incremental_runs_with_workers_replace_documents(tmp_path, monkeypatch):
    store = CorpusStore(tmp_path / "corpus")
    fill(store)

    def both():  # the same run with workers, then in one process
        monkeypatch.setattr(pipeline, "PARALLEL_MIN", 200)
        report = index_corpus(store.root, tmp_path / "parallel", batch_size=100)
        monkeypatch.setattr(pipeline, "PARALLEL_MIN", 10**9)
        index_corpus(store.root, tmp_path / "serial", batch_size=100)
        return report

    both()
    for n in range(0, N, 2):  # half the pages change, some gain a legacy copy; new pages arrive
        put(store, f"{SITE}/publications/inspection-{n}/", n, body=f"Horses and custody, page {n}.")
        if n % 11 == 0:
            put(store, f"{LEGACY}/publications/inspection-{n}/", n, body=f"Horses and custody, page {n}.")
    for n in range(N, N + 250):
        put(store, f"{SITE}/publications/inspection-{n}/", n)
    report = both()
    assert report.added == 250 and report.updated >= N // 2
    assert snapshot(tmp_path / "parallel") == snapshot(tmp_path / "serial")
    reader = SearchIndex(tmp_path / "parallel")
    assert reader.search(from_mapping({"q": "horses"}))["total"] == N // 2
    assert reader.doc_count() == N + N // 5 + 250  # replaced, never duplicated


def test_a_killed_runs_staging_folders_are_removed(tmp_path):
    store = CorpusStore(tmp_path / "corpus")
    fill(store)
    index_corpus(store.root, tmp_path / "index", batch_size=100)
    live = iw.current_generation(tmp_path / "index")
    leftover = live / (iw.STAGING_PREFIX + "killed")
    leftover.mkdir()
    (leftover / "MAIN_x.seg").write_bytes(b"half a segment")
    index_corpus(store.root, tmp_path / "index")
    assert not leftover.exists()
    assert SearchIndex(tmp_path / "index").doc_count() == N + N // 5
