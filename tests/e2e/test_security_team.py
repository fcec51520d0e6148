"""The security team's month on duty (秩序维护班组, h7) through the gateway: the team lead rosters and calls
the day shift (one guard late, one absent and covered), finds the patrol post unmanned on a spot check
and writes up the guard's fault; the supervisor holds a training; the month's scores fall out by the
estate's weights; the manager reads them (and may not write them), sees the KPIs, and archive keeps
each record."""
import uuid
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.broker]

from .flows import STAFF_PASSWORD, eventually, new_estate, new_user


@pytest.fixture(scope="module")
def site(api, admin):
    estate_id = new_estate(api, admin, name="Guard Court")["id"]
    lead_name, lead = new_user(api, admin, ["security", "security_lead"], [estate_id])
    _, supervisor = new_user(api, admin, ["security", "security_supervisor"], [estate_id])
    guards = [new_user(api, admin, ["security"], [estate_id])[0] for _ in range(4)]
    _, manager = new_user(api, admin, ["manager"], [estate_id])
    _, archivist = new_user(api, admin, ["archivist"], [estate_id])
    # the day shift from midnight: its roll call is taken today at any hour the suite runs (a roll call
    # opens roll_call_before_shift_minutes before its shift: h3)
    assert api.call("PUT", f"/api/v1/estates/{estate_id}/settings/security-patrol", manager,
                    json={"day_shift_start_hour": 0}).status_code == 200
    return {"estate": estate_id, "lead": lead, "lead_name": lead_name, "supervisor": supervisor, "guards": guards,
            "manager": manager,
            "archivist": archivist}


def keyed(api, path, body, token, key=None):
    return api.post(path, body, token, headers={"Idempotency-Key": key or uuid.uuid4().hex})


