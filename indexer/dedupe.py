"""Relations between records: which page announces which report, and which texts are the same page twice."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict

from .record import NEWS_ITEM, NEWS_RELEASE, PUBLICATION_PAGE, Document
from .urls import normalise_url

# Which announcing page wins when several link to the same report.
_PARENT_RANK = {PUBLICATION_PAGE: 0, NEWS_RELEASE: 1, NEWS_ITEM: 2}
_BANDS, _ROWS = 16, 4            # 64 min-hashes in 16 bands: pairs at Jaccard 0.8 collide with p > 0.99
_SHINGLE = 5                     # words per shingle
_MAX_WORDS = 5000                # enough text to tell pages apart; keeps long reports cheap
_THRESHOLD = 0.8                 # estimated Jaccard similarity that makes two texts near-duplicates
_MASKS = tuple(int.from_bytes(hashlib.blake2b(str(i).encode(), digest_size=8).digest(), "big")
               for i in range(_BANDS * _ROWS))


def _keys(doc: Document) -> set[str]:
    keys = {normalise_url(doc.url)} if doc.url.startswith(("http://", "https://")) else {doc.url}
    keys.update(normalise_url(u) for u in doc.alternate_urls if u.startswith(("http://", "https://")))
    return keys


def pair_reports(docs) -> list[Document]:
    """The documents with `parent` set on each report whose URL another document lists in report_links."""
    docs = list(docs)
    by_key: dict[str, Document] = {}
    for doc in docs:
        for key in _keys(doc):
            by_key.setdefault(key, doc)
    parent_of: dict[str, Document] = {}
    for announcer in docs:
        for link in announcer.report_links:
            report = by_key.get(normalise_url(link))
            if report is None or report.id == announcer.id:
                continue
            current = parent_of.get(report.id)
            rank = (_PARENT_RANK.get(announcer.type, 9), announcer.id)
            if current is None or rank < (_PARENT_RANK.get(current.type, 9), current.id):
                parent_of[report.id] = announcer
    out = []
    for doc in docs:
        parent = parent_of.get(doc.id)
        # A report never becomes the parent of the page that announces it (no two-document cycles).
        if parent is not None and parent_of.get(parent.id) is not None and parent_of[parent.id].id == doc.id:
            parent = parent if _PARENT_RANK.get(parent.type, 9) < _PARENT_RANK.get(doc.type, 9) else None
        out.append(doc.replace(parent=parent.id) if parent is not None and doc.parent != parent.id else doc)
    return out


def normalised_text(text: str) -> str:
    """Text reduced to lower-case words: what two copies of a page share despite markup and punctuation."""
    return " ".join(re.findall(r"\w+", text.lower()))


def _shingles(words: list[str]) -> set[int]:
    if len(words) < _SHINGLE:
        return {hash(" ".join(words))} if words else set()
    return {int.from_bytes(hashlib.blake2b(" ".join(words[i:i + _SHINGLE]).encode(), digest_size=8).digest(), "big")
            for i in range(len(words) - _SHINGLE + 1)}


def signature(text: str) -> tuple[int, ...]:
    """MinHash signature of the text's word shingles (XOR masks on one 64-bit hash)."""
    shingles = _shingles(normalised_text(text).split()[:_MAX_WORDS])
    if not shingles:
        return ()
    return tuple(min(s ^ mask for s in shingles) for mask in _MASKS)


def similarity(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    if not a or not b:
        return 0.0
    return sum(x == y for x, y in zip(a, b)) / len(a)


def find_duplicates(docs, threshold: float = _THRESHOLD) -> list[list[str]]:
    """Groups (two or more ids, sorted) of documents whose texts are the same or nearly so."""
    docs = [d for d in docs if d.body and d.body.strip()]
    parent = {d.id: d.id for d in docs}
    forces = {d.id: frozenset(d.forces) for d in docs}

    def compatible(a: str, b: str) -> bool:
        # Pages of a series share boilerplate; ones about different forces are never the same page.
        return not (forces[a] and forces[b] and forces[a] != forces[b])

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    exact: dict[str, str] = {}
    signatures: dict[str, tuple[int, ...]] = {}
    buckets: dict[tuple, list[str]] = defaultdict(list)
    for doc in docs:
        digest = hashlib.sha1(normalised_text(doc.body).encode()).hexdigest()
        if digest in exact:
            union(exact[digest], doc.id)
            continue
        exact[digest] = doc.id
        sig = signature(doc.body)
        signatures[doc.id] = sig
        if not sig:
            continue
        for band in range(_BANDS):
            buckets[(band, sig[band * _ROWS:(band + 1) * _ROWS])].append(doc.id)
    for ids in buckets.values():
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                if (find(a) != find(b) and compatible(a, b)
                        and similarity(signatures[a], signatures[b]) >= threshold):
                    union(a, b)
    groups: dict[str, list[str]] = defaultdict(list)
    for doc_id in parent:
        groups[find(doc_id)].append(doc_id)
    return sorted(sorted(set(g)) for g in groups.values() if len(set(g)) > 1)


def mark_duplicates(docs, threshold: float = _THRESHOLD) -> list[Document]:
    """The documents with a "duplicate-of:<id>" flag on every member of a group but its first id."""
    docs = list(docs)
    first_of = {}
    for group in find_duplicates(docs, threshold):
        for doc_id in group[1:]:
            first_of[doc_id] = group[0]
    out = []
    for doc in docs:
        flag = f"duplicate-of:{first_of[doc.id]}" if doc.id in first_of else None
        out.append(doc.replace(flags=doc.flags + (flag,)) if flag and flag not in doc.flags else doc)
    return out
