"""A handover weekend (集中交付, 批量交房) through the gateway over HTTP: a sheet of flats recorded by one
job, each as the single handover (billed from its day, keys left with the desk in custody, a repair per
defect), the rows that cannot be handed over rejected in Chinese; the same batch sent again under its
key answers the same job, and another batch of the same flats hands none over twice."""
import pytest

from .flows import billed_in, catching_up_years, eventually, finished_job, new_estate, new_household, new_user

pytestmark = [pytest.mark.e2e, pytest.mark.broker]


def test_a_weekends_sheet_hands_each_flat_over_as_the_single_handover_once(api, admin):
    estate = new_estate(api, admin, name="Riverside Tower")["id"]
    base = f"/api/v1/estates/{estate}"
    staff = {role: new_user(api, admin, [role], [estate])[1] for role in ("accountant", "manager", "steward")}
    flats = {room: new_household(api, staff["steward"], estate, room=room, area_m2=100, building="8")["id"]
             for room in ("101", "102", "103")}
    standard = api.post(f"{base}/fee-standards", {"item": "property_service", "unit_price_cents_per_m2": 200,
                                                  "cycle": "monthly", "valid_from": "2019-01"}, staff["accountant"])
    assert api.post(f"{base}/fee-standards/{standard.json()['id']}/approve", None,
                    staff["manager"]).status_code == 200
    catching_up_years(api, staff["manager"], estate)
    for room in ("101", "102"):  # 103 is not taken over
        taken = api.post(f"{base}/households/{flats[room]}/handovers",
                         {"kind": "takeover", "date": "2020-11-02", "items": [{"item": "承接查验", "result": "pass"}]},
                         staff["steward"])
        assert taken.status_code == 201, taken.text
    sheet = ("楼栋,单元,房号,交房日期,收房人,钥匙数,钥匙保管,验房问题,带问题收房\n"
             "8,1,101,2020/12/15,张三,3,前台,,\n"
             "8,1,102,2020年12月15日,李四,2,业主,客厅墙面裂缝；卫生间地漏堵塞,是\n"
             "8,1,103,2020-12-15,王五,2,业主,,\n"
             "8,1,199,2020-12-15,赵六,2,业主,,\n").encode()
    headers = {"Content-Type": "text/csv", "Idempotency-Key": "weekend-riverside"}
    started = api.call("POST", f"{base}/handovers/import", staff["steward"], data=sheet, headers=headers)
    assert started.status_code == 202, started.text
    again = api.call("POST", f"{base}/handovers/import", staff["steward"], data=sheet, headers=headers)
    assert again.json()["id"] == started.json()["id"]
    done = finished_job(api, staff["steward"], started.json()["id"])
    assert done["status"] == "succeeded", done
    assert (done["result"]["handed_over"], done["result"]["rejected"]) == (2, 2)
    assert [(e["row"], e["code"]) for e in done["result"]["errors"]] == [(4, "not_taken_over"), (5, "unknown_flat")]
    assert done["result"]["errors"][1]["reason"] == "房屋未登记：请核对楼栋、单元、房号"
    assert api.get(f"/api/v1/jobs/{started.json()['id']}", staff["accountant"]).status_code == 404  # not his kind

    # the single handover's consequences: the key in custody, a repair per defect, billed from the day
    keys = eventually(lambda: api.get(f"{base}/keys?household_id={flats['101']}", staff["steward"]).json()["items"])
    assert len(keys) == 1

    def repairs():
        return [r for r in api.get(f"{base}/service-requests?kind=repair&limit=200", staff["steward"]).json()["items"]
                if r["household_id"] == flats["102"]]

    assert eventually(lambda: len(repairs()) == 2)
    def owners(flat, period):  # the owner's bills (the developer's, 开发建设单位, until the handover: ``payer``)
        return [b["amount_cents"] for b in billed_in(api, base, staff["accountant"], flats[flat], period)
                if b.get("payer") != "developer"]

    def developers(flat, period):
        bills = api.get(f"{base}/bills?household_id={flats[flat]}&payer=developer&limit=200", staff["accountant"])
        return [b["amount_cents"] for b in bills.json()["items"] if b["period"] == period and b["status"] != "cancelled"]

    assert eventually(lambda: owners("101", "2020-11") == [], interval=0.3)
    assert developers("101", "2020-11") == [19333]  # from the takeover of 2 November: 29/30 of 200.00
    assert owners("101", "2020-12") == [10968] and developers("101", "2020-12") == [9032]  # split at the 15th
    # the owner who took his flat with its defects listed pays from the same day (带问题收房)
    assert owners("102", "2020-12") == [10968]

    # the same flats in another batch: none handed over twice, nothing made again
    other = api.call("POST", f"{base}/handovers/import", staff["steward"], data=sheet,
                     headers={"Content-Type": "text/csv", "Idempotency-Key": "weekend-riverside-again"})
    second = finished_job(api, staff["steward"], other.json()["id"])
    assert [e["code"] for e in second["result"]["errors"]] == ["handed_over", "handed_over", "not_taken_over",
                                                               "unknown_flat"]
    assert len(api.get(f"{base}/keys?household_id={flats['101']}", staff["steward"]).json()["items"]) == 1
    assert len(repairs()) == 2
