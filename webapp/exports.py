"""Exports of any search: CSV with every match (streamed), and an Atom feed, newest first, for alerts."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timezone
from xml.sax.saxutils import escape

from flask import Response, current_app, request, stream_with_context, url_for

from indexer.query import parse_search_args

from . import links, present, searching

CSV_COLUMNS = ("id", "title", "published", "type", "forces", "regions", "hmi_region", "inspectors",
               "publication_types", "url", "report_links", "parent", "withdrawn", "score")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> str:
    """A cell a spreadsheet will not run: values starting like a formula get a leading quote."""
    text = "; ".join(value) if isinstance(value, (list, tuple)) else ("" if value is None else str(value))
    return "'" + text if text.startswith(FORMULA_START) else text


def search_csv():
    req = parse_search_args(request.args.getlist)
    rows = searching.iter_documents(req)

    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        for doc, score in rows:
            values = doc.metadata()
            values["score"] = score
            writer.writerow([safe_cell(values.get(col)) for col in CSV_COLUMNS])
            if buffer.tell() > 32_768:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(stream_with_context(generate()), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="hmic-search.csv"'})


def _atom_date(day: str | None) -> str:
    return f"{day}T00:00:00Z" if day else datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value) -> str:
    """Text safe in XML content and attribute values: escaped, characters XML forbids removed."""
    return escape(_NOT_XML.sub("", str(value or "")), {'"': "&quot;"})


def _link(rel: str, href: str, type_: str = "") -> str:
    return f'<link rel="{rel}"' + (f' type="{type_}"' if type_ else "") + f' href="{xml_text(href)}"/>'


def _entry(hit: dict, base: str) -> str:
    summary = hit["type"] + (f" · {', '.join(hit['forces'])}" if hit["forces"] else "")
    via = present.safe_href(hit["url"])
    return "".join([
        "<entry>",
        f"<title>{xml_text(hit['title'] or hit['url'])}</title>",
        f"<id>urn:hmic-search:{xml_text(hit['id'])}</id>",
        _link("alternate", base + url_for("document", doc_id=hit["id"]), "text/html"),
        _link("via", via) if via else "",
        f"<updated>{_atom_date(hit['published'])}</updated>",
        f"<published>{_atom_date(hit['published'])}</published>" if hit["published"] else "",
        *(f'<category term="{xml_text(f)}"/>' for f in hit["forces"]),
        f"<summary>{xml_text(summary)}</summary>",
        "</entry>"])


def search_atom():
    req = parse_search_args(request.args.getlist)
    feed_req = req.with_(sort="newest", page=1, per_page=min(100, current_app.config["ATOM_ENTRIES"]))
    result = searching.search(feed_req)
    base = request.host_url.rstrip("/")
    html_url = base + links.search_url(req.with_(sort="newest", page=1))
    updated = _atom_date(result["hits"][0]["published"] if result["hits"] else None)
    title = f"HMIC Search: {links.describe(req, result['total'])}"
    parts = ['<?xml version="1.0" encoding="utf-8"?>', '<feed xmlns="http://www.w3.org/2005/Atom">',
             f"<title>{xml_text(title)}</title>", f"<id>{xml_text(request.url)}</id>",
             _link("self", request.url, "application/atom+xml"), _link("alternate", html_url, "text/html"),
             f"<updated>{updated}</updated>", "<author><name>HMIC Search</name></author>"]
    parts.extend(_entry(hit, base) for hit in result["hits"])
    parts.append("</feed>")
    return Response("\n".join(parts), mimetype="application/atom+xml")


def init_app(app) -> None:
    app.add_url_rule("/search.csv", "search_csv", search_csv)
    app.add_url_rule("/search.atom", "search_atom", search_atom)
