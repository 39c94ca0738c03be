"""The JSON API: /api/search, documents, related documents, /healthz and the OpenAPI description."""

from __future__ import annotations

import json
from pathlib import Path

from flask import abort, jsonify, request

from indexer.query import parse_search_args

from . import search_index, searching
from .views import valid_doc_id

OPENAPI = Path(__file__).with_name("openapi.json")


def api_search():
    return jsonify(searching.search(parse_search_args(request.args.getlist)))


def api_document(doc_id: str):
    doc = search_index().document(valid_doc_id(doc_id))
    if doc is None:
        abort(404, "no such document")
    data = doc.metadata()
    data["body"] = doc.body
    return jsonify(data)


def api_related(doc_id: str):
    related = search_index().related(valid_doc_id(doc_id))
    if related is None:
        abort(404, "no such document")
    return jsonify(related)


def healthz():
    stats = search_index().stats()
    return jsonify({"status": "ok", "documents": stats["documents"], "last_update": stats["last_update"],
                    "last_run": stats["last_run"]})


def openapi():
    return jsonify(json.loads(OPENAPI.read_text(encoding="utf-8")))


def init_app(app) -> None:
    app.add_url_rule("/api/search", "api_search", api_search)
    app.add_url_rule("/api/documents/<doc_id>", "api_document", api_document)
    app.add_url_rule("/api/documents/<doc_id>/related", "api_related", api_related)
    app.add_url_rule("/api/openapi.json", "openapi", openapi)
    app.add_url_rule("/healthz", "healthz", healthz)
