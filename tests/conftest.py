"""Shared fixtures: documents, real on-disk indexes in tmp_path, the Flask app and client, real pages."""

from __future__ import annotations

import contextlib
import html
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from indexer import index_writer as iw
from indexer.record import Document

PROJECT = Path(__file__).resolve().parent.parent
SHARED_DATA = PROJECT.parent / "shared" / "data"


def make_docs() -> list[Document]:
    """A small, varied collection with known facets (the ground truth of several tests)."""
    rows = [
        ("k1", "Kent Police custody inspection", "Custody suites in Kent were inspected; detainees waited too long.",
         "2014-03-02", "news release", ("Kent Police",), ("Zoë Billingham",)),
        ("k2", "Kent Police crime data integrity", "Crime recording in Kent was good. Custody was not inspected.",
         "2016-07-11", "report", ("Kent Police",), ("Zoë Billingham",)),
        ("e1", "Essex Police custody", "Custody in Essex: detainees were <b>safe</b> & well treated.",
         "2015-01-20", "news release", ("Essex Police",), ("Zoë Billingham",)),
        ("e2", "Essex County Fire and Rescue Service inspection", "The fire service responds well to emergencies.",
         "2019-06-20", "news release", ("Essex County Fire and Rescue Service",), ("Zoë Billingham",)),
        ("m1", "Metropolitan Police Service stop and search", "Stop and search in London needs supervision.",
         "2017-09-19", "report", ("Metropolitan Police Service",), ("Matt Parr",)),
        ("w1", "Gwent Police domestic abuse", "Domestic abuse victims in Gwent are better protected.",
         "2015-07-15", "news release", ("Gwent Police",), ("Wendy Williams",)),
        ("n1", "National custody thematic", "Custody across forces in England and Wales; Kent and Gwent visited.",
         "2016-02-01", "report", ("Kent Police", "Gwent Police"), ()),
        ("u1", "Undated page about custody", "A page with no date mentioning custody.", None, "page", (), ()),
    ]
    regions = {"Kent Police": "South East", "Essex Police": "East of England",
               "Essex County Fire and Rescue Service": "East of England", "Metropolitan Police Service": "London",
               "Gwent Police": "Wales"}
    docs = []
    for doc_id, title, body, published, type_, forces, inspectors in rows:
        docs.append(Document(id=doc_id, url=f"https://hmicfrs.justiceinspectorates.gov.uk/test/{doc_id}/",
                             title=title, body=body, published=published, type=type_, forces=forces,
                             regions=tuple(dict.fromkeys(regions[f] for f in forces)), inspectors=inspectors,
                             content_hash=f"hash-{doc_id}"))
    return docs


def write_index(index_dir: Path, docs) -> Path:
    ix = iw.open_live(index_dir)
    writer = iw.BatchWriter(ix)
    for doc in docs:
        writer.put(doc, [f"{doc.id}:{doc.content_hash}:"])
    writer.commit()
    return index_dir


@pytest.fixture
def docs():
    return make_docs()


@pytest.fixture
def index_dir(tmp_path, docs):
    return write_index(tmp_path / "index", docs)


GENERATED_DOCS = 320


@pytest.fixture(scope="session")
def generated_corpus():
    """Documents from the benchmark's generator (Zipf-distributed words, the topics' phrases)."""
    sys.path.insert(0, str(PROJECT / "bench"))
    from corpus_gen import CorpusGenerator
    return [g.doc for g in CorpusGenerator(median_words=90).generate(GENERATED_DOCS)]


@pytest.fixture(scope="session")
def generated_index_dir(tmp_path_factory, generated_corpus):
    """The generated documents in four commits (segments): later ones replace some earlier
    documents with reworded ones and delete others, so segments carry deletions."""
    corpus = generated_corpus
    path = tmp_path_factory.mktemp("generated") / "index"
    generation = iw.new_generation(path)
    ix = iw.whoosh_index.open_dir(generation, indexname=iw.INDEX_NAME)
    writer = iw.BatchWriter(ix, batch_size=10_000)
    for chunk in (corpus[:120], corpus[120:220]):
        for doc in chunk:
            writer.put(doc)
        writer.commit()
    for doc in corpus[:220:9]:
        words = doc.body.split()
        writer.put(doc.replace(body=" ".join(words[7:] + words[:7]), content_hash=doc.content_hash + "-reworded"))
    for doc in corpus[3:220:13]:
        writer.delete(doc.id)
    writer.commit()
    for doc in corpus[220:]:
        writer.put(doc)
    writer.commit()
    iw.make_live(path, generation)
    return path


