"""Pure helpers that turn a search request into URLs and words; they know nothing of the index."""

from __future__ import annotations

from urllib.parse import urlencode

from indexer.query import FACETS, SearchRequest

FACET_LABELS = {"force": "Force or service", "region": "Region", "inspector": "Inspector",
                "year": "Year", "type": "Type"}


def search_url(req: SearchRequest, path: str = "/") -> str:
    params = req.to_params()
    return path + ("?" + urlencode(params) if params else "")


def toggle_url(req: SearchRequest, facet: str, value: str) -> str:
    """The URL of this search with one facet value added, or removed when it is selected."""
    values = list(getattr(req, facet))
    if value in values:
        values.remove(value)
    else:
        values.append(value)
    return search_url(req.with_(**{facet: tuple(values)}, page=1))


def clear_url(req: SearchRequest) -> str:
    return search_url(SearchRequest(q=req.q, sort=req.sort, per_page=req.per_page))


def page_url(req: SearchRequest, page: int) -> str:
    return search_url(req.with_(page=page))


def export_url(req: SearchRequest, path: str) -> str:
    return search_url(req.with_(page=1, per_page=SearchRequest.per_page), path)


def facet_view(name: str, values: list[dict], req: SearchRequest) -> dict:
    """One facet as the page shows it: Datasette's shape (name, label, results with toggle URLs), selected first."""
    selected = set(getattr(req, name))
    return {"name": name, "label": FACET_LABELS[name],
            "selected_count": len(selected),
            "results": [{"value": v["value"], "label": v["value"], "count": v["count"],
                         "selected": v["value"] in selected,
                         "toggle_url": toggle_url(req, name, v["value"])}
                        for v in sorted(values, key=lambda v: v["value"] not in selected)]}


def _plural(type_: str, n: int) -> str:
    if n == 1:
        return type_
    return type_[:-1] + "ies" if type_.endswith("y") and not type_.endswith("ey") else type_ + "s"


def _join(values) -> str:
    values = list(values)
    return values[0] if len(values) == 1 else ", ".join(values[:-1]) + " or " + values[-1]


def describe(req: SearchRequest, total: int) -> str:
    """A sentence for the current search: '23 news releases about Kent Police from 2014 to 2016 matching “custody”'."""
    noun = _plural(req.type[0], total) if len(req.type) == 1 else ("document" if total == 1 else "documents")
    parts = [f"{total:,} {noun}"]
    if len(req.type) > 1:
        parts.append(f"of type {_join(req.type)}")
    if req.force:
        parts.append(f"about {_join(req.force)}")
    if req.region:
        parts.append(f"in {_join(req.region)}")
    if req.inspector:
        parts.append(f"quoting {_join(req.inspector)}")
    if req.year:
        parts.append(f"published in {_join(sorted(req.year))}")
    if req.date_from and req.date_to:
        parts.append(f"from {req.date_from} to {req.date_to}")
    elif req.date_from:
        parts.append(f"since {req.date_from}")
    elif req.date_to:
        parts.append(f"until {req.date_to}")
    if req.q:
        parts.append(f"matching “{req.q}”")
    return " ".join(parts)


def active_filters(req: SearchRequest) -> list[dict]:
    """Each selected filter with the URL that removes it."""
    out = [{"label": f"{FACET_LABELS[name]}: {value}", "remove_url": toggle_url(req, name, value)}
           for name in FACETS for value in getattr(req, name)]
    if req.date_from:
        out.append({"label": f"From {req.date_from}", "remove_url": search_url(req.with_(date_from=None, page=1))})
    if req.date_to:
        out.append({"label": f"To {req.date_to}", "remove_url": search_url(req.with_(date_to=None, page=1))})
    return out


def drop_hints(req: SearchRequest, counts_without: dict[str, int]) -> list[dict]:
    """For an empty result: which single filter to drop, and how many documents that would give."""
    hints = []
    for label_url in active_filters(req):
        n = counts_without.get(label_url["remove_url"])
        if n:
            hints.append({**label_url, "count": n})
    return sorted(hints, key=lambda h: -h["count"])
