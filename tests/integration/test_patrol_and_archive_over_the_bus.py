"""Security patrol and archive on the real broker: what a round, its anomaly and an
incident announce reaches the archive's permanent record."""
import pytest

pytestmark = pytest.mark.broker


def test_a_finished_round_and_a_closed_incident_reach_the_archive(system, rpc, eventually, rabbit_config):
    estate = rpc("archive", "create_estate", {"data": {"code": "IT-SP-1", "name": "Hillside", "address": "3 Hill Rd"}})
    estate_id = estate["id"]
    route = rpc("security_patrol", "create_patrol_route", {"estate_id": estate_id, "data": {
        "name": "Night loop", "checkpoints": [{"code": "A1", "name": "North gate"}, {"code": "B2", "name": "Car park"}]}})
    round_ = rpc("security_patrol", "start_round", {"estate_id": estate_id, "data": {
        "route_id": route["id"], "guard": "zhao"}}, context={"guard": "security"})  # the gateway's look-up
    checked = rpc("security_patrol", "check_in", {"estate_id": estate_id, "id": round_["id"], "data": {
        "checkpoint": "A1", "anomaly": {"description": "gate motor grinding"}}})
    finished = rpc("security_patrol", "finish_round", {"estate_id": estate_id, "id": round_["id"], "data": {}})
    assert finished["missed"] == [{"code": "B2", "name": "Car park"}]
    assert checked["check_ins"][0]["anomaly"]["id"]

    records = eventually(lambda: rpc("archive", "list_records", {
        "estate_id": estate_id, "filters": {"subject_id": round_["id"]}})["items"])
    assert records[0]["subject_type"] == "patrol_round" and records[0]["data"]["summary"]["missed"] == 1
    assert records[0]["request_id"] == "it-request"
    anomaly_id = checked["check_ins"][0]["anomaly"]["id"]
    reported = eventually(lambda: rpc("archive", "list_records", {
        "estate_id": estate_id, "filters": {"subject_id": anomaly_id}})["items"])
    assert reported[0]["data"]["round_id"] == round_["id"] and reported[0]["subject_type"] == "patrol_anomaly"

    incident = rpc("security_patrol", "open_incident", {"estate_id": estate_id, "data": {
        "type": "public_disorder", "description": "argument at gate 2", "location": "Gate 2"}})
    rpc("security_patrol", "record_incident_step", {"estate_id": estate_id, "id": incident["id"],
                                                    "data": {"step": "notify_manager"}})
    rpc("security_patrol", "close_incident", {"estate_id": estate_id, "id": incident["id"],
                                              "data": {"summary": "Calmed down; no damage."}})
    kept = eventually(lambda: (lambda items: items if len(items) == 2 else None)(rpc("archive", "list_records", {
        "estate_id": estate_id, "filters": {"subject_id": incident["id"]}})["items"]))
    assert sorted(r["event_type"] for r in kept) == ["incident_closed", "incident_escalated"]