@pytest.fixture(scope="session")
def generated_search_index(generated_index_dir):
    from indexer.search import SearchIndex
    index = SearchIndex(generated_index_dir, refresh_seconds=3600)
    yield index
    index.close()


@pytest.fixture(scope="session")
def generated_searcher(generated_index_dir):
    """A plain Whoosh searcher over the generated index: the reference the fast paths are compared with."""
    ix = iw.whoosh_index.open_dir(iw.current_generation(generated_index_dir), indexname=iw.INDEX_NAME)
    with ix.searcher() as searcher:
        yield searcher


@pytest.fixture
def app(index_dir):
    from webapp import create_app
    return create_app({"INDEX_DIR": str(index_dir), "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def shared_data() -> Path:
    if not (SHARED_DATA / "hmic_pages_dev.jsonl").exists():
        pytest.skip(f"real pages not available ({SHARED_DATA} is absent in this clone)")
    return SHARED_DATA


def wrap_page(url: str, title: str, text: str) -> str:
    """A real page's text wrapped in markup the way the site serves it (nav, h1, paragraphs, footer)."""
    paras = [line for line in text.split("\n") if line.strip()]
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paras[1:])
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} - HMICFRS'
            f'</title><link rel="canonical" href="{html.escape(url)}"></head><body>'
            '<header><nav><a href="/">Home</a> <a href="/publications/">Publications</a></nav></header>'
            f'<main><h1>{html.escape(paras[0] if paras else title)}</h1>{body}</main>'
            '<footer><p>© Crown copyright</p></footer></body></html>')


@pytest.fixture
def real_pages_dir(tmp_path, shared_data) -> Path:
    """The real pages of ../shared/data written out as HTML files, one per page."""
    out = tmp_path / "real-pages"
    out.mkdir()
    with open(shared_data / "hmic_pages_dev.jsonl", encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            page = json.loads(line)
            (out / f"page-{n:03d}.html").write_text(wrap_page(page["url"], page["title"], page["text"]),
                                                    encoding="utf-8")
    return out


@contextlib.contextmanager
def lock_held_elsewhere(index_dir: Path):
    """Another run holding the writer lock of `index_dir` for the duration of the block."""
    from indexer.lock import writer_lock
    held, release = threading.Event(), threading.Event()

    def hold():
        with writer_lock(index_dir):
            held.set()
            release.wait(30)
    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(5)
    try:
        yield
    finally:
        release.set()
        thread.join()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli_env(**extra) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(PROJECT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def run_cli(*args, check=True, **kwargs) -> subprocess.CompletedProcess:
    """Run `hmic-search` as a user would, in a subprocess."""
    proc = subprocess.run([sys.executable, "-m", "indexer", *map(str, args)], capture_output=True, text=True,
                          env=cli_env(), cwd=PROJECT, timeout=kwargs.pop("timeout", 120), **kwargs)
    if check and proc.returncode != 0:
        raise AssertionError(f"hmic-search {' '.join(map(str, args))} failed ({proc.returncode}):\n{proc.stderr}")
    return proc


class ServerProcess:
    def __init__(self, *args):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([sys.executable, "-m", "indexer", *map(str, args), "--port", str(self.port)],
                                     env=cli_env(), cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited: {self.proc.stderr.read()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise AssertionError("server did not start within 60 s")

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()


@pytest.fixture
def serve():
    """Start a real `hmic-search serve` (or `demo`) process: serve(*args) → ServerProcess."""
    started = []

    def start(*args):
        server = ServerProcess(*args)
        started.append(server)
        return server
    yield start
    for server in started:
        server.stop()
