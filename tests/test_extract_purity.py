"""Extractors stay pure: no network, corpus store or index imports."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "indexer"
FORBIDDEN = ("requests", "urllib3", "urllib.request", "http.client", "socket", "whoosh", "flask",
             "indexer.corpus_store", "indexer.index_writer", "indexer.crawl", "webapp")
MODULES = sorted(PACKAGE.glob("extract/*.py")) + [PACKAGE / "dedupe.py"]


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            names.add("indexer." + base.lstrip(".") if node.level else base)
            names.update(f"indexer.{alias.name}" for alias in node.names if node.level and not base)
    return names


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_no_impure_imports(path):
    bad = {n for n in _imports(path) for f in FORBIDDEN if n == f or n.startswith(f + ".")}
    assert not bad, f"{path.name} imports {sorted(bad)}"
