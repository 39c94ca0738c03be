"""Load: concurrent clients against a real server while `index --rebuild` with more documents runs beside it."""

import os
import random
import statistics
import subprocess
import sys
import threading
import time

import pytest
import requests

from conftest import PROJECT, cli_env, run_cli
from test_lifecycle import WORDS, fill_corpus

CLIENTS = 8
SECONDS = int(os.environ.get("HMIC_LOAD_SECONDS", "60"))  # the minute; shorter for a local smoke run


def client_loop(base: str, seed: int, stop: threading.Event, latencies: list, failures: list) -> None:
    rng = random.Random(seed)
    session = requests.Session()
    paths = [lambda: ("/api/search", {"q": " ".join(rng.sample(WORDS, rng.randint(0, 2)))}),
             lambda: ("/api/search", {"q": rng.choice(WORDS), "sort": "newest", "page": str(rng.randint(1, 3))}),
             lambda: ("/", {"q": rng.choice(WORDS)}),
             lambda: ("/healthz", {}),
             lambda: ("/search.atom", {"q": rng.choice(WORDS)}),
             lambda: ("/api/search", {"q": rng.choice(WORDS) + " NOT " + rng.choice(WORDS)})]
    while not stop.is_set():
        path, params = rng.choice(paths)()
        started = time.monotonic()
        try:
            response = session.get(base + path, params=params, timeout=30)
            if response.status_code >= 500:
                failures.append(f"{response.status_code} {path} {params}: {response.text[:200]}")
            elif path == "/api/search" and rng.random() < 0.3 and response.json()["hits"]:
                doc = response.json()["hits"][0]["id"]
                more = session.get(f"{base}/api/documents/{doc}", timeout=30)
                if more.status_code != 200:  # a document seen a moment ago stays readable
                    failures.append(f"{more.status_code} /api/documents/{doc}")
        except requests.RequestException as exc:
            failures.append(f"{type(exc).__name__} {path}: {exc}")
        latencies.append(time.monotonic() - started)


@pytest.mark.slow
def test_requests_during_a_rebuild_all_succeed_and_the_new_documents_appear(tmp_path, serve):
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    fill_corpus(corpus, 150)
    run_cli("index", "--corpus", corpus, "--index", index)
    server = serve("serve", "--index", index)
    assert requests.get(server.url + "/api/search", params={"q": ""}, timeout=10).json()["total"] == 150
    fill_corpus(corpus, 250, start=150)

    stop, latencies, failures = threading.Event(), [], []
    threads = [threading.Thread(target=client_loop, args=(server.url, n, stop, latencies, failures))
               for n in range(CLIENTS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    time.sleep(2)
    rebuild = subprocess.run([sys.executable, "-m", "indexer", "index", "--rebuild", "--corpus", str(corpus),
                              "--index", str(index)], env=cli_env(), cwd=PROJECT, capture_output=True, text=True,
                             timeout=SECONDS * 4)
    # Then an incremental update commits into the live index while the clients keep going.
    fill_corpus(corpus, 50, start=400)
    update = subprocess.run([sys.executable, "-m", "indexer", "index", "--corpus", str(corpus),
                             "--index", str(index)], env=cli_env(), cwd=PROJECT, capture_output=True, text=True,
                            timeout=SECONDS * 4)
    time.sleep(max(3.0, SECONDS - (time.monotonic() - started)))  # and a while after the swap
    stop.set()
    for thread in threads:
        thread.join(60)
    assert rebuild.returncode == 0, rebuild.stderr
    assert update.returncode == 0, update.stderr

    latencies.sort()
    p50 = statistics.median(latencies)
    p95 = latencies[int(len(latencies) * 0.95)]
    print(f"\nload: {len(latencies)} requests from {CLIENTS} clients, {len(failures)} failed; "
          f"p50 {p50 * 1000:.0f} ms, p95 {p95 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms")
    assert failures == []
    assert len(latencies) > 100
    # The running server shows the new documents without a restart.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        total = requests.get(server.url + "/api/search", params={"q": ""}, timeout=10).json()["total"]
        if total == 450:
            break
        time.sleep(0.3)
    assert total == 450
    assert requests.get(server.url + "/healthz", timeout=10).json()["documents"] == 450
    server.proc.terminate()
    server.proc.wait(10)
    assert "Traceback" not in server.proc.stderr.read()
