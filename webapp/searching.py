"""Searches run for the web, through the one shared reader (an unreadable query is its InvalidRequest: a 400)."""

from __future__ import annotations

from indexer.query import SearchRequest

from . import search_index


def search(req: SearchRequest) -> dict:
    return search_index().search(req)


def iter_documents(req: SearchRequest):
    return search_index().iter_documents(req)
