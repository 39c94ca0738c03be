"""Plain-text rendering of a search result for the terminal."""

from __future__ import annotations

import html
import re
import textwrap


def _unmark(snippet: str) -> str:
    return html.unescape(re.sub(r"</?mark>", "*", snippet))


def format_results(result: dict) -> str:
    lines = [f"{result['total']} documents match" + (f" “{result['query']}”" if result["query"] else "")]
    if result.get("suggestion"):
        lines.append(f"Did you mean: {result['suggestion']}")
    first = (result["page"] - 1) * result["per_page"]
    for n, hit in enumerate(result["hits"], start=first + 1):
        meta = " · ".join(x for x in (hit["published"] or "undated", hit["type"], ", ".join(hit["forces"])) if x)
        lines.append(f"\n{n}. {hit['title'] or hit['url']}\n   {meta}\n   {hit['url']}")
        if hit["snippet"]:
            lines.extend(textwrap.wrap(_unmark(hit["snippet"]), 96, initial_indent="   ", subsequent_indent="   "))
    facets = result["facets"]
    for name in ("type", "force", "year"):
        values = facets.get(name) or []
        if values:
            shown = ", ".join(f"{v['value']} ({v['count']})" for v in values[:8])
            lines.append(f"\n{name}: {shown}" + (" …" if len(values) > 8 else ""))
    return "\n".join(lines)
