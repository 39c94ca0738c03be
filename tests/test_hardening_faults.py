"""Faults: `kill -9` of update at random moments, a damaged index, a damaged corpus entry, a full disk."""

import json
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from conftest import PROJECT, cli_env, run_cli
from indexer import index_writer as iw
from indexer.corpus_store import CorpusStore
from indexer.query import from_mapping
from indexer.search import SearchIndex
from indexer.urls import document_id
from mock_site import MockSite
from test_lifecycle import fill_corpus

TESTS = Path(__file__).resolve().parent

UPDATE_DRIVER = """
import sys
sys.path.insert(0, {tests!r})
from mock_site import fast_profile
from indexer.update import run_update
run_update({corpus!r}, {index!r}, crawl_options={{"base_url": sys.argv[1], "profile": fast_profile()}},
           index_every=0.3, lock_wait=30)
"""

# Runs the CLI with a disk that fills up: after ENOSPC_CORPUS corpus writes, or ENOSPC_INDEX index files.
FULL_DISK_DRIVER = """
import errno, os, sys
def full(path):
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
import indexer.corpus_store as store
budget = {"corpus": int(os.environ.get("ENOSPC_CORPUS", "-1")), "index": int(os.environ.get("ENOSPC_INDEX", "-1"))}
real_write = store._atomic_write
def atomic_write(path, data, *args, **kwargs):
    if budget["corpus"] == 0:
        raise full(path)
    budget["corpus"] -= 1
    return real_write(path, data, *args, **kwargs)
store._atomic_write = atomic_write
from whoosh.filedb.filestore import FileStorage
real_create = FileStorage.create_file
def create_file(self, name, *args, **kwargs):
    if budget["index"] == 0:
        raise full(os.path.join(self.folder, name))
    budget["index"] -= 1
    return real_create(self, name, *args, **kwargs)
FileStorage.create_file = create_file
from indexer.cli import main
sys.argv = ["hmic-search", *sys.argv[1:]]
main()
"""


def ids(index_dir) -> set[str]:
    reader = SearchIndex(index_dir)
    try:
        result = reader.search(from_mapping({"q": "", "per_page": "100"}))
        found = {h["id"] for h in result["hits"]}
        page = 2
        while len(found) < result["total"]:
            found |= {h["id"] for h in reader.search(from_mapping({"q": "", "per_page": "100",
                                                                   "page": str(page)}))["hits"]}
            page += 1
        return found
    finally:
        reader.close()


def no_traceback(*procs):
    for proc in procs:
        assert "Traceback" not in (proc.stdout or "") + (proc.stderr or "")


# ---- kill -9 of update ------------------------------------------------------------------------------
@pytest.mark.slow
def test_update_killed_at_random_moments_keeps_what_was_committed(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    driver = tmp_path / "update_driver.py"
    driver.write_text(UPDATE_DRIVER.format(tests=str(TESTS), corpus=str(corpus), index=str(index)))
    rng = random.Random(5)
    with MockSite(faults=frozenset(), releases=30, publications=6) as site:
        committed: set[str] = set()
        for round_ in range(4):
            for n in range(8):  # new pages each round, so every run has work to be interrupted in
                site.add_page(f"/news/news-feed/round-{round_}-{n}/", title=f"Round {round_} release {n}")
            proc = subprocess.Popen([sys.executable, str(driver), site.base], env=cli_env(), cwd=PROJECT,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.2, 2.5))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            after_kill = ids(index) if iw.current_generation(index) else set()
            assert committed <= after_kill  # nothing committed before is lost
            # The next run succeeds and completes the work.
            finished = subprocess.run([sys.executable, str(driver), site.base], env=cli_env(), cwd=PROJECT,
                                      capture_output=True, text=True, timeout=120)
            assert finished.returncode == 0, finished.stderr
            no_traceback(finished)
            expected = {document_id(site.base + path) for path in site.document_paths()}
            committed = ids(index)
            assert committed == expected
        assert len(committed) > 40
        assert [p.name for p in index.glob("gen-*")] == [iw.current_generation(index).name]


