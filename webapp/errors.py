"""Errors as the client expects them: JSON under /api and for exports, a page for people, never a traceback."""

from __future__ import annotations

import logging

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from indexer.index_writer import IndexCorrupt
from indexer.query import InvalidRequest

logger = logging.getLogger(__name__)


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path in ("/healthz",) or request.path.endswith(
        (".csv", ".atom"))


def error_response(status: int, message: str):
    if wants_json():
        response = jsonify({"error": message})
        response.status_code = status
        return response
    return render_template("error.html", status=status, message=message), status


def init_app(app) -> None:
    @app.errorhandler(InvalidRequest)
    def invalid(exc):
        return error_response(400, str(exc))

    @app.errorhandler(IndexCorrupt)
    def unreadable_index(exc):
        # The operator's problem, not a bug: one log line that says what to do, and 503 (try again later).
        logger.error("%s", exc)
        return error_response(503, "the search index is unreadable; it must be rebuilt "
                                   "(hmic-search index --rebuild)")

    @app.errorhandler(HTTPException)
    def http_error(exc):
        response = app.make_response(error_response(exc.code or 500, exc.description or exc.name))
        for name, value in exc.get_headers():  # keep what the status needs, e.g. Allow on a 405
            if name.lower() not in ("content-type", "content-length"):
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def unexpected(exc):
        logger.exception("unexpected error on %s", request.path)
        return error_response(500, "internal error: the search could not be completed")
