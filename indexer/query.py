"""A search request: parsed and validated from web or CLI parameters (pure, no index involved)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

SORTS = ("relevance", "newest", "oldest")
FACETS = ("force", "region", "inspector", "year", "type")
MAX_QUERY_CHARS = 500
MAX_VALUES = 50
MAX_VALUE_CHARS = 200
MAX_PER_PAGE = 100
MAX_PAGE = 10_000
DEFAULT_PER_PAGE = 20


class InvalidRequest(ValueError):
    """A parameter the search cannot use; the message is for the user."""


@dataclass(frozen=True)
class SearchRequest:
    q: str = ""
    force: tuple[str, ...] = ()
    region: tuple[str, ...] = ()
    inspector: tuple[str, ...] = ()
    year: tuple[str, ...] = ()
    type: tuple[str, ...] = ()
    date_from: str | None = None
    date_to: str | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE

    def filters(self) -> dict[str, tuple[str, ...]]:
        return {name: getattr(self, name) for name in FACETS}

    def effective_sort(self) -> str:
        """An empty query has no relevance: it lists newest first unless told otherwise."""
        return "newest" if not self.q.strip() and self.sort == "relevance" else self.sort

    def with_(self, **changes) -> "SearchRequest":
        return replace(self, **changes)

    def to_params(self) -> list[tuple[str, str]]:
        """Query-string pairs that reproduce this request (for permalinks, toggles, exports)."""
        pairs: list[tuple[str, str]] = []
        if self.q:
            pairs.append(("q", self.q))
        for name in FACETS:
            pairs.extend((name, v) for v in getattr(self, name))
        if self.date_from:
            pairs.append(("from", self.date_from))
        if self.date_to:
            pairs.append(("to", self.date_to))
        if self.sort != "relevance":
            pairs.append(("sort", self.sort))
        if self.page != 1:
            pairs.append(("page", str(self.page)))
        if self.per_page != DEFAULT_PER_PAGE:
            pairs.append(("per_page", str(self.per_page)))
        return pairs


def _date(value: str, name: str) -> str:
    value = value.strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise InvalidRequest(f"'{name}' must be a date written YYYY-MM-DD, not {value[:40]!r}")
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise InvalidRequest(f"'{name}' is not a real date: {value!r}") from None


def _int(value: str, name: str, low: int, high: int) -> int:
    try:
        number = int(value.strip())
    except (ValueError, AttributeError):
        raise InvalidRequest(f"'{name}' must be a whole number, not {str(value)[:40]!r}") from None
    if not low <= number <= high:
        raise InvalidRequest(f"'{name}' must be between {low} and {high}")
    return number


def _values(raw: list[str], name: str) -> tuple[str, ...]:
    values = []
    for value in raw:
        value = value.strip()
        if not value:
            continue
        if len(value) > MAX_VALUE_CHARS:
            raise InvalidRequest(f"a '{name}' value is longer than {MAX_VALUE_CHARS} characters")
        if "\x00" in value:
            raise InvalidRequest(f"a '{name}' value contains a NUL character")
        if name == "year" and not re.fullmatch(r"\d{4}", value):
            raise InvalidRequest(f"'year' must be a four-digit year, not {value[:40]!r}")
        if value not in values:
            values.append(value)
    if len(values) > MAX_VALUES:
        raise InvalidRequest(f"too many '{name}' values (at most {MAX_VALUES})")
    return tuple(values)


KNOWN_PARAMS = {"q", *FACETS, "from", "to", "sort", "page", "per_page"}


def parse_search_args(get_list) -> SearchRequest:
    """Build a request from `get_list(name) -> list[str]` (Flask's `request.args.getlist`, or a dict's)."""
    def one(name: str) -> str | None:
        values = get_list(name)
        if len(values) > 1:
            raise InvalidRequest(f"'{name}' may be given only once")
        return values[0] if values else None

    q = (one("q") or "")
    if len(q) > MAX_QUERY_CHARS:
        raise InvalidRequest(f"the query is longer than {MAX_QUERY_CHARS} characters")
    if "\x00" in q:
        raise InvalidRequest("the query contains a NUL character")
    sort = (one("sort") or "relevance").strip() or "relevance"
    if sort not in SORTS:
        raise InvalidRequest(f"'sort' must be one of {', '.join(SORTS)}")
    date_from = one("from")
    date_to = one("to")
    date_from = _date(date_from, "from") if date_from and date_from.strip() else None
    date_to = _date(date_to, "to") if date_to and date_to.strip() else None
    if date_from and date_to and date_from > date_to:
        raise InvalidRequest("'from' is after 'to'")
    page = one("page")
    per_page = one("per_page")
    return SearchRequest(
        q=q.strip(),
        **{name: _values(get_list(name), name) for name in FACETS},
        date_from=date_from,
        date_to=date_to,
        sort=sort,
        page=_int(page, "page", 1, MAX_PAGE) if page not in (None, "") else 1,
        per_page=_int(per_page, "per_page", 1, MAX_PER_PAGE) if per_page not in (None, "") else DEFAULT_PER_PAGE,
    )


def from_mapping(params: dict) -> SearchRequest:
    """Convenience for the CLI and tests: values may be strings or lists."""
    def get_list(name):
        value = params.get(name)
        if value is None:
            return []
        return [str(v) for v in value] if isinstance(value, (list, tuple)) else [str(value)]
    return parse_search_args(get_list)
