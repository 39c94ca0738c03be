"""Searches run for the web: a query the parser cannot read is a message to the user (400), never a 500."""

from __future__ import annotations

import logging

from indexer.query import InvalidRequest, SearchRequest

from . import search_index

logger = logging.getLogger(__name__)

UNREADABLE = ("The query could not be understood: check its quotes, brackets and the words AND, OR and NOT "
              "(to search for one of those words, put it in quotes)")


def _guarded(call, req: SearchRequest):
    try:
        return call(req)
    except InvalidRequest:
        raise
    except (IndexError, AssertionError, AttributeError, TypeError, ValueError, KeyError) as exc:
        # Whoosh's parser fails this way on some operator sequences ("NOT NOT x"); an empty query never parses.
        if not req.q.strip():
            raise
        logger.warning("query %r could not be parsed: %s: %s", req.q[:100], type(exc).__name__, exc)
        raise InvalidRequest(UNREADABLE) from exc


def search(req: SearchRequest) -> dict:
    return _guarded(search_index().search, req)


def iter_documents(req: SearchRequest):
    return _guarded(search_index().iter_documents, req)
