"""Imports follow the data flow: indexer never imports webapp; whoosh and the network stay in their modules."""

import ast
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the package
                package = path.relative_to(PROJECT).with_suffix("").parts[:-node.level]
                names.add(".".join((*package, node.module or "")).rstrip("."))
            else:
                names.add(node.module or "")
    return names


def modules(package: str):
    return sorted((PROJECT / package).rglob("*.py"))


@pytest.mark.parametrize("path", modules("indexer"), ids=lambda p: str(p.relative_to(PROJECT)))
def test_indexer_never_imports_webapp(path):
    assert not any(name == "webapp" or name.startswith("webapp.") for name in imports_of(path))


@pytest.mark.parametrize("path", modules("indexer") + modules("webapp"), ids=lambda p: str(p.relative_to(PROJECT)))
def test_whoosh_only_in_the_index_writer_and_the_search_reader(path):
    """The write side (index_writer.py, its analysis and codec speed-ups) and the read side (search.py,
    the phrase matcher, the array scorer and the snippet maker it uses)."""
    uses_whoosh = any(name.split(".")[0] == "whoosh" for name in imports_of(path))
    assert not uses_whoosh or path.relative_to(PROJECT).as_posix() in (
        "indexer/index_writer.py", "indexer/analysis.py", "indexer/codec.py",
        "indexer/search.py", "indexer/phrase.py", "indexer/vscore.py", "indexer/snippet.py")


@pytest.mark.parametrize("path", modules("indexer/extract"), ids=lambda p: str(p.relative_to(PROJECT)))
def test_extractors_are_pure(path):
    forbidden = {"requests", "urllib3", "whoosh", "indexer.corpus_store", "indexer.fetch", "indexer.crawl", "socket"}
    found = {name for name in imports_of(path) if name in forbidden or name.split(".")[0] in {"requests", "whoosh"}}
    assert not found


@pytest.mark.parametrize("path", modules("indexer") + modules("webapp"), ids=lambda p: str(p.relative_to(PROJECT)))
def test_only_fetch_talks_to_the_network(path):
    net = any(name.split(".")[0] in ("requests", "urllib3") for name in imports_of(path))
    assert not net or path.name == "fetch.py"
