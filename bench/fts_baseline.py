"""The baseline: the same corpus in SQLite FTS5, searched with bm25, snippet() and GROUP BY facet counts.

Facet semantics match the search's: values within one facet are OR-ed, facets are AND-ed, and each
facet's counts apply every filter except its own.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

FACETS = ("force", "region", "inspector", "year", "type")
SCHEMA = """
CREATE TABLE docs(rowid INTEGER PRIMARY KEY, id TEXT, url TEXT, title TEXT, published TEXT);
CREATE VIRTUAL TABLE fts USING fts5(title, body, force, inspector, tokenize='porter unicode61');
CREATE TABLE facets(docid INTEGER, facet TEXT, value TEXT);
"""
INDEXES = """
CREATE INDEX facets_value ON facets(facet, value, docid);
CREATE INDEX facets_doc ON facets(docid, facet, value);
"""


def facet_values(doc) -> dict[str, tuple]:
    return {"force": doc.forces, "region": doc.regions, "inspector": doc.inspectors,
            "year": (doc.year,) if doc.year else (), "type": (doc.type,)}


class FtsIndex:
    def __init__(self, path: Path, conn: sqlite3.Connection):
        self.path = path
        self.conn = conn

    @classmethod
    def open(cls, path: Path) -> "FtsIndex":
        return cls(Path(path), sqlite3.connect(path, check_same_thread=False))

    @classmethod
    def build(cls, path: Path, docs) -> "FtsIndex":
        path = Path(path)
        path.unlink(missing_ok=True)
        conn = sqlite3.connect(path, check_same_thread=False)
        conn.executescript(SCHEMA)
        with conn:
            for n, doc in enumerate(docs, 1):
                conn.execute("INSERT INTO docs VALUES (?, ?, ?, ?, ?)", (n, doc.id, doc.url, doc.title, doc.published))
                conn.execute("INSERT INTO fts(rowid, title, body, force, inspector) VALUES (?, ?, ?, ?, ?)",
                             (n, doc.title, doc.body, " ".join(doc.forces), " ".join(doc.inspectors)))
                conn.executemany("INSERT INTO facets VALUES (?, ?, ?)",
                                 [(n, f, v) for f, values in facet_values(doc).items() for v in values])
            conn.executescript(INDEXES)
            conn.execute("INSERT INTO fts(fts) VALUES ('optimize')")
        conn.execute("ANALYZE")
        return cls(path, conn)

    def plain(self, match: str) -> list:
        return self.conn.execute(
            "SELECT d.id, d.title FROM fts JOIN docs d ON d.rowid = fts.rowid WHERE fts MATCH ? "
            "ORDER BY bm25(fts, 2.0, 1.0, 1.0, 1.0) LIMIT 10", (match,)).fetchall()

    def search(self, match: str, filters: dict, limit: int = 10) -> dict:
        """Total, top hits with snippets, five facet counts. The match set and each facet's selection
        are materialised once per search in temporary tables (per connection): SQLite plans a
        `rowid IN (subquery)` beside an FTS MATCH as one MATCH per row otherwise, hundreds of ms."""
        conn = self.conn
        conn.execute("CREATE TEMP TABLE IF NOT EXISTS matched(docid INTEGER PRIMARY KEY)")
        conn.execute("DELETE FROM matched")
        conn.execute("INSERT INTO matched SELECT rowid FROM fts WHERE fts MATCH ?", (match,))
        selected = {}
        for facet, values in filters.items():
            if values:
                table = f"selected_{facet}"
                conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table}(docid INTEGER PRIMARY KEY)")
                conn.execute(f"DELETE FROM {table}")
                conn.execute(f"INSERT OR IGNORE INTO {table} SELECT docid FROM facets WHERE facet = ? AND value IN "
                             f"({','.join('?' * len(values))})", [facet, *values])
                selected[facet] = table

        def within(skip=None) -> str:  # the matched documents every selection but `skip`'s allows
            tests = [f"docid IN {table}" for facet, table in selected.items() if facet != skip]
            return "SELECT docid FROM matched" + (" WHERE " + " AND ".join(tests) if tests else "")

        total = conn.execute(f"SELECT count(*) FROM ({within()})").fetchone()[0]
        # `+fts.rowid`: the set filters the MATCH's rows instead of driving one MATCH per row.
        hits = conn.execute(
            "SELECT d.id, d.url, d.title, d.published, snippet(fts, 1, '<mark>', '</mark>', ' … ', 24), "
            f"bm25(fts, 2.0, 1.0, 1.0, 1.0) AS score FROM fts JOIN docs d ON d.rowid = fts.rowid "
            f"WHERE fts MATCH ? AND +fts.rowid IN ({within()}) ORDER BY score LIMIT ?", [match, limit]).fetchall()
        facets = {}
        for facet in FACETS:
            facets[facet] = conn.execute(
                f"SELECT value, count(*) AS n FROM facets WHERE facet = ? AND docid IN ({within(facet)}) "
                "GROUP BY value ORDER BY n DESC", [facet]).fetchall()
        return {"total": total, "hits": hits, "facets": facets}
