"""h6's probe of a month of the cleaning and greening contractors' checks (环境卫生 / 绿化养护品质检查):
the manager registers the estate's cleaning contractor; the steward walks the public areas, records
a fault of a 楼道 against it with its deadline (the estate's upkeep_fix_hours), the contractor's fix
and the recheck; the month's score and the deduction from the fee read as the month stands, signed
once a month is over; archive keeps the signed month. There was none of it: no contractor, a public
area's fault only as a household's request, nothing scored."""
import time

import pytest

from .flows import eventually, new_estate, new_user, problem

pytestmark = [pytest.mark.e2e, pytest.mark.broker]


def test_the_steward_s_walk_finds_the_contractor_s_fault_and_the_manager_signs_its_month(api, admin):
    estate = new_estate(api, admin, name="Camphor Gardens")["id"]
    base = f"/api/v1/estates/{estate}"
    staff = {role: new_user(api, admin, [role], [estate])[1]
             for role in ("steward", "manager", "accountant", "archivist")}
    settings = f"{base}/settings/customer-service"
    eventually(lambda: api.get(settings, staff["manager"]).status_code == 200)
    assert api.get(settings, staff["manager"]).json()["values"]["upkeep_fix_hours"] == 24
    assert api.call("PUT", settings, staff["manager"], json={"upkeep_fix_hours": 4}).status_code == 200

    body = {"name": "洁美保洁有限公司", "service_line": "cleaning", "monthly_fee_cents": 3000005}
    assert problem(api.post(f"{base}/contractors", body, staff["steward"]), 403)  # the manager's
    assert problem(api.post(f"{base}/contractors", {**body, "monthly_fee_cents": 12.5}, staff["manager"]), 400)
    key = {"Idempotency-Key": "camphor-cleaning"}
    hired = api.post(f"{base}/contractors", body, staff["manager"], headers=key)
    assert hired.status_code == 201, hired.text
    assert api.post(f"{base}/contractors", body, staff["manager"], headers=key).json()["id"] == hired.json()["id"]
    contractor = hired.json()["id"]

    fault = {"contractor_id": contractor, "area": "3号楼 1单元 楼道", "description": "楼道未拖",
             "photo_ref": "IMG_2041.jpg"}
    found = api.post(f"{base}/upkeep-findings", fault, staff["steward"])
    assert found.status_code == 201, found.text
    finding = found.json()
    hours = (time.mktime(time.strptime(finding["due_at"][:19], "%Y-%m-%dT%H:%M:%S"))
             - time.mktime(time.strptime(finding["found_at"][:19], "%Y-%m-%dT%H:%M:%S"))) / 3600
    assert (finding["status"], hours) == ("open", 4)  # the estate's 4 hours, not the default 24
    assert problem(api.post(f"{base}/upkeep-findings", {**fault, "contractor_id": "ctr_nobody"},
                            staff["steward"]), 422)["errors"][0]["field"] == "contractor_id"
    other = new_estate(api, admin, name="Elsewhere")["id"]
    assert problem(api.get(f"/api/v1/estates/{other}/upkeep-findings", staff["steward"]), 403)

    fixed = api.post(f"{base}/upkeep-findings/{finding['id']}/fix", {"note": "已拖地"}, staff["steward"])
    assert fixed.json()["status"] == "fixed", fixed.text
    right = api.post(f"{base}/upkeep-findings/{finding['id']}/recheck", {"passed": True}, staff["steward"]).json()
    assert (right["status"], right["late"]) == ("put_right", False)
    assert problem(api.post(f"{base}/upkeep-findings/{finding['id']}/recheck", {"passed": True},
                            staff["steward"]), 409)
    api.post(f"{base}/upkeep-findings", {**fault, "area": "中心花园"}, staff["steward"])  # still open

    period = finding["period"]
    month = api.get(f"{base}/contractors/{contractor}/months/{period}", staff["accountant"]).json()
    assert month["counts"] == {"found": 2, "put_right_on_time": 1, "put_right_late": 0, "not_put_right": 0,
                               "pending": 1}
    assert (month["score"], month["deduction_cents"], month["signed"]) == (98, 0, None)
    assert problem(api.post(f"{base}/contractors/{contractor}/months/{period}/sign", {}, staff["manager"]), 422)
    year, number = int(period[:4]), int(period[5:])
    before = f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"
    signed = api.post(f"{base}/contractors/{contractor}/months/{before}/sign", {"note": "无扣款"}, staff["manager"])
    assert signed.status_code == 200, signed.text
    assert (signed.json()["score"], signed.json()["payable_cents"]) == (100, 3000005)
    record = eventually(lambda: api.get(f"{base}/archive/records?subject_id={signed.json()['id']}",
                                        staff["archivist"]).json()["items"])
    assert record[0]["event_type"] == "contractor_month_signed"
