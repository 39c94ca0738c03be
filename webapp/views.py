"""HTML pages: the search page and the document page, built from the same data as their JSON twins."""

from __future__ import annotations

import re

from flask import abort, render_template, request

from indexer.query import FACETS, InvalidRequest, SearchRequest, parse_search_args

from . import links, search_index

DOC_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def valid_doc_id(doc_id: str) -> str:
    """Ids are opaque tokens: anything else is a 404, never a path or a query."""
    if not DOC_ID.match(doc_id):
        abort(404, "no such document")
    return doc_id


def search_page():
    error = None
    try:
        req = parse_search_args(request.args.getlist)
    except InvalidRequest as exc:
        error, req = str(exc), SearchRequest(q=request.args.get("q", "")[:500])
    result = search_index().search(req) if error is None else None
    context = {"req": req, "error": error, "result": result, "facets": [], "filters": links.active_filters(req),
               "hints": [], "pages": None}
    if result is not None:
        context["facets"] = [links.facet_view(name, result["facets"][name], req) for name in FACETS]
        context["description"] = links.describe(req, result["total"])
        context["pages"] = _pagination(req, result["total"])
        if result["total"] == 0 and context["filters"]:
            context["hints"] = _drop_hints(req)
        context["csv_url"] = links.export_url(req, "/search.csv")
        context["atom_url"] = links.export_url(req, "/search.atom")
        context["api_url"] = links.search_url(req, "/api/search")
    context["clear_url"] = links.clear_url(req)
    return render_template("search.html", **context), (400 if error else 200)


def _pagination(req: SearchRequest, total: int) -> dict:
    last = max(1, -(-total // req.per_page))
    window = range(max(1, req.page - 3), min(last, req.page + 3) + 1)
    return {"current": req.page, "last": last,
            "prev_url": links.page_url(req, req.page - 1) if req.page > 1 else None,
            "next_url": links.page_url(req, req.page + 1) if req.page < last else None,
            "first_url": links.page_url(req, 1), "last_url": links.page_url(req, last),
            "window": [{"number": n, "url": links.page_url(req, n)} for n in window]}


def _drop_hints(req: SearchRequest) -> list[dict]:
    reader = search_index()
    counts = {}
    for name in FACETS:
        for value in getattr(req, name):
            looser = req.with_(**{name: tuple(v for v in getattr(req, name) if v != value)}, page=1, per_page=1)
            counts[links.toggle_url(req, name, value)] = reader.search(looser)["total"]
    if req.date_from:
        counts[links.search_url(req.with_(date_from=None, page=1))] = reader.search(
            req.with_(date_from=None, page=1, per_page=1))["total"]
    if req.date_to:
        counts[links.search_url(req.with_(date_to=None, page=1))] = reader.search(
            req.with_(date_to=None, page=1, per_page=1))["total"]
    return links.drop_hints(req, counts)


def document_page(doc_id: str):
    reader = search_index()
    doc = reader.document(valid_doc_id(doc_id))
    if doc is None:
        abort(404, "no such document")
    related = reader.related(doc.id) or {}
    return render_template("document.html", doc=doc, related=related, excerpt=doc.body[:3000],
                           truncated=len(doc.body) > 3000)


def init_app(app) -> None:
    app.add_url_rule("/", "search", search_page)
    app.add_url_rule("/documents/<doc_id>", "document", document_page)
