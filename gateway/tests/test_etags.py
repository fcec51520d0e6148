"""A strong ETag on an item read, and a 304 to If-None-Match with it (``etags``; an integrator's
follow-ups: a client polling a record it created read the whole of it at each poll)."""
import hashlib

from estate_common import contracts
from gateway import etags, locations

TABLE = locations.table(contracts.load().openapi["paths"])


def test_an_item_read_answers_a_strong_etag_and_304_to_it(client, rpc, admin_token, contract):
    """An integrator polling what it created read the whole record at each poll: an item read
    answers a strong ``ETag`` of the bytes it sends, and ``If-None-Match`` with it a 304 without a
    body (``etags``); a changed record is another tag, so the full answer again."""
    url, auth = "/api/v1/estates/A/surveys/sv_1", {"Authorization": f"Bearer {admin_token}"}
    rpc.answer("customer_service", "get_survey", {"id": "sv_1", "title": "2026"})
    first = client.get(url, headers=auth)
    etag = first.headers["ETag"]
    assert etag == '"' + hashlib.sha256(first.get_data()).hexdigest() + '"'  # strong: no W/
    assert contract.header_problems(first, "/api/v1/estates/{estate_id}/surveys/{survey_id}", "GET") == []
    again = client.get(url, headers={**auth, "If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == etag
    assert contract.header_problems(again, "/api/v1/estates/{estate_id}/surveys/{survey_id}", "GET") == []
    rpc.answer("customer_service", "get_survey", {"id": "sv_1", "title": "2026, again"})
    changed = client.get(url, headers={**auth, "If-None-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["title"] == "2026, again" and changed.headers["ETag"] != etag
    # a list is no item read: no tag (a page changes with every record of it)
    assert "ETag" not in client.get("/api/v1/estates/A/surveys", headers=auth).headers


def test_every_item_read_declares_its_etag_and_304(client):
    """In the served document: each item read takes ``If-None-Match``, its 200 declares ``ETag``
    and it has a 304; no other operation of the API's records declares them."""
    document = client.get("/api/v1/openapi.json").get_json()
    items = {item for item, _ in TABLE.values()} | set(etags.MADE_BY_SERVICES)
    for path, operations in document["paths"].items():
        operation = operations.get("get")
        if operation is None or path in ("/api/v1/openapi.json",) or path.startswith("/api/v1/public/"):
            continue
        names = [p.get("$ref", "").rsplit("/", 1)[-1] for p in operation.get("parameters", [])]
        if path in items:
            assert "IfNoneMatch" in names, path
            assert operation["responses"]["200"]["headers"]["ETag"] == {"$ref": "#/components/headers/ETag"}, path
            assert operation["responses"]["200"]["headers"]["Cache-Control"] == {
                "$ref": "#/components/headers/ItemCacheControl"}, path
            assert operation["responses"]["304"] == {"$ref": "#/components/responses/NotModified"}, path
        else:
            assert "304" not in operation["responses"] and "IfNoneMatch" not in names, path


SURVEY = "/api/v1/estates/A/surveys/sv_1"
SURVEY_PATH = "/api/v1/estates/{estate_id}/surveys/{survey_id}"


def test_a_head_of_an_item_read_answers_the_get_s_etag_and_304(client, rpc, admin_token):
    """HEAD answers the headers GET would (RFC 9110 9.3.2), its ETag too, and If-None-Match with
    it a 304: a client asking "changed?" by HEAD was told no tag and always 200."""
    auth = {"Authorization": f"Bearer {admin_token}"}
    rpc.answer("customer_service", "get_survey", {"id": "sv_1", "title": "2026"})
    etag = client.get(SURVEY, headers=auth).headers["ETag"]
    rpc.answer("customer_service", "get_survey", {"id": "sv_1", "title": "2026"})
    head = client.head(SURVEY, headers=auth)
    assert head.status_code == 200 and head.headers.get("ETag") == etag
    rpc.answer("customer_service", "get_survey", {"id": "sv_1", "title": "2026"})
    assert client.head(SURVEY, headers={**auth, "If-None-Match": etag}).status_code == 304


def test_an_item_read_is_kept_by_no_shared_cache_and_revalidated_by_its_caller(client, rpc, admin_token, contract):
    """The record is as the caller sees it (personal data masked by role), sent to a key in
    X-API-Key, which a shared cache does not take for credentials (RFC 9111 3.5 names
    Authorization alone): the answer is ``private, no-cache`` (a cache asks with the ETag each
    time, so a caller whose role reads it masked is never served another's copy) and varies by
    both credentials, its 304 too (RFC 9110 15.4.5)."""
    auth = {"Authorization": f"Bearer {admin_token}"}
    rpc.answer("customer_service", "get_survey", {"id": "sv_1", "title": "2026"})
    first = client.get(SURVEY, headers=auth)
    rpc.answer("customer_service", "get_survey", {"id": "sv_1", "title": "2026"})
    again = client.get(SURVEY, headers={**auth, "If-None-Match": first.headers["ETag"]})
    for answer in (first, again):
        assert answer.headers["Cache-Control"] == "private, no-cache"
        assert {"authorization", "x-api-key"} <= {v.strip().lower() for v in answer.headers["Vary"].split(",")}
        assert contract.header_problems(answer, SURVEY_PATH, "GET") == []


def test_if_none_match_compares_weakly_a_list_and_star(client, rpc, admin_token):
    """If-None-Match is compared weakly (RFC 9110 13.1.2): the tag as W/, in a list, or ``*``
    is a 304; an If-Match beside a matching If-None-Match is no undeclared 412."""
    auth = {"Authorization": f"Bearer {admin_token}"}
    rpc.answer("customer_service", "get_survey", {"id": "sv_1", "title": "2026"})
    etag = client.get(SURVEY, headers=auth).headers["ETag"]
    for sent in (f"W/{etag}", f'"other", {etag}', "*"):
        rpc.answer("customer_service", "get_survey", {"id": "sv_1", "title": "2026"})
        assert client.get(SURVEY, headers={**auth, "If-None-Match": sent}).status_code == 304, sent
    rpc.answer("customer_service", "get_survey", {"id": "sv_1", "title": "2026"})
    assert client.get(SURVEY, headers={**auth, "If-None-Match": '"other"'}).status_code == 200
    rpc.answer("customer_service", "get_survey", {"id": "sv_1", "title": "2026"})
    assert client.get(SURVEY, headers={**auth, "If-None-Match": etag, "If-Match": etag}).status_code == 304


def test_a_work_order_an_owner_app_follows_answers_an_etag_and_304(client, rpc, admin_token, contract):
    """A repair's work order is made by maintenance, not by a create, so it was no item read: an
    owner app polling ``GET …/work-orders/{id}`` for its appointment and completion read the whole
    order at each poll, untagged, beside the service request it filed, tagged (found by the probe)."""
    path = "/api/v1/estates/{estate_id}/work-orders/{work_order_id}"
    url, auth = "/api/v1/estates/A/work-orders/wo_1", {"Authorization": f"Bearer {admin_token}"}
    rpc.answer("maintenance", "get_work_order", {"id": "wo_1", "status": "assigned"})
    first = client.get(url, headers=auth)
    etag = first.headers["ETag"]
    assert etag == '"' + hashlib.sha256(first.get_data()).hexdigest() + '"'
    assert contract.header_problems(first, path, "GET") == []
    rpc.answer("maintenance", "get_work_order", {"id": "wo_1", "status": "assigned"})
    again = client.get(url, headers={**auth, "If-None-Match": etag})
    assert again.status_code == 304 and again.headers["ETag"] == etag
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["paths"][path]["get"]["responses"]["304"] == {"$ref": "#/components/responses/NotModified"}
