"""HTML pages: the search page and the document page, built from the same data as their JSON twins."""

from __future__ import annotations

import re

from flask import abort, render_template, request
from markupsafe import Markup

from indexer.query import FACETS, InvalidRequest, SearchRequest

from . import forms, links, present, search_index, searching

DOC_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def valid_doc_id(doc_id: str) -> str:
    """Ids are opaque tokens: anything else is a 404, never a path or a query."""
    if not DOC_ID.match(doc_id):
        abort(404, "no such document")
    return doc_id


def search_page():
    req, errors = forms.read_search_form(request.args)
    result = _search_or_error(req, errors)
    context = {"req": req, "errors": errors.summary(), "error": next(iter(errors.messages.values()), None),
               "error_params": set(errors.messages), "result": result, "facets": [],
               "filters": links.active_filters(req), "hints": [], "pages": None, "hits": []}
    if result is not None:
        context["facets"] = [links.facet_view(name, result["facets"][name], req) for name in FACETS]
        context["description"] = links.describe(req, result["total"])
        context["pages"] = _pagination(req, result["total"])
        context["hits"] = _annotate(result["hits"])
        if result["total"] == 0 and context["filters"]:
            context["hints"] = _drop_hints(req)
        context["csv_url"] = links.export_url(req, "/search.csv")
        context["atom_url"] = links.export_url(req, "/search.atom")
        context["api_url"] = links.search_url(req, "/api/search")
    context["clear_url"] = links.clear_url(req)
    return render_template("search.html", **context), (400 if errors else 200)


def _search_or_error(req: SearchRequest, errors: forms.FormErrors) -> dict | None:
    """The result, or None with the query's error added when the query is invalid or cannot be read."""
    if not errors.query_ok:
        return None
    try:
        return searching.search(req)
    except InvalidRequest as exc:
        errors.messages["q"] = str(exc)
        return None


def _annotate(hits: list[dict]) -> list[dict]:
    """The page of hits with what only the stored document knows: date provenance, PDF page of the match."""
    reader = search_index()
    out = []
    for hit in hits:
        doc = reader.document(hit["id"])
        extra = {"date_source": None, "page": None, "page_count": 0}
        if doc is not None:
            extra = {"date_source": present.date_source(doc.published_source) if doc.published else None,
                     "page": present.page_of_match(hit["snippet"], doc.pages), "page_count": len(doc.pages)}
        out.append({**hit, **extra})
    return out


def _pagination(req: SearchRequest, total: int) -> dict:
    last = max(1, -(-total // req.per_page))
    window = range(max(1, req.page - 3), min(last, req.page + 3) + 1)
    return {"current": req.page, "last": last,
            "prev_url": links.page_url(req, req.page - 1) if req.page > 1 else None,
            "next_url": links.page_url(req, req.page + 1) if req.page < last else None,
            "first_url": links.page_url(req, 1), "last_url": links.page_url(req, last),
            "window": [{"number": n, "url": links.page_url(req, n)} for n in window]}


def _drop_hints(req: SearchRequest) -> list[dict]:
    counts = {}
    for name in FACETS:
        for value in getattr(req, name):
            looser = req.with_(**{name: tuple(v for v in getattr(req, name) if v != value)}, page=1, per_page=1)
            counts[links.toggle_url(req, name, value)] = searching.search(looser)["total"]
    if req.date_from:
        counts[links.search_url(req.with_(date_from=None, page=1))] = searching.search(
            req.with_(date_from=None, page=1, per_page=1))["total"]
    if req.date_to:
        counts[links.search_url(req.with_(date_to=None, page=1))] = searching.search(
            req.with_(date_to=None, page=1, per_page=1))["total"]
    return links.drop_hints(req, counts)


def document_page(doc_id: str):
    reader = search_index()
    doc = reader.document(valid_doc_id(doc_id))
    if doc is None:
        abort(404, "no such document")
    related = reader.related(doc.id) or {}
    indexed = {r["url"]: r["id"] for r in related.get("reports", [])}
    reports = [{"url": u, "href": present.safe_href(u), "kind": present.report_kind(u), "doc_id": indexed.get(u)}
               for u in doc.report_links]
    return render_template("document.html", doc=doc, related=related, reports=reports,
                           excerpt=_excerpt(doc), truncated=len(doc.body) > EXCERPT_CHARS)


EXCERPT_CHARS = 3000


def _excerpt(doc) -> list[dict]:
    """The opening of the text as paragraphs; a paged PDF's keep their page numbers."""
    sections = [(n, text) for n, text in enumerate(doc.pages, start=1)] if doc.pages else [(None, doc.body)]
    out, budget = [], EXCERPT_CHARS
    for number, text in sections:
        if budget <= 0:
            break
        text = text[:budget]
        budget -= len(text)
        paras = [p.strip() for p in text.split("\n") if p.strip()]
        if paras:
            out.append({"page": number, "paragraphs": paras})
    return out


def init_app(app) -> None:
    app.add_template_filter(present.safe_href, "safe_href")
    app.add_template_filter(present.date_source, "date_source")
    app.add_template_filter(present.report_kind, "report_kind")
    app.add_template_filter(present.long_date, "long_date")
    app.add_template_filter(lambda s: Markup(present.mark_only(s)), "mark_only")
    app.add_template_global(present.force_groups, "force_groups")
    app.add_url_rule("/", "search", search_page)
    app.add_url_rule("/documents/<doc_id>", "document", document_page)
