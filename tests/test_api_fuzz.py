"""The API against its own OpenAPI description, with generated requests: no 5xx, responses as described."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import negative_data_rejection

from conftest import make_docs, write_index
from indexer.query import MAX_VALUES

HOSTILE = [
    {"id": "x1", "url": "javascript:alert(1)", "title": "<script>alert('t')</script> custody",
     "body": "custody <img src=x onerror=alert(1)> \x0c\x01 \"quoted\" & more", "report_links": ("data:text/html,hi",)},
]


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    from indexer.record import Document
    from webapp import create_app
    docs = make_docs() + [Document(**row) for row in HOSTILE]
    index_dir = write_index(tmp_path_factory.mktemp("fuzz") / "index", docs)
    return create_app({"INDEX_DIR": str(index_dir), "TESTING": True})


@pytest.fixture(scope="module")
def api_schema(fuzz_app):
    return schemathesis.openapi.from_wsgi("/api/openapi.json", fuzz_app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schemathesis.hook
def filter_query(ctx, query):
    """What OpenAPI cannot say is left out: 'from' after 'to' (a 400 by design), and lists longer than 50, which
    the API counts after dropping empty and repeated values (tests/test_web_bad_input.py covers both)."""
    query = query or {}
    start, end = query.get("from"), query.get("to")
    if isinstance(start, str) and isinstance(end, str) and start and end and start > end:
        return False
    return not any(isinstance(v, list) and len(v) > MAX_VALUES for v in query.values())


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_description(case):
    # Generated "invalid" query values often serialise to valid ones (a boolean `type` becomes the string
    # "true", a null `to` the empty string, which means "not given"), which no server can reject; that
    # invalid parameters get a 400 is checked value by value in tests/test_web_bad_input.py.
    case.call_and_validate(excluded_checks=[negative_data_rejection])


@pytest.mark.parametrize("path", ["/api/documents/{doc_id}", "/api/documents/{doc_id}/related"])
@pytest.mark.parametrize("doc_id", ["k1", "n1", "u1", "x1"])
def test_documents_and_related_match_their_schemas(api_schema, path, doc_id):
    """Generated ids rarely exist, so every stored document is checked against the schema too."""
    case = api_schema[path]["GET"].Case(path_parameters={"doc_id": doc_id})
    response = case.call_and_validate()
    assert response.status_code == 200


def test_search_hits_match_the_hit_schema(api_schema):
    for query in ({"q": "custody", "per_page": 100}, {"sort": "oldest"}, {"q": "alert"}):
        case = api_schema["/api/search"]["GET"].Case(query=query)
        assert case.call_and_validate().json()["total"] > 0


def test_every_json_route_is_described(fuzz_app, api_schema):
    described = {p.replace("{doc_id}", "<doc_id>") for p in api_schema.raw_schema["paths"]}
    routes = {rule.rule for rule in fuzz_app.url_map.iter_rules() if rule.endpoint not in ("static", "search", "document")}
    assert routes == described
