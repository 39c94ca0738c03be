"""Parsing and validating search parameters (pure)."""

import pytest

from indexer.query import InvalidRequest, SearchRequest, from_mapping


def test_defaults_and_repeated_values():
    req = from_mapping({"q": "  custody ", "force": ["Kent Police", "Kent Police", "Essex Police"]})
    assert req.q == "custody"
    assert req.force == ("Kent Police", "Essex Police")
    assert (req.page, req.per_page, req.sort) == (1, 20, "relevance")


def test_empty_query_sorts_newest():
    assert from_mapping({}).effective_sort() == "newest"
    assert from_mapping({"q": "x"}).effective_sort() == "relevance"
    assert from_mapping({"sort": "oldest"}).effective_sort() == "oldest"


@pytest.mark.parametrize("params, message", [
    ({"from": "2014-13-01"}, "not a real date"),
    ({"from": "yesterday"}, "YYYY-MM-DD"),
    ({"from": "2016-01-01", "to": "2015-01-01"}, "after"),
    ({"per_page": "101"}, "between 1 and 100"),
    ({"per_page": "0"}, "between 1 and 100"),
    ({"page": "-1"}, "between"),
    ({"page": "two"}, "whole number"),
    ({"sort": "random"}, "sort"),
    ({"year": "14"}, "four-digit"),
    ({"q": "x" * 501}, "longer than"),
    ({"q": "a\x00b"}, "NUL"),
    ({"force": ["x" * 201]}, "longer than"),
    ({"force": [str(i) for i in range(51)]}, "too many"),
    ({"q": ["a", "b"]}, "only once"),
])
def test_invalid_parameters_explain_themselves(params, message):
    with pytest.raises(InvalidRequest, match=message):
        from_mapping(params)


def test_to_params_round_trips():
    req = from_mapping({"q": "stop and search", "force": ["Metropolitan Police Service"], "year": ["2017"],
                        "from": "2017-01-01", "sort": "newest", "page": "2", "per_page": "50"})
    again = from_mapping({k: [v for kk, v in req.to_params() if kk == k] for k, _ in req.to_params()})
    assert again == req
    assert SearchRequest().to_params() == []
