"""The command line as users run it: ingest → index → search, extract, stats, and the help of every command."""

import json
import re

import pytest
from click.testing import CliRunner

from conftest import PROJECT, run_cli
from indexer.cli import cli

SAMPLE = PROJECT / "corpus" / "sample"


@pytest.fixture
def dirs(tmp_path):
    return tmp_path / "corpus", tmp_path / "index"


def test_ingest_index_search_stats(dirs):
    corpus, index = dirs
    out = run_cli("ingest", SAMPLE, "--corpus", corpus, "--json")
    assert json.loads(out.stdout)["new"] == len(list(SAMPLE.glob("*.html")))
    assert "indexed" in run_cli("index", "--corpus", corpus, "--index", index).stdout
    result = json.loads(run_cli("search", "custody", "--index", index, "--json").stdout)
    assert result["total"] >= 1 and set(result["facets"]) == {"force", "region", "inspector", "year", "type"}
    everything = json.loads(run_cli("search", "", "--index", index, "--json", "--limit", "100").stdout)
    assert everything["total"] == len(list(SAMPLE.glob("*.html")))
    stats = json.loads(run_cli("stats", "--index", index, "--json").stdout)
    assert stats["documents"] == everything["total"] and stats["last_update"] and stats["index_bytes"] > 0
    human = run_cli("search", "custody", "--index", index).stdout
    assert "documents match" in human


def test_second_ingest_and_index_change_nothing(dirs):
    corpus, index = dirs
    run_cli("ingest", SAMPLE, "--corpus", corpus)
    run_cli("index", "--corpus", corpus, "--index", index)
    again = json.loads(run_cli("ingest", SAMPLE, "--corpus", corpus, "--json").stdout)
    assert again["new"] == again["changed"] == 0
    report = json.loads(run_cli("index", "--corpus", corpus, "--index", index, "--json").stdout)
    assert report["added"] == report["updated"] == 0 and report["unchanged"] == report["scanned"]


def test_extract_json_prints_records_without_body():
    out = run_cli("extract", *sorted(SAMPLE.glob("release-*.html"))[:2], "--json").stdout
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 2
    assert all("body" not in rec and rec["id"] and rec["url"] for rec in lines)


def test_errors_are_one_line_and_non_zero(tmp_path):
    proc = run_cli("search", "x", "--from", "2020-99-01", "--index", tmp_path, check=False)
    assert proc.returncode != 0 and proc.stderr.strip().count("\n") == 0 and "hmic-search:" in proc.stderr
    bad = tmp_path / "empty.html"
    bad.write_bytes(b"")
    proc = run_cli("extract", bad, "--json", check=False)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr


def test_environment_sets_the_index(dirs, monkeypatch):
    corpus, index = dirs
    run_cli("ingest", SAMPLE, "--corpus", corpus)
    run_cli("index", "--corpus", corpus, "--index", index)
    import os
    import subprocess
    import sys
    env = dict(os.environ, HMIC_INDEX=str(index), PYTHONPATH=str(PROJECT))
    proc = subprocess.run([sys.executable, "-m", "indexer", "stats", "--json"], env=env, capture_output=True,
                          text=True, check=True)
    assert json.loads(proc.stdout)["documents"] > 0


COMMANDS = ["crawl", "ingest", "index", "update", "serve", "demo", "search", "extract", "stats"]


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_help_with_an_example_and_is_documented(name):
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    assert re.search(rf"hmic-search {name}\b", readme), f"README does not document `{name}`"
