"""h7's probe of a season of community activities (社区文化活动: the seed's 组织开展社区文化活动,提升业主满意度),
through the gateway: a steward plans the Mid-Autumn gathering; households sign up at the desk until its
places are gone, then onto the wait list; one gives its place up and the first waiting is confirmed; a
rain moves a health talk (the households signed up announced: a webhook takes it, archive keeps it);
on the day the attendance and its cost are taken, and the households present rate it, which the
owner-satisfaction KPI counts. There was nothing before: no activity, no sign-up, no wait list."""
import time
import uuid

import pytest

from .flows import at, eventually, new_estate, new_household, new_user, problem

pytestmark = [pytest.mark.e2e, pytest.mark.broker]


def test_a_season_of_activities_sign_ups_wait_list_rain_attendance_and_ratings(api, admin):
    estate = new_estate(api, admin, name="Osmanthus Court")["id"]
    base = f"/api/v1/estates/{estate}"
    staff = {role: new_user(api, admin, [role], [estate])[1]
             for role in ("steward", "agent", "manager", "archivist", "technician")}
    flats = [new_household(api, staff["archivist"], estate, room=f"{floor}01")["id"] for floor in range(11, 15)]
    hook = api.post(f"{base}/webhooks", {"url": "http://127.0.0.1:9/activities", "events": [
        "customer_service.activity_moved", "customer_service.activity_cancelled"]}, staff["manager"])
    assert hook.status_code == 201, hook.text

    # the gathering starts in half a minute (so that this test sees its day); sign-ups close just before
    gathering = {"title": "中秋游园会", "kind": "festival", "place": "central garden", "starts_at": at(30 / 3600),
                 "ends_at": at(1), "signup_deadline": at(25 / 3600), "capacity": 4, "budget_cents": 300000}
    assert api.post(f"{base}/activities", gathering, staff["technician"]).status_code == 403
    planned = api.post(f"{base}/activities", gathering, staff["steward"])
    assert planned.status_code == 201, planned.text
    activity = planned.json()
    assert (activity["places_left"], activity["timezone"]) == (4, "Asia/Shanghai")
    signups = f"{base}/activities/{activity['id']}/signups"

    def sign_up(flat, people, token=staff["agent"]):  # the household's copy reaches customer service first
        return eventually(lambda: (lambda a: a if a.status_code != 422 else None)(
            api.post(signups, {"household_id": flat, "people": people}, token)))

    first = sign_up(flats[0], 2).json()
    assert first["signup"]["status"] == "confirmed"
    assert sign_up(flats[0], 1).json()["signup"]["id"] == first["signup"]["id"]  # the household's first
    assert sign_up(flats[1], 2).json()["places_left"] == 0
    waiting = sign_up(flats[2], 2).json()
    assert (waiting["signup"]["status"], waiting["position"]) == ("wait_listed", 1)
    given_up = api.post(f"{signups}/{first['signup']['id']}/cancel", {"reason": "away that weekend"}, staff["agent"])
    assert given_up.status_code == 200, given_up.text
    shown = api.get(f"{base}/activities/{activity['id']}", staff["agent"]).json()
    assert {s["household_id"]: s["status"] for s in shown["signups"]} == {
        flats[0]: "cancelled", flats[1]: "confirmed", flats[2]: "confirmed"}
    early = api.post(f"{base}/activities/{activity['id']}/attendance", {"present": [flats[1]]}, staff["steward"])
    assert problem(early, 422)["errors"] == [{"field": "activity_id", "message": "has not started"}]

    # a health talk next week, moved by the rain: the households signed up are announced
    talk = api.post(f"{base}/activities", {"title": "健康讲座", "kind": "talk", "place": "garden", "starts_at": at(24 * 7),
                                           "ends_at": at(24 * 7 + 2), "capacity": 50}, staff["steward"]).json()
    assert sign_up(flats[3], 1, staff["steward"]).status_code == 200
    moved = api.post(f"{base}/activities/{talk['id']}/move", {"starts_at": at(24 * 8), "place": "clubhouse hall",
                                                              "reason": "rain"}, staff["steward"])
    assert moved.status_code == 200, moved.text
    assert moved.json()["place"] == "clubhouse hall"
    records = eventually(lambda: api.get(f"{base}/archive/records?subject_id={talk['id']}",
                                         staff["manager"]).json()["items"], seconds=30)
    assert records[0]["subject_type"] == "activity"
    deliveries = eventually(lambda: api.get(f"{base}/webhooks/{hook.json()['id']}/deliveries",
                                            staff["manager"]).json()["items"], seconds=30)
    assert "activity_moved" in str(deliveries[0])

    # the day: sign-ups closed, the attendance and its cost, then the households present rate it
    held = eventually(lambda: (lambda a: a if a.status_code != 422 else None)(api.post(
        f"{base}/activities/{activity['id']}/attendance",
        {"present": [flats[1], flats[2]], "actual_cost_cents": 285000}, staff["steward"])), seconds=45, interval=1)
    late = api.post(signups, {"household_id": flats[3], "people": 1}, staff["agent"])
    assert problem(late, 409)  # held: no more sign-ups
    assert held.status_code == 200, held.text
    assert (held.json()["status"], held.json()["attendance"]["people"]) == ("held", 4)
    for flat, score in ((flats[1], 5), (flats[2], 3)):
        rated = api.post(f"{base}/activities/{activity['id']}/ratings", {"household_id": flat, "score": score},
                         staff["agent"], headers={"Idempotency-Key": uuid.uuid4().hex})
        assert rated.status_code == 200, rated.text
    assert rated.json()["rating"] == {"count": 2, "average": 4.0}
    assert problem(api.post(f"{base}/activities/{activity['id']}/ratings", {"household_id": flats[1], "score": 1},
                            staff["agent"]), 409)
    period = time.strftime("%Y-%m", time.gmtime(time.time() + 8 * 3600))
    kpis = api.get(f"{base}/kpis?period={period}", staff["manager"]).json()
    satisfaction = next(v for k, v in _flat(kpis) if k == "owner_satisfaction")
    assert (satisfaction["numerator"], satisfaction["denominator"]) == (1, 2)
    listed = api.get(f"{base}/activities?status=held", staff["agent"]).json()["items"]
    assert [a["id"] for a in listed] == [activity["id"]]


def _flat(document):
    """Every (key, value) of a nested answer (the KPI block's place in it apart)."""
    if isinstance(document, dict):
        for key, value in document.items():
            yield key, value
            yield from _flat(value)
    elif isinstance(document, list):
        for value in document:
            yield from _flat(value)
