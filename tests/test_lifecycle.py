"""Crash safety and one writer: `kill -9` at any moment leaves the last committed index whole and searchable."""

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import PROJECT, cli_env, run_cli
from indexer import index_writer as iw
from indexer.corpus_store import CorpusStore
from indexer.query import from_mapping
from indexer.search import SearchIndex

PAGE = """<html><head><title>Release {n} - HMICFRS</title>
<link rel="canonical" href="https://hmicfrs.justiceinspectorates.gov.uk/news/news-feed/release-{n}/"></head>
<body><nav>Menu</nav><h1>Release {n}</h1><p>Published on: {day} March 2015</p><p>Police Forces: {force}</p>
{body}<footer>Crown copyright</footer></body></html>"""
WORDS = "custody police crime victims officers force inspection report public safety domestic abuse".split()
FORCES = ["Kent", "Essex", "Gwent", "Surrey", "Durham"]


def fill_corpus(root, count, seed=7, start=0):
    rng = random.Random(seed)
    store = CorpusStore(root)
    for n in range(start, start + count):
        body = "".join("<p>" + " ".join(rng.choice(WORDS) for _ in range(50)) + "</p>" for _ in range(6))
        page = PAGE.format(n=n, day=1 + n % 28, force=FORCES[n % len(FORCES)], body=body)
        store.put(f"https://hmicfrs.justiceinspectorates.gov.uk/news/news-feed/release-{n}/", page.encode(),
                  content_type="text/html")
    return store


def start_cli(*args):
    return subprocess.Popen([sys.executable, "-m", "indexer", *map(str, args)], env=cli_env(), cwd=PROJECT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)


def children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def wait_children(proc, timeout=60.0) -> list[int]:
    """The child processes of `proc` once it has started any (empty if it exits first)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        found = children(proc.pid)
        if found:
            return found
        time.sleep(0.05)
    return []


def wait_gone(pids, timeout=10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not any(Path(f"/proc/{pid}").exists() and "Z" not in Path(f"/proc/{pid}/stat").read_text().split()[2]
                   for pid in pids):
            return True
        time.sleep(0.2)
    return False


def total(index_dir) -> int:
    reader = SearchIndex(index_dir)
    try:
        return reader.search(from_mapping({"q": ""}))["total"]
    finally:
        reader.close()


@pytest.mark.slow
def test_kill_during_rebuild_keeps_the_previous_index(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    fill_corpus(corpus, 150)
    run_cli("index", "--corpus", corpus, "--index", index)
    assert total(index) == 150
    fill_corpus(corpus, 1250, start=150)  # enough that the rebuild is still running when it is killed
    live = iw.current_generation(index)
    seen = 0
    for delay in (0.0, 0.7, 1.5):
        proc = start_cli("index", "--rebuild", "--corpus", corpus, "--index", index)
        # Kill relative to the moment the workers start, not the launch: a fast machine would otherwise
        # finish the rebuild before the kill and the test would check nothing.
        workers = wait_children(proc)
        time.sleep(delay)
        workers = sorted(set(workers) | set(children(proc.pid)))
        seen += len(workers)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert proc.returncode == -signal.SIGKILL, "the rebuild finished before it could be killed"
        proc.stderr.close()
        assert wait_gone(workers), "indexing workers outlived the killed run"
        assert iw.current_generation(index) == live
        assert total(index) == 150  # every document the last committed index held
        assert (index / "gen-000001").exists()
    assert seen, "no run was killed while its indexing workers ran"
    run_cli("index", "--rebuild", "--corpus", corpus, "--index", index)  # the next run completes the work
    assert total(index) == 1400
    assert [p.name for p in index.glob("gen-*")] == [iw.current_generation(index).name]


@pytest.mark.slow
def test_kill_during_incremental_index_resumes(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    fill_corpus(corpus, 50)
    run_cli("index", "--corpus", corpus, "--index", index)
    fill_corpus(corpus, 1200, start=50)
    proc = start_cli("index", "--corpus", corpus, "--index", index)
    time.sleep(6)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    proc.stderr.close()
    committed = total(index)
    assert 50 <= committed <= 1250  # batches committed before the kill stay; nothing is lost
    run_cli("index", "--corpus", corpus, "--index", index, "--wait", "5")
    assert total(index) == 1250


@pytest.mark.slow
def test_two_concurrent_runs_one_waits_or_refuses_and_the_index_is_whole(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    fill_corpus(corpus, 200)
    first = start_cli("index", "--rebuild", "--corpus", corpus, "--index", index)
    time.sleep(0.3)
    second = start_cli("index", "--rebuild", "--corpus", corpus, "--index", index, "--wait", "0.2")
    codes = (first.wait(120), second.wait(120))
    errors = second.stderr.read()
    first.stderr.close()
    second.stderr.close()
    assert codes[0] == 0
    assert codes[1] in (0, 3)
    if codes[1] == 3:
        assert "another index or update run" in errors and "Traceback" not in errors
        assert errors.strip().count("\n") == 0
    assert total(index) == 200


def test_a_stale_lock_file_is_not_a_lock(tmp_path):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    fill_corpus(corpus, 3)
    index.mkdir()
    (index / "writer.lock").write_text("99999\n")  # left by a killed process: no kernel lock is held
    run_cli("index", "--corpus", corpus, "--index", index, "--wait", "0")
    assert total(index) == 3
