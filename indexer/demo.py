"""The offline demo: the sample site shipped in corpus/sample, ingested and indexed into a local folder."""

from __future__ import annotations

from pathlib import Path

from .ingest import ingest_paths
from .pipeline import index_corpus
from .settings import DATA_DIR, PROJECT_DIR

SAMPLE_DIR = PROJECT_DIR / "corpus" / "sample"


def build_demo(data_dir: Path | None = None) -> Path:
    """Ingest and index the sample pages (incrementally, so a second start is quick); returns the index folder."""
    data_dir = Path(data_dir) if data_dir else DATA_DIR / "demo"
    pages = sorted(SAMPLE_DIR.glob("*.html"))
    if not pages:
        raise ValueError(f"no sample pages found in {SAMPLE_DIR}")
    corpus_dir, index_dir = data_dir / "corpus", data_dir / "index"
    ingest_paths(pages, corpus_dir)
    index_corpus(corpus_dir, index_dir, progress=False)
    return index_dir
