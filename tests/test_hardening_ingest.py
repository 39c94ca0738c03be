"""Malformed files ingested beside good ones: every good one is indexed and searchable, the bad ones are
counted, and no command prints a traceback."""

import json
import random
import shutil

import pytest

from conftest import PROJECT, run_cli
from indexer.extract import extract
from indexer.ingest import content_type_for, url_for_file
from indexer.query import from_mapping
from indexer.search import SearchIndex

SAMPLES = sorted((PROJECT / "corpus" / "sample").glob("*.html"))


def report_pdf(title: str, text: str) -> bytes:
    from fpdf import FPDF
    pdf = FPDF()
    pdf.set_title(title)
    pdf.set_font("helvetica", size=12)
    for page in (text, "Findings: the second page."):
        pdf.add_page()
        pdf.multi_cell(0, 10, page)
    return bytes(pdf.output())


def html(title: str, body: str) -> str:
    return f"<html><head><meta charset='utf-8'><title>{title}</title></head><body><main>{body}</main></body></html>"


def write_inputs(folder, enormous_bytes: int):
    """(good files → a word only that file holds, or None for the samples; bad files) in `folder`."""
    rng = random.Random(8)
    folder.mkdir()
    good, bad = {}, []
    for sample in SAMPLES:
        shutil.copy(sample, folder / sample.name)
        good[sample.name] = None
    pdf = report_pdf("Zanzibarish inspection report", "Zanzibarish inspection of Kent Police custody.")
    (folder / "good.pdf").write_bytes(pdf)
    good["good.pdf"] = "zanzibarish"
    (folder / "good.txt").write_text("Ocelotine notes\nA plain text file about ocelotine custody.\n")
    good["good.txt"] = "ocelotine"
    # Deeply nested and enormous pages are valid HTML: they are indexed, not rejected.
    (folder / "deep.html").write_text(html("Deeply nested page", "<div>" * 5000 + "<p>quokkafield</p>"
                                           + "</div>" * 5000))
    good["deep.html"] = "quokkafield"
    para = "<p>An enormous page about wombatcrest custody inspections in Kent.</p>\n"
    (folder / "enormous.html").write_text(html("Enormous page", para * (enormous_bytes // len(para))))
    good["enormous.html"] = "wombatcrest"
    # Wrong encodings: declared UTF-8 but written in Latin-1 or cp1252, and UTF-16 with a BOM.
    (folder / "latin1.html").write_bytes(html("Latin page", "<p>Zoë Billingham said pangolinish café.</p>")
                                         .encode("latin-1"))
    good["latin1.html"] = "pangolinish"
    (folder / "cp1252.html").write_bytes(html("Curly page", "<p>The force’s narwhalish – report.</p>")
                                         .encode("cp1252"))
    good["cp1252.html"] = "narwhalish"
    (folder / "utf16.html").write_bytes(html("Sixteen page", "<p>Axolotlish text ✓.</p>").encode("utf-16"))
    good["utf16.html"] = "axolotlish"
    broken = {
        "truncated.pdf": pdf[: len(pdf) // 2],
        "truncated-header.pdf": pdf[:40],
        "random.pdf": rng.randbytes(5000),
        "pdf-header-then-random.pdf": b"%PDF-1.7\n" + rng.randbytes(5000),
        "empty.html": b"",
        "blank.html": b" \n\t \n",
        "binary.html": rng.randbytes(5000),
        "nul-bytes.html": b"\x00" * 3000,
    }
    for name, body in broken.items():
        (folder / name).write_bytes(body)
        bad.append(name)
    return good, bad


def expected_id(path) -> str:
    body = path.read_bytes()
    return extract(body, url_for_file(path), content_type_for(path, body[:1024])).id


@pytest.mark.slow
def test_malformed_files_beside_good_ones(tmp_path):
    folder, corpus, index = tmp_path / "inbox", tmp_path / "corpus", tmp_path / "index"
    good, bad = write_inputs(folder, enormous_bytes=20_000_000)
    outputs = []

    ingest = run_cli("ingest", folder, "--corpus", corpus, "--json")
    outputs.append(ingest)
    assert json.loads(ingest.stdout)["new"] == len(good) + len(bad)

    indexed = run_cli("index", "--corpus", corpus, "--index", index, "--json", timeout=300)
    outputs.append(indexed)
    report = json.loads(indexed.stdout)
    assert report["documents"] == len(good)
    assert sum(report["failed"].values()) == len(bad)
    assert set(report["failed"]) <= {"empty", "binary", "unreadable PDF", "undecodable"}

    listing = run_cli("search", "", "--index", index, "--json", "--limit", "100")
    outputs.append(listing)
    ids = {hit["id"] for hit in json.loads(listing.stdout)["hits"]}
    expected = {name: expected_id(folder / name) for name in good}
    assert ids == set(expected.values())
    reader = SearchIndex(index)
    for name, word in good.items():
        if word:
            hits = reader.search(from_mapping({"q": word}))["hits"]
            assert [h["id"] for h in hits] == [expected[name]], name
    # Text decoded right whatever the declared encoding said.
    assert "café" in reader.search(from_mapping({"q": "pangolinish"}))["hits"][0]["snippet"]
    assert reader.document(expected["enormous.html"]).flags == ("truncated",)
    reader.close()
    found = run_cli("search", "narwhalish", "--index", index, "--json")
    outputs.append(found)
    assert "force’s" in json.loads(found.stdout)["hits"][0]["snippet"]

    stats = run_cli("stats", "--index", index, "--json")
    outputs.append(stats)
    assert json.loads(stats.stdout)["documents"] == len(good)
    for proc in outputs:
        assert "Traceback" not in proc.stdout + proc.stderr


def test_extract_command_reports_bad_files_in_one_line_each(tmp_path):
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "good.html").write_text(html("A good page", "<p>Kent Police custody.</p>"))
    (folder / "binary.html").write_bytes(random.Random(3).randbytes(2000))
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj <<")
    proc = run_cli("extract", folder, "--json", check=False)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert len(proc.stdout.strip().splitlines()) == 1
    errors = [line for line in proc.stderr.splitlines() if line.startswith("hmic-search: ")]
    assert len(errors) == 2


# ---- the corpus an ingest leaves: whole after a kill, and mended after a power cut -------------------------
def test_ingest_leaves_flushing_to_the_system_but_a_crawl_store_flushes_each_file(tmp_path, monkeypatch):
    import os

    from indexer.corpus_store import CorpusStore
    from indexer.ingest import ingest_paths
    flushed = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (flushed.append(fd), real_fsync(fd)))
    folder = tmp_path / "inbox"
    folder.mkdir()
    for n in range(3):
        (folder / f"page-{n}.html").write_text(html(f"Page {n}", f"<p>Kent Police custody {n}.</p>"))
    assert ingest_paths([folder], tmp_path / "corpus").new == 3
    assert flushed == []
    CorpusStore(tmp_path / "crawled").put("https://hmicfrs.justiceinspectorates.gov.uk/x/", b"<p>x</p>")
    assert len(flushed) == 2   # the body, then the entry


def test_a_body_or_entry_lost_to_a_power_cut_is_written_again_by_the_next_ingest(tmp_path):
    from indexer.corpus_store import CorpusStore
    from indexer.ingest import ingest_paths
    folder, corpus = tmp_path / "inbox", tmp_path / "corpus"
    folder.mkdir()
    (folder / "page.html").write_text(html("A page", "<p>Kent Police custody.</p>"))
    (folder / "other.html").write_text(html("Another page", "<p>Gwent Police custody.</p>"))
    ingest_paths([folder], corpus)
    store = CorpusStore(corpus)
    entry = next(e for e in store.entries() if e.url.endswith("page.html"))
    (corpus / "blobs" / entry.sha256[:2] / entry.sha256).write_bytes(b"")   # what a power cut may leave
    assert not store.has_body(entry)
    report = ingest_paths([folder], corpus)
    assert (report.changed, report.unchanged) == (1, 1)
    assert store.read_body(store.get(entry.url)) == (folder / "page.html").read_bytes()
    (corpus / "entries" / entry.key[:2] / f"{entry.key}.json").write_bytes(b"")   # an entry lost the same way
    report = ingest_paths([folder], corpus)
    assert (report.changed, report.unchanged) == (1, 1)
    assert store.read_body(store.get(entry.url)) == (folder / "page.html").read_bytes()


INGEST_DRIVER = """
import sys
from indexer.ingest import ingest_paths
print("started", flush=True)
ingest_paths([sys.argv[1]], sys.argv[2])
"""


def test_ingest_killed_at_random_moments_leaves_only_whole_entries(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    from conftest import cli_env
    from indexer.corpus_store import CorpusStore
    folder, corpus = tmp_path / "inbox", tmp_path / "corpus"
    folder.mkdir()
    rng = random.Random(11)
    for n in range(400):
        (folder / f"page-{n:03d}.html").write_text(html(f"Page {n}", "<p>Kent Police custody.</p>" * rng.randint(1, 400)))
    driver = tmp_path / "ingest_driver.py"
    driver.write_text(INGEST_DRIVER)
    for attempt in range(3):
        proc = subprocess.Popen([sys.executable, str(driver), str(folder), str(corpus)], env=cli_env(), cwd=PROJECT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        proc.stdout.readline()
        time.sleep(rng.uniform(0.05, 0.4))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
        store = CorpusStore(corpus)
        errors: list = []
        for entry in store.entries(errors):
            assert store.read_body(entry)   # raises CorruptEntry for a body that is missing or not whole
        assert errors == []
