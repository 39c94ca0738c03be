"""Reading the search form: the request, or the errors with the fields they belong to and what is still usable."""

from __future__ import annotations

from dataclasses import dataclass, field

from indexer.query import KNOWN_PARAMS, MAX_QUERY_CHARS, InvalidRequest, SearchRequest, parse_search_args

# The form control each parameter's error message points to (per_page and page are not on the form).
FIELD_IDS = {"q": "q", "from": "from", "to": "to", "sort": "sort", "force": "facet-force",
             "region": "facet-region", "inspector": "facet-inspector", "year": "facet-year", "type": "facet-type"}


@dataclass
class FormErrors:
    """Messages by parameter; `usable` is the request without the invalid parameters (for the form's state)."""
    messages: dict[str, str] = field(default_factory=dict)
    usable: SearchRequest = field(default_factory=SearchRequest)

    def __bool__(self) -> bool:
        return bool(self.messages)

    def summary(self) -> list[dict]:
        return [{"param": name, "message": message, "field_id": FIELD_IDS.get(name)}
                for name, message in self.messages.items()]

    @property
    def query_ok(self) -> bool:
        return "q" not in self.messages


DATE_LABELS = {"from": "From", "to": "To"}


def _friendly(name: str, values: list[str], message: str) -> str:
    """Date messages in the words of the form (the API keeps the parameter names)."""
    if name not in DATE_LABELS:
        return message
    if len(values) > 1:
        return f"Give only one ‘{DATE_LABELS[name]}’ date"
    shown = values[0].strip()[:40]
    return f"The ‘{DATE_LABELS[name]}’ date must be a real date written as YYYY-MM-DD, for example 2014-01-31 " \
           f"(not “{shown}”)"


def _only(args, names) -> callable:
    return lambda name: list(args.getlist(name)) if name in names else []


def read_search_form(args) -> tuple[SearchRequest, FormErrors]:
    """(request, no errors) when every parameter is valid; else (the usable part, the errors by parameter)."""
    try:
        return parse_search_args(args.getlist), FormErrors()
    except InvalidRequest as whole:
        errors = FormErrors()
        present = [name for name in KNOWN_PARAMS if args.getlist(name)]
        for name in present:
            try:
                parse_search_args(_only(args, {name}))
            except InvalidRequest as exc:
                errors.messages[name] = _friendly(name, args.getlist(name), str(exc))
        if not errors.messages:  # each is valid alone, so it is their combination: 'from' after 'to'
            if "to" in present:
                errors.messages["to"] = "The ‘To’ date must be the same as or after the ‘From’ date"
            else:
                errors.messages[present[0] if present else "q"] = str(whole)
        kept = set(present) - set(errors.messages)
        try:
            errors.usable = parse_search_args(_only(args, kept))
        except InvalidRequest:
            errors.usable = SearchRequest()
        if "q" in errors.messages:  # keep what was typed in the box so it can be corrected
            first = (args.getlist("q") or [""])[0]
            errors.usable = errors.usable.with_(q=first.replace("\x00", "")[:MAX_QUERY_CHARS].strip())
        return errors.usable, errors
