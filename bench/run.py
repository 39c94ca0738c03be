"""The benchmark: indexing and search of a synthetic corpus, against SQLite FTS5 on the same corpus.

One run measures indexing documents/s through the real pipeline (ingest → extract → index) and
through the index writer alone; search latency (p50/p95) for term, two-term, phrase and field
queries as a plain top-10 Whoosh search, as the full search (five multi-select facets and
highlights, with and without filters) in-process and through HTTP (`hmic-search serve` on
127.0.0.1), throughput with 8 concurrent clients, peak memory, and SQLite FTS5 doing the same work
(bm25, snippet(), GROUP BY counts with the same multi-select semantics). Results go to
bench/results/ as JSON and Markdown.

    python bench/run.py --docs 10000
    python bench/run.py --quick
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from corpus_gen import CorpusGenerator, write_pages  # noqa: E402
from fts_baseline import FtsIndex  # noqa: E402
from http_client import Client, wait_until_up  # noqa: E402

from indexer import index_writer as iw  # noqa: E402
from indexer.ingest import ingest_paths  # noqa: E402
from indexer.pipeline import index_corpus, worker_count  # noqa: E402
from indexer.query import from_mapping  # noqa: E402
from indexer.search import SearchIndex  # noqa: E402

RESULTS = ROOT / "bench" / "results"

# (class, query as typed in the search box, the same query in FTS5's syntax)
QUERIES = [
    ("term", "custody", "{title body}: custody"),
    ("term", "officers", "{title body}: officers"),
    ("term", "burglary", "{title body}: burglary"),
    ("term", "vetting", "{title body}: vetting"),
    ("two-term", "domestic abuse", "{title body}: (domestic AND abuse)"),
    ("two-term", "custody detainees", "{title body}: (custody AND detainees)"),
    ("two-term", "victims training", "{title body}: (victims AND training)"),
    ("two-term", "fraud cyber", "{title body}: (fraud AND cyber)"),
    ("phrase", '"stop and search"', '{title body}: "stop and search"'),
    ("phrase", '"child protection"', '{title body}: "child protection"'),
    ("phrase", '"mental health"', '{title body}: "mental health"'),
    ("phrase", '"county lines"', '{title body}: "county lines"'),
    ("field", "title:custody", "title: custody"),
    ("field", "force:cumbria", "force: cumbria"),
    ("field", "inspector:billingham", "inspector: billingham"),
    ("field", 'title:"domestic abuse"', 'title: "domestic abuse"'),
]
CLASSES = ("term", "two-term", "phrase", "field")


def pct(values, p):
    if not values:
        return None
    values = sorted(values)
    k = (len(values) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def summary(samples: dict[str, list[float]]) -> dict:
    """Per query class and overall: p50/p95 in ms."""
    out = {}
    for name, values in {**samples, "all": [v for c in CLASSES for v in samples.get(c, [])]}.items():
        if values:
            out[name] = {"p50": round(pct(values, 50) * 1000, 2), "p95": round(pct(values, 95) * 1000, 2),
                         "n": len(values)}
    return out


def timed_loop(run, repeats: int) -> dict:
    """Each query once to warm up, then `repeats` timed runs per class, cycling through its queries."""
    samples: dict[str, list[float]] = {c: [] for c in CLASSES}
    for cls, q, fq in QUERIES:
        run(q, fq)
    for cls in CLASSES:
        queries = [(q, fq) for c, q, fq in QUERIES if c == cls]
        for i in range(repeats):
            q, fq = queries[i % len(queries)]
            started = time.perf_counter()
            run(q, fq)
            samples[cls].append(time.perf_counter() - started)
    return summary(samples)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def peak_rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


def dir_mb(path: Path) -> float:
    return round(sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file()) / 2**20, 1)


class Bench:
    def __init__(self, args):
        self.args = args
        self.work = args.workdir
        self.out: dict = {"docs": args.docs, "queries_per_class": args.queries, "machine": machine(),
                          "started": datetime.now(timezone.utc).isoformat(timespec="seconds")}
        self.filters: dict = {}

    def log(self, message: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)

    # ---- corpus and indexing ---------------------------------------------------------------
    def generate(self):
        self.log(f"generating {self.args.docs} documents")
        started = time.perf_counter()
        gen = CorpusGenerator()
        # Pages (HTML) are kept only for the documents the full pipeline ingests: at 100,000
        # documents they would double the benchmark's memory for nothing.
        keep = min(self.args.pipeline_docs or self.args.docs, self.args.docs) if not self.args.skip_pipeline else 0
        self.generated, self.docs = [], []
        for g in gen.generate(self.args.docs):
            self.docs.append(g.doc)
            if len(self.generated) < keep:
                self.generated.append(g)
        # The records live to the end of the run: keep the cyclic garbage collector from walking
        # them on every collection, which grows with the corpus and is not the index's cost.
        gc.collect()
        gc.freeze()
        self.out["corpus"] = {"seconds": round(time.perf_counter() - started, 1),
                              "median_words": statistics.median(len(d.body.split()) for d in self.docs[:2000]),
                              "vocabulary": len(gen.vocabulary)}
        self.pick_filters()

    def pick_filters(self):
        """A realistic multi-select: two of the most-published forces, three years, two types."""
        from collections import Counter
        forces = Counter(f for d in self.docs for f in d.forces).most_common(2)
        self.filters = {"force": [f for f, _ in forces], "year": ["2015", "2016", "2017"],
                        "type": ["news release", "report"]}
        self.out["filters"] = self.filters

    def pipeline(self):
        n = min(self.args.pipeline_docs or self.args.docs, self.args.docs)
        pages, corpus, index = self.work / "pages", self.work / "corpus", self.work / "index-pipeline"
        for path in (pages, corpus, index):
            shutil.rmtree(path, ignore_errors=True)
        write_pages(self.generated[:n], pages)
        self.log(f"pipeline: ingesting {n} pages")
        started = time.perf_counter()
        ingest = ingest_paths([pages], corpus)
        ingest_s = time.perf_counter() - started
        self.log(f"pipeline: extracting and indexing ({ingest.new} ingested in {ingest_s:.1f}s)")
        started = time.perf_counter()
        report = index_corpus(corpus, index, rebuild=True, progress=False)
        index_s = time.perf_counter() - started
        self.out["pipeline"] = {
            "docs": n, "indexed": report.documents, "ingest_s": round(ingest_s, 2), "index_s": round(index_s, 2),
            "ingest_docs_s": round(n / ingest_s, 1), "extract_index_docs_s": round(n / index_s, 1),
            "docs_s": round(n / (ingest_s + index_s), 1), "workers": worker_count()}
        if not self.args.keep:
            for path in (pages, corpus, index):
                shutil.rmtree(path, ignore_errors=True)

    def writer(self):
        index = self.work / "index"
        shutil.rmtree(index, ignore_errors=True)
        self.log(f"writer alone: indexing {len(self.docs)} records")
        started = time.perf_counter()
        generation = iw.new_generation(index)
        ix = iw.whoosh_index.open_dir(generation, indexname=iw.INDEX_NAME)
        writer = iw.BatchWriter(ix)
        step = max(10_000, len(self.docs) // 10)
        for n, doc in enumerate(self.docs, 1):
            writer.put(doc, fresh=True)  # a rebuild, as `index --rebuild` writes it
            if n % step == 0 and n < len(self.docs):
                self.log(f"writer alone: {n} written, {n / (time.perf_counter() - started):.0f} docs/s")
        writer.commit()
        iw.make_live(index, generation)
        seconds = time.perf_counter() - started
        self.index_dir = index
        self.out["writer"] = {"seconds": round(seconds, 2), "docs_s": round(len(self.docs) / seconds, 1),
                              "index_mb": dir_mb(index)}

    def fts_build(self):
        path = self.work / "fts.sqlite"
        self.log("FTS5: building")
        started = time.perf_counter()
        self.fts = FtsIndex.build(path, self.docs)
        seconds = time.perf_counter() - started
        self.out["fts_build"] = {"seconds": round(seconds, 2), "docs_s": round(len(self.docs) / seconds, 1),
                                 "db_mb": round(path.stat().st_size / 2**20, 1)}

    # ---- search ----------------------------------------------------------------------------
    def request(self, q: str, filtered: bool):
        return from_mapping({"q": q, "per_page": 10, **(self.filters if filtered else {})})

    def search_inprocess(self):
        self.log("searching in-process")
        started = time.perf_counter()
        index = SearchIndex(self.index_dir, refresh_seconds=3600)
        index.search(self.request("custody", False))
        self.out["open_ms"] = round((time.perf_counter() - started) * 1000, 1)
        searcher = index._current().searcher
        parser = index._parser(searcher.schema)

        def plain(q, fq):
            results = searcher.search(parser.parse(q), limit=10)
            return [hit["title"] for hit in results]

        totals = {}

        def full(filtered):
            def run(q, fq):
                result = index.search(self.request(q, filtered))
                totals[(q, filtered)] = result["total"]
            return run

        n = self.args.queries
        self.out["search"] = {
            "whoosh_plain": timed_loop(plain, n),
            "inproc_full": timed_loop(full(False), n),
            "inproc_filtered": timed_loop(full(True), n),
        }
        self.totals = totals
        tracemalloc.start()
        for cls, q, fq in QUERIES:
            index.search(self.request(q, True))
        self.out["tracemalloc_search_peak_mb"] = round(tracemalloc.get_traced_memory()[1] / 2**20, 1)
        tracemalloc.stop()
        index.close()

    def search_fts(self):
        self.log("searching FTS5")
        n = self.args.queries
        fts_totals = {}

        def full(filtered):
            def run(q, fq):
                fts_totals[(q, filtered)] = self.fts.search(fq, self.filters if filtered else {})["total"]
            return run

        self.out["search"].update({
            "fts_plain": timed_loop(lambda q, fq: self.fts.plain(fq), n),
            "fts_full": timed_loop(full(False), n),
            "fts_filtered": timed_loop(full(True), n),
        })
        self.out["totals"] = [{"q": q, "filtered": f, "whoosh": t, "fts5": fts_totals.get((q, f))}
                              for (q, f), t in sorted(self.totals.items())]
        self.out["fts_concurrent"] = self.concurrent(lambda: FtsIndex.open(self.fts.path), None)

    def search_http(self):
        port = free_port()
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        cmd = [sys.executable, "-m", "indexer", "serve", "--index", str(self.index_dir),
               "--host", "127.0.0.1", "--port", str(port), "--threads", "8"]
        self.log(f"HTTP: {' '.join(cmd[1:])}")
        server = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                  stderr=open(self.work / "server.log", "w"))
        try:
            started = time.perf_counter()
            wait_until_up("127.0.0.1", port, timeout=300)
            client = Client("127.0.0.1", port)
            client.search({"q": "custody", "per_page": 10})
            self.out["http_first_search_s"] = round(time.perf_counter() - started, 2)
            n = self.args.queries

            def full(filtered):
                return lambda q, fq: client.search({"q": q, "per_page": 10,
                                                    **(self.filters if filtered else {})})
            self.out["search"].update({"http_full": timed_loop(full(False), n),
                                       "http_filtered": timed_loop(full(True), n)})
            self.out["http_concurrent"] = self.concurrent(lambda: Client("127.0.0.1", port), port)
            self.out["server_peak_rss_mb"] = peak_rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)

    def concurrent(self, connect, port, clients: int = 8) -> dict:
        """`clients` threads, each with its own connection, each running every query in turn."""
        per_client = max(len(QUERIES), self.args.queries)
        latencies: list[float] = []
        lock = threading.Lock()

        def worker(k):
            conn = connect()
            mine = []
            for i in range(per_client):
                cls, q, fq = QUERIES[(i + k) % len(QUERIES)]
                filtered = i % 2 == 0
                started = time.perf_counter()
                if port is None:
                    conn.search(fq, self.filters if filtered else {})
                else:
                    conn.search({"q": q, "per_page": 10, **(self.filters if filtered else {})})
                mine.append(time.perf_counter() - started)
            with lock:
                latencies.extend(mine)

        threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        seconds = time.perf_counter() - started
        return {"clients": clients, "requests": len(latencies), "seconds": round(seconds, 2),
                "per_s": round(len(latencies) / seconds, 1),
                "p50": round(pct(latencies, 50) * 1000, 1), "p95": round(pct(latencies, 95) * 1000, 1)}

    # ---- the whole run ---------------------------------------------------------------------
    def run(self) -> dict:
        started = time.perf_counter()
        self.work.mkdir(parents=True, exist_ok=True)
        self.generate()
        if not self.args.skip_pipeline:
            self.pipeline()
        self.writer()
        self.fts_build()
        self.search_inprocess()
        self.search_fts()
        self.search_http()
        self.out["bench_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        self.out["seconds"] = round(time.perf_counter() - started, 1)
        self.out["ratios"] = ratios(self.out["search"])
        if not self.args.keep:
            shutil.rmtree(self.work, ignore_errors=True)
        return self.out


def ratios(search: dict) -> dict:
    def r(a, b):
        return round(search[a]["all"]["p95"] / search[b]["all"]["p95"], 2)
    return {"http_full_vs_whoosh_plain": r("http_full", "whoosh_plain"),
            "http_filtered_vs_whoosh_plain": r("http_filtered", "whoosh_plain"),
            "inproc_full_vs_whoosh_plain": r("inproc_full", "whoosh_plain"),
            "http_full_vs_fts_full": r("http_full", "fts_full"),
            "http_filtered_vs_fts_filtered": r("http_filtered", "fts_filtered"),
            "inproc_full_vs_fts_full": r("inproc_full", "fts_full"),
            "inproc_filtered_vs_fts_filtered": r("inproc_filtered", "fts_filtered")}


def machine() -> dict:
    cpu = ""
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import sqlite3
    from importlib.metadata import version
    return {"cpu": cpu or platform.processor(), "cores": os.cpu_count(),
            "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
            "python": platform.python_version(), "whoosh": version("whoosh-reloaded"),
            "sqlite": sqlite3.sqlite_version, "os": platform.platform()}


ROWS = [("whoosh_plain", "Whoosh, plain top-10 (in-process)"),
        ("inproc_full", "HMIC search: 5 facets + highlights (in-process)"),
        ("inproc_filtered", "… with filters selected (in-process)"),
        ("http_full", "HMIC search: 5 facets + highlights (HTTP API)"),
        ("http_filtered", "… with filters selected (HTTP API)"),
        ("fts_plain", "SQLite FTS5, plain top-10 (bm25)"),
        ("fts_full", "SQLite FTS5: 5 facets + snippet()"),
        ("fts_filtered", "… with filters selected")]


def markdown(out: dict) -> str:
    m = out["machine"]
    lines = [f"Benchmark of {out['docs']:,} synthetic documents (median {out['corpus']['median_words']:.0f} words), "
             f"{out['queries_per_class']} timed searches per query class, run {out['started']} in "
             f"{out['seconds'] / 60:.1f} min on {m['cpu']} ({m['cores']} cores, {m['memory_gb']} GB), "
             f"Python {m['python']}, Whoosh {m['whoosh']}, SQLite {m['sqlite']}.", "",
             "| search latency, ms (p50 / p95) | term | two-term | phrase | field | all |",
             "|---|---|---|---|---|---|"]
    for key, label in ROWS:
        s = out["search"].get(key)
        if s:
            cells = [f"{s[c]['p50']:.1f} / {s[c]['p95']:.1f}" if c in s else "" for c in (*CLASSES, "all")]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
    r = out["ratios"]
    lines += ["", "| ratio of p95 (all queries) | |", "|---|---|",
              f"| HTTP full search ÷ plain Whoosh top-10 | {r['http_full_vs_whoosh_plain']}× "
              f"(with filters {r['http_filtered_vs_whoosh_plain']}×) |",
              f"| HTTP full search ÷ FTS5 same work | {r['http_full_vs_fts_full']}× "
              f"(with filters {r['http_filtered_vs_fts_filtered']}×) |",
              f"| in-process full search ÷ FTS5 same work | {r['inproc_full_vs_fts_full']}× "
              f"(with filters {r['inproc_filtered_vs_fts_filtered']}×) |"]
    hc, fc = out["http_concurrent"], out["fts_concurrent"]
    lines += ["", "| indexing and load | HMIC Search | SQLite FTS5 |", "|---|---|---|"]
    if "pipeline" in out:
        p = out["pipeline"]
        lines.append(f"| full pipeline, docs/s ({p['docs']:,} pages: ingest → extract → index) | "
                     f"{p['docs_s']} (ingest {p['ingest_docs_s']}, extract+index {p['extract_index_docs_s']} in "
                     f"{p.get('workers', 1)} worker processes) | |")
    lines += [f"| index writer alone, docs/s | {out['writer']['docs_s']} | {out['fts_build']['docs_s']} |",
              f"| index size, MB | {out['writer']['index_mb']} | {out['fts_build']['db_mb']} |",
              f"| 8 concurrent clients, searches/s (p95 ms) | {hc['per_s']} ({hc['p95']}) HTTP | "
              f"{fc['per_s']} ({fc['p95']}) in-process |",
              f"| open index + build facet cache, ms | {out['open_ms']} | |",
              f"| server peak RSS, MB | {out.get('server_peak_rss_mb')} | |",
              f"| benchmark process peak RSS, MB (holds the corpus) | {out['bench_peak_rss_mb']} | |"]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=10_000, help="Documents in the corpus (default 10000).")
    parser.add_argument("--queries", type=int, default=40, help="Timed searches per query class and mode.")
    parser.add_argument("--quick", action="store_true", help="A smoke run: 1000 documents, 8 searches each.")
    parser.add_argument("--pipeline-docs", type=int, help="Run the full pipeline on only this many documents.")
    parser.add_argument("--skip-pipeline", action="store_true", help="Measure the index writer only.")
    parser.add_argument("--workdir", type=Path, help="Scratch folder (default bench/results/work-N).")
    parser.add_argument("--keep", action="store_true", help="Keep the scratch folder (pages, corpus, indexes).")
    args = parser.parse_args(argv)
    if args.quick:
        args.docs, args.queries = min(args.docs, 1000), min(args.queries, 8)
    args.workdir = args.workdir or RESULTS / f"work-{args.docs}"
    out = Bench(args).run()
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    base = RESULTS / f"bench-{args.docs}-{stamp}"
    base.with_suffix(".json").write_text(json.dumps(out, indent=1, ensure_ascii=False))
    table = markdown(out)
    base.with_suffix(".md").write_text(table)
    print(table)
    print(f"results: {base}.json and .md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
