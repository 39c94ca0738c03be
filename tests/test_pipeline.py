"""Corpus → index: incremental runs, rebuilds swapped in atomically, one writer, real pages end to end."""

import json

import pytest

from conftest import lock_held_elsewhere, run_cli
from indexer import index_writer as iw
from indexer.corpus_store import CorpusStore
from indexer.lock import LockBusy
from indexer.pipeline import index_corpus
from indexer.query import from_mapping
from indexer.search import SearchIndex

PAGE = """<html><head><title>{title} - HMICFRS</title><link rel="canonical" href="{url}"></head>
<body><nav>Menu</nav><h1>{title}</h1><p>Published on: 3 March 2015</p><p>{body}</p><footer>©</footer></body></html>"""


def put_page(store, url, title, body="Text about custody."):
    return store.put(url, PAGE.format(title=title, url=url, body=body).encode(), content_type="text/html")


@pytest.fixture
def store(tmp_path):
    return CorpusStore(tmp_path / "corpus")


def test_incremental_index_only_touches_what_changed(store, tmp_path):
    index = tmp_path / "index"
    for n in range(5):
        put_page(store, f"https://hmicfrs.justiceinspectorates.gov.uk/news/news-feed/p{n}/", f"Page {n}")
    first = index_corpus(store.root, index)
    assert (first.added, first.documents) == (5, 5)
    unchanged = index_corpus(store.root, index)
    assert (unchanged.added, unchanged.updated, unchanged.unchanged) == (0, 0, 5)
    put_page(store, "https://hmicfrs.justiceinspectorates.gov.uk/news/news-feed/p1/", "Page 1", "Now about horses.")
    put_page(store, "https://hmicfrs.justiceinspectorates.gov.uk/news/news-feed/p9/", "Page 9")
    second = index_corpus(store.root, index)
    assert (second.added, second.updated, second.documents) == (1, 1, 6)
    assert SearchIndex(index).search(from_mapping({"q": "horses"}))["total"] == 1


def test_legacy_and_current_addresses_are_one_document(store, tmp_path):
    put_page(store, "https://www.justiceinspectorates.gov.uk/hmic/publications/a-report/", "A report")
    put_page(store, "https://example.org/mirror/copy.html", "A report")  # canonical points at the site
    store.put("https://example.org/mirror/copy.html",
              PAGE.format(title="A report", body="Copy.",
                          url="https://hmicfrs.justiceinspectorates.gov.uk/publications/a-report/").encode(),
              content_type="text/html")
    report = index_corpus(store.root, tmp_path / "index")
    assert report.documents == 1


def test_rebuild_swaps_in_a_new_generation(store, tmp_path):
    index = tmp_path / "index"
    put_page(store, "https://hmicfrs.justiceinspectorates.gov.uk/a/", "A")
    index_corpus(store.root, index)
    before = iw.current_generation(index)
    reader = SearchIndex(index, refresh_seconds=0)
    assert reader.doc_count() == 1
    put_page(store, "https://hmicfrs.justiceinspectorates.gov.uk/b/", "B")
    report = index_corpus(store.root, index, rebuild=True)
    after = iw.current_generation(index)
    assert report.rebuild and report.documents == 2 and after != before and not before.exists()
    assert reader.doc_count() == 2  # a running reader follows the swap


def test_a_second_writer_waits_then_gives_up_cleanly(store, tmp_path):
    index = tmp_path / "index"
    put_page(store, "https://hmicfrs.justiceinspectorates.gov.uk/a/", "A")
    with lock_held_elsewhere(index):
        with pytest.raises(LockBusy, match="another index or update run"):
            index_corpus(store.root, index, lock_wait=0.3)
        proc = run_cli("index", "--corpus", store.root, "--index", index, "--wait", "0.3", check=False)
        assert proc.returncode == 3 and "another index or update run" in proc.stderr
        assert "Traceback" not in proc.stderr
    assert index_corpus(store.root, index).documents == 1


def test_bad_and_corrupt_entries_are_counted_not_fatal(store, tmp_path):
    put_page(store, "https://hmicfrs.justiceinspectorates.gov.uk/good/", "Good")
    store.put("https://hmicfrs.justiceinspectorates.gov.uk/empty/", b"   ", content_type="text/html")
    broken = store.put("https://hmicfrs.justiceinspectorates.gov.uk/broken/", b"<html>x</html>",
                       content_type="text/html")
    (store.root / "blobs" / broken.sha256[:2] / broken.sha256).write_bytes(b"tampered")
    report = index_corpus(store.root, tmp_path / "index")
    assert report.documents == 1 and sum(report.failed.values()) == 2


def test_real_pages_end_to_end_cli_and_api_agree(real_pages_dir, tmp_path, serve):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    run_cli("ingest", real_pages_dir, "--corpus", corpus)
    run_cli("index", "--corpus", corpus, "--index", index)
    cli_result = json.loads(run_cli("search", "inspection", "--index", index, "--json").stdout)
    assert cli_result["total"] > 10
    assert all(cli_result["facets"][name] for name in ("force", "year", "type"))
    server = serve("serve", "--index", index)
    import urllib.request
    with urllib.request.urlopen(f"{server.url}/api/search?q=inspection") as response:
        api_result = json.load(response)
    assert api_result["total"] == cli_result["total"]
    assert api_result["facets"] == cli_result["facets"]