# ---- a damaged index --------------------------------------------------------------------------------
def damage_toc(generation: Path) -> None:
    for toc in generation.glob("_MAIN_*.toc"):
        toc.write_bytes(toc.read_bytes()[:40])


def garble_segments(generation: Path) -> None:
    rng = random.Random(4)
    for seg in generation.glob("*.seg"):
        data = bytearray(seg.read_bytes())
        for _ in range(len(data) // 10):
            data[rng.randrange(len(data))] = rng.randrange(256)
        seg.write_bytes(bytes(data))


def truncate_segments(generation: Path) -> None:
    for seg in generation.glob("*.seg"):
        seg.write_bytes(seg.read_bytes()[: seg.stat().st_size // 3])


@pytest.fixture
def indexed(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    fill_corpus(corpus, 30)
    run_cli("index", "--corpus", corpus, "--index", index)
    return corpus, index


@pytest.mark.parametrize("damage", [damage_toc, garble_segments, truncate_segments])
def test_a_damaged_index_is_reported_in_one_line_and_rebuilt(indexed, damage):
    corpus, index = indexed
    damage(iw.current_generation(index))
    for args in (("stats",), ("stats", "--json"), ("search", "custody"), ("search", "", "--json")):
        proc = run_cli(*args, "--index", index, check=False)
        assert proc.returncode == 1, (args, proc.stdout)
        no_traceback(proc)
        # One line that says what to do (a garbled segment can make the unpickler print a stray warning first).
        last = proc.stderr.strip().splitlines()[-1]
        assert last.startswith("hmic-search: the index at ") and "index --rebuild" in last, proc.stderr
    rebuilt = run_cli("index", "--rebuild", "--corpus", corpus, "--index", index, "--json")
    no_traceback(rebuilt)
    assert json.loads(rebuilt.stdout)["documents"] == 30 and len(ids(index)) == 30
    assert run_cli("stats", "--index", index, "--json").returncode == 0


def test_index_rebuilds_a_damaged_live_index_by_itself(indexed):
    corpus, index = indexed
    damaged = iw.current_generation(index)
    damage_toc(damaged)
    fill_corpus(corpus, 5, start=30)
    proc = run_cli("index", "--corpus", corpus, "--index", index, "--json")
    report = json.loads(proc.stdout)
    assert report["rebuild"] and "could not be read" in report["recovered"]
    assert report["documents"] == 35 and len(ids(index)) == 35
    assert not damaged.exists()
    no_traceback(proc)


def test_the_server_says_the_index_is_damaged_then_recovers_without_a_restart(indexed, serve):
    corpus, index = indexed
    damage_toc(iw.current_generation(index))
    server = serve("serve", "--index", index)
    api = requests.get(f"{server.url}/api/search", params={"q": "custody"}, timeout=10)
    assert api.status_code == 503 and "rebuil" in api.json()["error"]
    page = requests.get(f"{server.url}/?q=custody", timeout=10)
    assert page.status_code == 503 and "Traceback" not in page.text
    run_cli("index", "--rebuild", "--corpus", corpus, "--index", index)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        api = requests.get(f"{server.url}/api/search", params={"q": ""}, timeout=10)
        if api.status_code == 200:
            break
        time.sleep(0.3)
    assert api.status_code == 200 and api.json()["total"] == 30
    server.proc.terminate()
    server.proc.wait(10)
    errors = server.proc.stderr.read()
    assert "Traceback" not in errors and "cannot be read" in errors  # said once at start, plainly


# ---- a damaged corpus entry -------------------------------------------------------------------------
def test_damaged_corpus_entries_are_skipped_and_reported(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    store = fill_corpus(corpus, 12)
    entries = sorted(store.entries(), key=lambda e: e.key)
    # Garbage metadata, a body that no longer matches its hash, a body gone missing.
    next((corpus / "entries").glob(f"*/{entries[0].key}.json")).write_bytes(b"{not json\x00")
    blob = corpus / "blobs" / entries[1].sha256[:2] / entries[1].sha256
    blob.write_bytes(blob.read_bytes()[:100])
    (corpus / "blobs" / entries[2].sha256[:2] / entries[2].sha256).unlink()
    proc = run_cli("index", "--corpus", corpus, "--index", index, "--json")
    report = json.loads(proc.stdout)
    assert report["corrupt"] == 1 and report["failed"] == {"corrupt corpus entry": 2}
    assert report["documents"] == 9
    text = run_cli("index", "--rebuild", "--corpus", corpus, "--index", index)
    assert "3 failed" not in text.stdout and "1 corrupt corpus entries skipped" in text.stdout
    no_traceback(proc, text)


# ---- a full disk ------------------------------------------------------------------------------------
def run_full_disk(tmp_path, *args, corpus_writes=-1, index_files=-1):
    driver = tmp_path / "full_disk_driver.py"
    driver.write_text(FULL_DISK_DRIVER)
    env = cli_env(ENOSPC_CORPUS=str(corpus_writes), ENOSPC_INDEX=str(index_files))
    return subprocess.run([sys.executable, str(driver), *map(str, args)], env=env, cwd=PROJECT,
                          capture_output=True, text=True, timeout=120)


def corpus_snapshot(corpus: Path) -> dict:
    return {p.relative_to(corpus): p.read_bytes() for p in sorted(corpus.rglob("*"))
            if p.is_file() and "state" not in p.parts}


@pytest.mark.slow
@pytest.mark.parametrize("command", ["crawl", "update"])
def test_disk_full_during_a_crawl_is_reported_and_nothing_is_lost(tmp_path, command):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    with MockSite(faults=frozenset(), releases=6, publications=2) as site:
        first = run_cli("update", "--base-url", site.base, "--corpus", corpus, "--index", index,
                        "--delay", "1", "--max-pages", "4", timeout=180)
        before_ids, before_corpus = ids(index), corpus_snapshot(corpus)
        site.add_page("/news/news-feed/on-a-full-disk/")
        for path in list(site.resources):
            if path.startswith("/news/news-feed/release-"):
                site.change_page(path)
        extra = ("--index", index) if command == "update" else ()
        proc = run_full_disk(tmp_path, command, "--base-url", site.base, "--corpus", corpus, *extra,
                             "--delay", "1", corpus_writes=1)
    assert proc.returncode == 1
    no_traceback(first, proc)
    message = proc.stderr.strip().splitlines()[-1]
    assert message.startswith("hmic-search: the disk is full") and "intact" in message
    # Every entry stored before is still there and whole, and the index is as it was.
    store = CorpusStore(corpus)
    for entry in store.entries():
        store.read_body(entry)
    after = corpus_snapshot(corpus)
    for path, data in before_corpus.items():
        assert path in after, path
        if "blobs" in path.parts:
            assert after[path] == data, path
    assert ids(index) == before_ids


def test_disk_full_during_index_keeps_the_previous_index(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    fill_corpus(corpus, 20)
    run_cli("index", "--corpus", corpus, "--index", index)
    before = ids(index)
    fill_corpus(corpus, 20, start=20)
    for args in (("index",), ("index", "--rebuild")):
        proc = run_full_disk(tmp_path, *args, "--corpus", corpus, "--index", index, index_files=0)
        assert proc.returncode == 1
        no_traceback(proc)
        assert proc.stderr.strip().splitlines()[-1].startswith("hmic-search: the disk is full")
        assert ids(index) == before
    run_cli("index", "--corpus", corpus, "--index", index)  # space again: the next run completes the work
    assert len(ids(index)) == 40


def test_disk_full_during_ingest_is_one_line(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    for n in range(3):
        (inbox / f"page-{n}.html").write_text(f"<html><title>Page {n}</title><p>custody {n}</p></html>")
    proc = run_full_disk(tmp_path, "ingest", inbox, "--corpus", tmp_path / "corpus", corpus_writes=2)
    assert proc.returncode == 1
    no_traceback(proc)
    assert proc.stderr.strip().startswith("hmic-search: the disk is full")