def test_a_shift_called_checked_written_up_trained_and_scored(api, site):
    base = f"/api/v1/estates/{site['estate']}"
    lead, supervisor, manager = site["lead"], site["supervisor"], site["manager"]
    zhang, liu, wang, chen = site["guards"]
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date().isoformat()
    period = today[:7]
    for guard, post, shift in ((zhang, "gate", "day"), (liu, "patrol", "day"), (wang, "monitoring_room", "day"),
                               (chen, "gate", "evening")):
        answer = keyed(api, f"{base}/duty-roster", {"date": today, "shift": shift, "post": post, "guard": guard}, lead)
        assert answer.status_code == 201, answer.text

    # 考勤: the day shift's roster called, a retry with its key answering the first
    entries = [{"guard": zhang, "status": "present"}, {"guard": liu, "status": "late", "late_minutes": 12},
               {"guard": wang, "status": "absent", "covered_by": chen}]
    short = keyed(api, f"{base}/roll-calls", {"date": today, "shift": "day", "entries": entries[:2]}, lead)
    assert short.status_code == 422 and short.json()["errors"][0]["field"] == "entries"  # wang left out
    late = keyed(api, f"{base}/roll-calls", {"date": today, "shift": "day", "entries": [
        entries[0], {"guard": liu, "status": "late"}, entries[2]]}, lead)
    assert late.status_code == 422 and late.json()["errors"][0]["field"] == "entries[1].late_minutes"
    key = uuid.uuid4().hex
    called = keyed(api, f"{base}/roll-calls", {"date": today, "shift": "day", "entries": entries}, lead, key)
    assert called.status_code == 201, called.text
    assert called.json()["counts"] == {"rostered": 3, "present": 1, "late": 1, "absent": 1, "covered": 1}
    assert keyed(api, f"{base}/roll-calls", {"date": today, "shift": "day", "entries": entries}, lead,
                 key).json()["id"] == called.json()["id"]
    other = keyed(api, f"{base}/roll-calls", {"date": today, "shift": "day", "entries": [
        {"guard": zhang, "status": "present"}, {"guard": liu, "status": "present"}, entries[2]]}, lead)
    assert other.status_code == 409  # the shift was called already
    assert keyed(api, f"{base}/roll-calls", {"date": today, "shift": "dawn", "entries": entries}, lead).status_code == 400
    assert keyed(api, f"{base}/roll-calls", {"date": today, "shift": "day", "entries": entries},
                 manager).status_code == 403  # the manager reads
    guard = api.token(zhang, STAFF_PASSWORD)
    assert keyed(api, f"{base}/roll-calls", {"date": today, "shift": "day", "entries": entries},
                 guard).status_code == 403  # a guard is no team lead (review r7 of h7)

    # 查岗: the patrol post unmanned, its guard's fault written up
    found = keyed(api, f"{base}/post-spot-checks", {"date": today, "shift": "day", "post": "patrol", "manned": False,
                                                    "finding": "巡逻岗无人, 队员在岗亭休息"}, lead)
    assert found.status_code == 201, found.text
    assert found.json()["rostered_guards"] == [liu]
    assert keyed(api, f"{base}/post-spot-checks", {"date": today, "shift": "day", "post": "gate", "manned": True,
                                                   "guard": zhang}, lead).status_code == 201
    assert keyed(api, f"{base}/post-spot-checks", {"shift": "day", "post": "gate", "manned": False},
                 lead).status_code == 422  # what was found is said
    fault = keyed(api, f"{base}/discipline-records", {"guard": liu, "kind": "left_post", "description": "脱岗",
                                                      "spot_check_id": found.json()["id"]}, lead)
    assert fault.status_code == 201, fault.text
    assert keyed(api, f"{base}/discipline-records", {"guard": "nobody-here", "kind": "conduct", "description": "x"},
                 lead).status_code == 422

    # 培训: the supervisor's session; an attendee of no roster refused
    held = (datetime.now(timezone.utc) - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert keyed(api, f"{base}/trainings", {"topic": "消防器材使用", "kind": "regular", "held_at": held,
                                            "attendees": [zhang, wang]}, lead).status_code == 403  # the supervisor's
    training = keyed(api, f"{base}/trainings", {"topic": "消防器材使用", "kind": "regular", "held_at": held,
                                                "attendees": [zhang, wang]}, supervisor)
    assert training.status_code == 201, training.text
    assert keyed(api, f"{base}/trainings", {"topic": "x", "kind": "regular", "held_at": held,
                                            "attendees": ["ghost-guard"]}, supervisor).status_code == 422

    # the month's scores, read by the manager; the month is not over, so no assessment yet
    scores = api.get(f"{base}/guard-scores?period={period}", manager)
    assert scores.status_code == 200, scores.text
    by_guard = {s["guard"]: s for s in scores.json()["items"]}
    assert by_guard[zhang]["score"] == 100.0
    assert by_guard[liu]["components"]["discipline"] == {"records": 1, "points": 10, "score": 90.0}
    assert by_guard[liu]["score"] == 58.0  # 100x40 + 0x15 + 0x15 + 90x20 + 0x10, over 100
    assessment = keyed(api, f"{base}/guard-assessments", {"guard": liu, "period": period}, supervisor)
    assert assessment.status_code == 422 and assessment.json()["errors"][0]["field"] == "period"
    assert api.get(f"{base}/guard-scores?period=2999-01", manager).status_code == 422
    assert api.get(f"{base}/guard-scores?period=soon", manager).status_code == 400

    # the KPIs and the lists, the manager's reads
    kpis = api.get(f"{base}/kpis?period={period}", manager).json()["kpis"]
    assert (kpis["attendance_rate"]["numerator"], kpis["attendance_rate"]["denominator"]) == (2, 3)
    assert (kpis["posts_found_manned"]["numerator"], kpis["posts_found_manned"]["denominator"]) == (1, 2)
    assert [d["guard"] for d in api.get(f"{base}/discipline-records?guard={liu.upper()}", manager).json()["items"]] == [liu]
    assert len(api.get(f"{base}/post-spot-checks?manned=false", manager).json()["items"]) == 1

    # archive keeps each record
    kept = eventually(lambda: (lambda items: items if len(items) >= 5 else None)(api.get(
        f"{base}/archive/records?subject_type=security_team", site["archivist"]).json()["items"]))
    assert {r["event_type"] for r in kept} == {"roll_call_recorded", "post_spot_checked", "discipline_recorded",
                                               "training_recorded"}
