"""The cleaning and greening contractors' quality checks (环境卫生 / 绿化养护品质检查) through the
entrypoints (found by h6's probe of a month of them: there was no contractor, a fault of a 楼道 could
be recorded only as an owner's request of a household, and nothing scored the contractor or took
anything off its fee).

The manager registers the estate's contractors (a service line, the monthly fee of the agreement);
the steward walks the public areas daily and records each fault against the contractor, with a
deadline to put it right (the estate's upkeep_fix_hours, 24); the contractor's fix is recorded and
the steward checks it again; at the month's end the manager signs the contractor's score and the
deduction from its fee."""
import pytest

from estate_common import clock
from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden, NotFound
from estate_common.testing import as_caller, staff

ESTATE = "est_1"
AGENT = staff("zhang", ["agent"], [ESTATE])
STEWARD = staff("li", ["steward"], [ESTATE])
MANAGER = staff("wang", ["manager"], [ESTATE])
ACCOUNTANT = staff("qian", ["accountant"], [ESTATE])


@pytest.fixture(autouse=True)
def frozen_clock():
    clock.freeze(clock.parse_iso("2026-11-02T01:00:00Z"))  # Monday 09:00 in Shanghai


def contractor(desk, caller=MANAGER, key=None, **data):
    as_caller(desk, caller, idempotency_key=key)
    body = {"name": "洁美保洁有限公司", "service_line": "cleaning", "monthly_fee_cents": 3_000_000, **data}
    return desk.register_contractor({"estate_id": ESTATE, "data": body})


def finding(desk, hired, caller=STEWARD, key=None, **data):
    as_caller(desk, caller, idempotency_key=key)
    body = {"contractor_id": hired["id"], "area": "3号楼 1单元 楼道", "description": "楼道未拖",
            "photo_ref": "IMG_2041.jpg", **data}
    return desk.record_upkeep_finding({"estate_id": ESTATE, "data": body})


def fix(desk, found, caller=STEWARD, **data):
    as_caller(desk, caller)
    return desk.fix_upkeep_finding({"estate_id": ESTATE, "id": found["id"], "data": data})


def recheck(desk, found, passed, caller=STEWARD, **data):
    as_caller(desk, caller)
    return desk.recheck_upkeep_finding({"estate_id": ESTATE, "id": found["id"], "data": {"passed": passed, **data}})


def month(desk, hired, period="2026-11", caller=MANAGER):
    as_caller(desk, caller)
    return desk.contractor_month({"estate_id": ESTATE, "id": hired["id"], "item": period})


def sign(desk, hired, period="2026-11", caller=MANAGER, **data):
    as_caller(desk, caller)
    return desk.sign_contractor_month({"estate_id": ESTATE, "id": hired["id"], "item": period, "data": data})


def test_the_manager_registers_a_contractor_per_service_line_and_a_retry_finds_it(desk):
    hired = contractor(desk, key="k1")
    assert (hired["service_line"], hired["monthly_fee_cents"], hired["active"]) == ("cleaning", 3_000_000, True)
    assert contractor(desk, key="k1") == hired
    contractor(desk, name="绿源园林", service_line="greening", monthly_fee_cents=1_200_000)
    as_caller(desk, ACCOUNTANT)
    listed = desk.list_contractors({"estate_id": ESTATE, "filters": {"service_line": "greening"}})["items"]
    assert [c["name"] for c in listed] == ["绿源园林"]
    with pytest.raises(Forbidden):
        contractor(desk, caller=STEWARD)  # the steward walks; the manager sets the contractors


def test_a_finding_on_the_walk_names_the_contractor_and_its_deadline(desk):
    hired = contractor(desk)
    found = finding(desk, hired, key="w1")
    assert found["status"] == "open" and found["found_by"] == "li"
    assert (found["service_line"], found["photo_ref"], found["period"]) == ("cleaning", "IMG_2041.jpg", "2026-11")
    assert found["due_at"] == "2026-11-03T01:00:00.000Z"  # 24 hours (upkeep_fix_hours)
    assert finding(desk, hired, key="w1") == found  # a retry records no second fault
    with pytest.raises(BusinessRuleViolation) as refused:
        finding(desk, {"id": "ctr_nobody"})
    assert refused.value.errors[0]["field"] == "data.contractor_id"


def test_the_fix_and_the_recheck_put_a_finding_right_on_time_or_late(desk):
    hired = contractor(desk)
    on_time, late, failed = finding(desk, hired), finding(desk, hired, area="中心花园"), finding(desk, hired)
    clock.freeze(clock.parse_iso("2026-11-02T06:00:00Z"))
    fixed = fix(desk, on_time, note="已拖地")
    assert fixed["status"] == "fixed" and fixed["fix"]["by"] == "li"
    right = recheck(desk, fixed, True)
    assert (right["status"], right["late"], right["put_right_at"]) == ("put_right", False, "2026-11-02T06:00:00.000Z")
    with pytest.raises(Conflict):
        recheck(desk, right, True)  # put right is put right
    not_yet = recheck(desk, fix(desk, failed), False, note="仍有水渍")
    assert not_yet["status"] == "open" and not_yet["fix"] is None and len(not_yet["rechecks"]) == 1
    clock.freeze(clock.parse_iso("2026-11-04T01:00:00Z"))
    done = recheck(desk, fix(desk, late), True)
    assert (done["status"], done["late"]) == ("put_right", True)
    [announced, _] = desk.outbox.of_type("upkeep_finding_put_right")
    assert announced["data"]["contractor_id"] == hired["id"] and announced["data"]["late"] is False
    as_caller(desk, ACCOUNTANT)
    overdue = desk.list_upkeep_findings({"estate_id": ESTATE, "filters": {"overdue": "true"}})["items"]
    assert [f["id"] for f in overdue] == [failed["id"]]
    with pytest.raises(Forbidden):
        fix(desk, failed, caller=ACCOUNTANT)  # accounts read


def test_the_month_s_score_sets_the_deduction_in_cents_half_up_and_the_manager_signs_it(desk):
    hired = contractor(desk, monthly_fee_cents=3_000_005)
    faults = [finding(desk, hired) for _ in range(4)]
    clock.freeze(clock.parse_iso("2026-11-02T05:00:00Z"))
    recheck(desk, fix(desk, faults[0]), True)                     # on time: 1 point
    clock.freeze(clock.parse_iso("2026-11-05T05:00:00Z"))
    recheck(desk, fix(desk, faults[1]), True)                     # late: 1 + 2
    # faults[2] and [3] never put right: 1 + 5 each
    clock.freeze(clock.parse_iso("2026-12-01T02:00:00Z"))
    scored = month(desk, hired)
    assert scored["counts"] == {"found": 4, "put_right_on_time": 1, "put_right_late": 1, "not_put_right": 2,
                                "pending": 0}
    assert (scored["score"], scored["signed"]) == (84, None)   # 100 - (4 + 2 + 10)
    assert scored["on_time"] == {"numerator": 1, "denominator": 4, "value": 0.25}
    # 90 - 84 = 6 points at 1 % each: 6 % of 3,000,005 = 180,000.3 -> 180,000
    assert scored["deduction_cents"] == 180_000 and scored["payable_cents"] == 2_820_005
    with pytest.raises(Forbidden):
        sign(desk, hired, caller=STEWARD)
    signed = sign(desk, hired, note="按协议扣款")
    assert signed["signed"]["by"] == "wang" and signed["deduction_cents"] == 180_000
    recheck(desk, fix(desk, faults[2]), True)
    assert month(desk, hired)["score"] == 84  # a signed month is as signed
    assert sign(desk, hired) == signed  # signing again answers the first
    [announced] = desk.outbox.of_type("contractor_month_signed")
    assert announced["data"]["deduction_cents"] == 180_000 and announced["data"]["period"] == "2026-11"


def test_a_month_is_signed_only_once_it_is_over_and_the_deduction_is_capped(desk):
    hired = contractor(desk, monthly_fee_cents=1_000_000)
    for _ in range(10):
        finding(desk, hired)
    with pytest.raises(BusinessRuleViolation):
        sign(desk, hired)  # November is not over
    clock.freeze(clock.parse_iso("2026-12-01T02:00:00Z"))
    scored = month(desk, hired)
    assert scored["score"] == 40 and scored["deduction_cents"] == 200_000  # 50 points, capped at 20 %
    with pytest.raises(NotFound):
        month(desk, {"id": "ctr_nobody"})


def test_the_estate_s_kpis_show_the_share_of_findings_put_right_on_time(desk):
    """外包整改及时率: the walk's findings due in the month put right by their deadline ÷ those due in it
    that were put right or whose deadline passed (one still within its deadline waits)."""
    hired = contractor(desk)
    on_time, late, missed = finding(desk, hired), finding(desk, hired), finding(desk, hired)
    recheck(desk, fix(desk, on_time), True)
    clock.freeze(clock.parse_iso("2026-11-10T01:00:00Z"))
    recheck(desk, fix(desk, late), True)
    waiting = finding(desk, hired)  # due tomorrow
    as_caller(desk, MANAGER)
    shown = desk.kpis({"period": "2026-11", "estate_ids": [ESTATE]})["estates"][ESTATE]["upkeep_on_time"]
    assert (shown["numerator"], shown["denominator"], shown["value"]) == (1, 3, 0.3333)
    assert waiting["status"] == "open" and missed["status"] == "open"


def test_a_month_is_not_signed_while_a_finding_of_its_last_evening_is_still_within_its_deadline(desk):
    """found by r6 reviewing h6: a fault found at 23:30 local on the month's last day was pending when
    the manager signed at 00:10, and the signed month kept it pending for good: the contractor who
    then never put it right lost only its point. The month waits for it (put right or past due)."""
    hired = contractor(desk, monthly_fee_cents=1_000_000)
    clock.freeze(clock.parse_iso("2026-11-30T15:30:00Z"))  # 23:30 on 30 November in Shanghai
    late_evening = finding(desk, hired)
    assert late_evening["period"] == "2026-11"
    clock.freeze(clock.parse_iso("2026-11-30T16:10:00Z"))  # 00:10 on 1 December: November is over
    assert month(desk, hired)["counts"]["pending"] == 1
    with pytest.raises(Conflict) as refused:
        sign(desk, hired)
    assert "2026-12-01T15:30:00.000Z" in str(refused.value)
    assert desk.outbox.of_type("contractor_month_signed") == []
    clock.freeze(clock.parse_iso("2026-12-01T15:30:01Z"))  # its deadline passed, not put right
    signed = sign(desk, hired)
    assert signed["counts"]["not_put_right"] == 1 and signed["score"] == 94  # 100 - (1 + 5)


def test_a_month_is_not_signed_while_a_fix_awaits_its_recheck(desk):
    """found by r6 reviewing h6: a fix recorded within its deadline but not rechecked yet counted as
    not put right (5 points more) in the month signed meanwhile; the steward's recheck comes first."""
    hired = contractor(desk, monthly_fee_cents=1_000_000)
    clock.freeze(clock.parse_iso("2026-11-30T01:00:00Z"))
    fixed = fix(desk, finding(desk, hired))
    clock.freeze(clock.parse_iso("2026-12-02T01:00:00Z"))  # past its deadline, awaiting the recheck
    with pytest.raises(Conflict):
        sign(desk, hired)
    recheck(desk, fixed, True)
    signed = sign(desk, hired)
    assert signed["counts"]["put_right_on_time"] == 1 and signed["score"] == 99


def test_a_recheck_passed_while_the_month_is_being_signed_counts_as_the_finding_reads(desk, monkeypatch):
    """found by h2 (last session's leftovers): the signing read an overdue finding open (5 points
    more), the steward's recheck passed it (late: 2 more) before the signed month was written, and
    the month was signed with +5 where the finding reads +2. The signing now writes each finding it
    counts not put right at the revision it read (a recheck that came between is read again and
    counted as it is); a recheck after that is after the signing (kept as signed)."""
    from customer_service import operations

    hired = contractor(desk, monthly_fee_cents=1_000_000)
    overdue = finding(desk, hired)
    clock.freeze(clock.parse_iso("2026-12-01T02:00:00Z"))
    read = operations.store.contractor_findings
    raced = []

    def read_then_recheck(*args):
        findings = read(*args)
        if not raced:  # the steward's recheck lands between the signing's read and its write
            raced.append(True)
            caller, actor = desk.caller, desk.outbox.actor
            recheck(desk, overdue, True)
            desk.caller, desk.outbox.actor = caller, actor
        return findings

    monkeypatch.setattr(operations.store, "contractor_findings", read_then_recheck)
    signed = sign(desk, hired)
    as_caller(desk, ACCOUNTANT)
    now = desk.get_upkeep_finding({"estate_id": ESTATE, "id": overdue["id"]})
    assert (now["status"], now["late"]) == ("put_right", True)
    assert signed["counts"]["put_right_late"] == 1 and signed["counts"]["not_put_right"] == 0
    assert signed["score"] == 97  # 100 - (1 + 2), as the finding reads
    [announced] = desk.outbox.of_type("contractor_month_signed")
    assert announced["data"]["score"] == 97


def test_a_recheck_after_the_signing_leaves_the_month_as_signed(desk):
    hired = contractor(desk, monthly_fee_cents=1_000_000)
    overdue = finding(desk, hired)
    clock.freeze(clock.parse_iso("2026-12-01T02:00:00Z"))
    signed = sign(desk, hired)
    assert signed["counts"]["not_put_right"] == 1
    assert recheck(desk, overdue, True)["status"] == "put_right"  # put right after: allowed
    assert month(desk, hired)["score"] == signed["score"] == 94


def edit(desk, hired, caller=MANAGER, **data):
    as_caller(desk, caller)
    return desk.update_contractor({"estate_id": ESTATE, "id": hired["id"], "data": data})


def retire(desk, hired, caller=MANAGER, **data):
    as_caller(desk, caller)
    return desk.retire_contractor({"estate_id": ESTATE, "id": hired["id"], "data": data})


def test_the_manager_edits_a_contractor_s_fee_name_and_contact(desk):
    """found by h2 (last session's leftovers): a contractor could not be edited: a new agreement's
    fee, a renamed company, the line's site contact (现场负责人) were nowhere to go."""
    hired = contractor(desk)
    edited = edit(desk, hired, monthly_fee_cents=3_200_000, name="洁美环境服务有限公司",
                  contact_name="赵经理", contact_phone="13900001111")
    assert (edited["monthly_fee_cents"], edited["name"]) == (3_200_000, "洁美环境服务有限公司")
    assert (edited["contact_name"], edited["contact_phone"]) == ("赵经理", "13900001111")
    assert edited["history"][-1]["action"] == "edited" and "30000.00 → 32000.00" in edited["history"][-1]["note"]
    [announced] = desk.outbox.of_type("contractor_updated")
    assert announced["data"]["monthly_fee_cents"] == 3_200_000
    assert "13900001111" not in str(announced["data"])  # the contact's phone stays with the desk
    assert edit(desk, edited, monthly_fee_cents=3_200_000) == edited  # nothing changed: nothing recorded
    assert len(desk.outbox.of_type("contractor_updated")) == 1
    with pytest.raises(Forbidden):
        edit(desk, hired, caller=STEWARD, monthly_fee_cents=1)


def test_a_retired_contractor_takes_no_new_finding_but_its_open_ones_and_months_still_close(desk):
    """found by h2: ``active`` was stored and nothing changed it: a contractor whose agreement ended
    kept being offered to the walk."""
    hired = contractor(desk, monthly_fee_cents=1_000_000)
    still_open = finding(desk, hired)
    gone = retire(desk, hired, note="合同到期")
    assert gone["active"] is False and gone["retired"]["by"] == "wang" and gone["retired"]["note"] == "合同到期"
    [announced] = desk.outbox.of_type("contractor_retired")
    assert announced["data"]["id"] == hired["id"]
    with pytest.raises(Conflict):
        finding(desk, hired)  # no new finding against it
    with pytest.raises(Conflict):
        retire(desk, hired)  # retired is retired
    with pytest.raises(Conflict):
        edit(desk, hired, monthly_fee_cents=1)
    with pytest.raises(Forbidden):
        retire(desk, contractor(desk, name="绿源园林", service_line="greening"), caller=STEWARD)
    as_caller(desk, ACCOUNTANT)
    listed = desk.list_contractors({"estate_id": ESTATE, "filters": {"active": "false"}})["items"]
    assert [c["id"] for c in listed] == [hired["id"]]
    clock.freeze(clock.parse_iso("2026-11-02T05:00:00Z"))
    assert recheck(desk, fix(desk, still_open), True)["status"] == "put_right"  # its open finding closes
    clock.freeze(clock.parse_iso("2026-12-01T02:00:00Z"))
    assert sign(desk, hired)["score"] == 99  # and its month is signed


def upkeep_faults_found(inspection_id="insp_1", line="waste_removal", estate_id=ESTATE,
                        completed_at="2026-11-02T01:00:00.000Z"):
    from estate_common.testing import event
    return event("maintenance", "upkeep_faults_found", estate_id, {
        "inspection_id": inspection_id, "checklist_name": "公共区域巡检", "location": "3号楼 垃圾房",
        "completed_at": completed_at,
        "faults": [{"code": "W1", "label": "垃圾清运", "upkeep_line": line, "note": "满溢"}]}, actor="chen")


def test_a_location_inspection_s_failed_upkeep_item_is_a_finding_against_the_line_s_contractor(desk):
    """found by h2 (last session's leftovers): maintenance's walk sent a failed 垃圾清运 to the
    technicians. Maintenance now announces it (upkeep_faults_found) and it is the finding of the line's
    contractor, due by upkeep_fix_hours from the inspection, once however often delivered; a line with
    no engaged contractor records nothing (the fault stays on the inspection)."""
    contractor(desk)  # cleaning: not the line
    hauler = contractor(desk, name="城运清运", service_line="waste_removal", monthly_fee_cents=800_000)
    desk.on_upkeep_faults_found(upkeep_faults_found())
    desk.on_upkeep_faults_found(upkeep_faults_found())  # redelivered
    as_caller(desk, ACCOUNTANT)
    [found] = desk.list_upkeep_findings({"estate_id": ESTATE, "filters": {"contractor_id": hauler["id"]}})["items"]
    assert (found["area"], found["found_by"], found["service_line"]) == ("3号楼 垃圾房", "chen", "waste_removal")
    assert "垃圾清运" in found["description"] and "满溢" in found["description"]
    assert (found["found_at"], found["due_at"]) == ("2026-11-02T01:00:00.000Z", "2026-11-03T01:00:00.000Z")
    assert found["period"] == "2026-11"  # the month it was found in, not signed
    desk.on_upkeep_faults_found(upkeep_faults_found("insp_2", line="greening"))  # no greening contractor
    assert len(desk.list_upkeep_findings({"estate_id": ESTATE, "filters": {}})["items"]) == 1


def test_a_fee_edited_after_a_month_is_over_leaves_that_unsigned_month_on_the_fee_it_was_served_at(desk):
    """found by r2 reviewing h2: the edit of the monthly fee (a new agreement's, from the month it is
    made in) scored every month not signed yet on the new fee: October, served at 10,000.00 and
    signed on 2 November after a fee of 20,000.00 was agreed that morning, was paid 20,000.00 less its
    deduction, and finance recorded that as October's cost. A month is scored on the fee in force in it."""
    clock.freeze(clock.parse_iso("2026-10-10T02:00:00Z"))
    hired = contractor(desk, monthly_fee_cents=1_000_000)
    for _ in range(3):
        finding(desk, hired)  # three left undone: 3 × (1 + 5) = 18 points, score 82, 8 % off
    clock.freeze(clock.parse_iso("2026-11-02T01:00:00Z"))
    edit(desk, hired, monthly_fee_cents=2_000_000)
    edit(desk, hired, monthly_fee_cents=2_000_001)  # corrected the same morning
    october = month(desk, hired, "2026-10")
    assert (october["monthly_fee_cents"], october["deduction_cents"], october["payable_cents"]) == (
        1_000_000, 80_000, 920_000)
    signed = sign(desk, hired, "2026-10")
    assert (signed["monthly_fee_cents"], signed["payable_cents"]) == (1_000_000, 920_000)
    [announced] = desk.outbox.of_type("contractor_month_signed")
    assert announced["data"]["payable_cents"] == 920_000
    assert month(desk, hired, "2026-11")["monthly_fee_cents"] == 2_000_001  # the new agreement's month


def test_an_inspection_s_upkeep_fault_with_no_engaged_contractor_of_its_line_goes_back_to_maintenance(desk):
    """found by r2 reviewing h2: a failed item of a line no contractor is engaged for (none
    registered, or the only one retired) was logged and dropped: maintenance opened no work order for
    it (a contractor's), customer service recorded no finding (no contractor), and the inspection said
    the contractor puts it right. It is announced back (upkeep_fault_unassigned, once however often
    the fault is delivered) for maintenance to open the technicians' order after all."""
    hauler = contractor(desk, name="城运清运", service_line="waste_removal")
    retire(desk, hauler)
    desk.on_upkeep_faults_found(upkeep_faults_found())
    desk.on_upkeep_faults_found(upkeep_faults_found())  # redelivered
    as_caller(desk, ACCOUNTANT)
    assert desk.list_upkeep_findings({"estate_id": ESTATE, "filters": {}})["items"] == []
    [back] = desk.outbox.of_type("upkeep_fault_unassigned")
    assert back["estate_id"] == ESTATE and back["actor"] == "chen"
    assert back["data"] == {"inspection_id": "insp_1", "code": "W1", "upkeep_line": "waste_removal"}
    contractor(desk, name="新运清运", service_line="waste_removal")  # engaged after the fault went back
    desk.on_upkeep_faults_found(upkeep_faults_found())  # redelivered again: the technicians have it already
    as_caller(desk, ACCOUNTANT)
    assert desk.list_upkeep_findings({"estate_id": ESTATE, "filters": {}})["items"] == []


def test_an_inspection_s_fault_delivered_after_its_month_was_signed_counts_in_the_first_month_not_signed(desk):
    """Found by h5 (session 61's leftovers): an inspection of October 31st whose fault reached the desk
    after the manager had signed October became a finding of the signed month, which is kept as
    signed (a signed month is not re-opened: its deduction went to accounts), so it was never
    scored. It counts in the first month of the contractor not signed (November), its inspection's
    time kept as found_at, its deadline running from its delivery (the contractor could not put
    right what it was not told of), and says which month it was found in."""
    hauler = contractor(desk, name="城运清运", service_line="waste_removal", monthly_fee_cents=800_000)
    assert sign(desk, hauler, period="2026-10")["score"] == 100
    desk.on_upkeep_faults_found(upkeep_faults_found(completed_at="2026-10-31T01:00:00.000Z"))
    as_caller(desk, ACCOUNTANT)
    [found] = desk.list_upkeep_findings({"estate_id": ESTATE, "filters": {"contractor_id": hauler["id"]}})["items"]
    assert (found["found_at"], found["period"], found["found_in_signed_period"]) == (
        "2026-10-31T01:00:00.000Z", "2026-11", "2026-10")
    assert found["due_at"] == "2026-11-03T01:00:00.000Z"  # 24 hours from its delivery (Nov 2nd, 09:00)
    assert month(desk, hauler)["counts"]["found"] == 1  # scored in November
    assert month(desk, hauler, period="2026-10")["score"] == 100  # October as signed


def test_an_inspection_s_fault_delivered_late_in_a_month_not_signed_counts_in_its_own_month(desk):
    """The same late delivery before October is signed: October's finding, due from its delivery as
    well (found by r5 reviewing h5: due from the inspection, Nov 1st, it arrived a day overdue, the
    contractor late on a fault nobody had told it of, as the signed month's was not)."""
    hauler = contractor(desk, name="城运清运", service_line="waste_removal", monthly_fee_cents=800_000)
    desk.on_upkeep_faults_found(upkeep_faults_found(completed_at="2026-10-31T01:00:00.000Z"))
    as_caller(desk, ACCOUNTANT)
    [found] = desk.list_upkeep_findings({"estate_id": ESTATE, "filters": {"contractor_id": hauler["id"]}})["items"]
    assert (found["period"], found["due_at"], found.get("found_in_signed_period")) == (
        "2026-10", "2026-11-03T01:00:00.000Z", None)  # 24 hours from its delivery (Nov 2nd, 09:00)
    assert found["found_at"] == "2026-10-31T01:00:00.000Z"  # the inspection's time, as found
    assert month(desk, hauler, period="2026-10")["counts"]["found"] == 1


def test_a_fault_recorded_while_its_month_is_signed_counts_in_the_first_month_not_signed(desk, monkeypatch):
    """Found last session (h7): an inspection's fault delivered while the manager signed its month read
    the month not signed yet, and the signing read the month's findings before the fault was written:
    the fault became a finding of the month just signed, which never scored it. Each side checks after
    its write: the fault written into a month signed without it, and the signing that missed a fault
    written meanwhile, move it to the first month not signed (``found_in_signed_period``), as a fault
    delivered after the signing is."""
    from customer_service import store
    hauler = contractor(desk, name="城运清运", service_line="waste_removal", monthly_fee_cents=800_000)
    assert sign(desk, hauler, period="2026-10")["score"] == 100
    # the fault's read of the signed months, taken before the signing was written: none signed (an empty
    # set is falsy, so ``next(stale, None) or …`` read the real months and the fault never met the race)
    stale = iter([set()])
    real_signed = store.signed_periods
    monkeypatch.setattr(store, "signed_periods", lambda *args: next(stale, real_signed(*args)))
    desk.on_upkeep_faults_found(upkeep_faults_found(completed_at="2026-10-31T01:00:00.000Z"))
    as_caller(desk, ACCOUNTANT)
    [found] = desk.list_upkeep_findings({"estate_id": ESTATE, "filters": {"contractor_id": hauler["id"]}})["items"]
    assert (found["period"], found["found_in_signed_period"]) == ("2026-11", "2026-10")
    assert month(desk, hauler, period="2026-10")["score"] == 100 and month(desk, hauler)["counts"]["found"] == 1

    greener = contractor(desk, key="g", name="绿源", service_line="greening", monthly_fee_cents=600_000)
    desk.on_upkeep_faults_found(upkeep_faults_found(completed_at="2026-10-31T01:00:00.000Z", line="greening",
                                                    inspection_id="insp_2"))
    real_findings, stale = store.contractor_findings, iter([[]])
    monkeypatch.setattr(store, "contractor_findings",  # the signing's read, taken before the fault was written
                        lambda db, estate_id, contractor_id, period: next(stale) if contractor_id == greener["id"]
                        and stale.__length_hint__() else real_findings(db, estate_id, contractor_id, period))
    assert sign(desk, greener, period="2026-10")["counts"]["found"] == 0
    as_caller(desk, ACCOUNTANT)
    [late] = desk.list_upkeep_findings({"estate_id": ESTATE, "filters": {"contractor_id": greener["id"]}})["items"]
    assert (late["period"], late["found_in_signed_period"]) == ("2026-11", "2026-10")


def test_a_fault_moved_on_from_a_signed_month_into_one_signed_meanwhile_moves_on_again(desk, monkeypatch):
    """Found by r7 reviewing h7: a fault written into October signed without it moved on to the first month
    its read of the signed months found not signed, November; the manager signed November between that read
    and the move, his signing's check done before the move was written, and the fault stayed in November
    signed without it, never scored. A move is a finding's write as well: it checks its new month."""
    from customer_service import store
    hauler = contractor(desk, name="城运清运", service_line="waste_removal", monthly_fee_cents=800_000)
    clock.freeze(clock.parse_iso("2026-12-02T01:00:00Z"))
    assert sign(desk, hauler, period="2026-10")["score"] == 100
    assert sign(desk, hauler, period="2026-11")["score"] == 100
    # the fault's read of the signed months: none (before October's signing); the move's: October alone
    # (before November's); then the store's
    stale = iter([set(), {"2026-10"}])
    real_signed = store.signed_periods
    monkeypatch.setattr(store, "signed_periods", lambda *args: next(stale, real_signed(*args)))
    desk.on_upkeep_faults_found(upkeep_faults_found(completed_at="2026-10-31T01:00:00.000Z"))
    as_caller(desk, ACCOUNTANT)
    [found] = desk.list_upkeep_findings({"estate_id": ESTATE, "filters": {"contractor_id": hauler["id"]}})["items"]
    assert (found["period"], found["found_in_signed_period"]) == ("2026-12", "2026-10")  # found in October still
    assert month(desk, hauler, period="2026-12")["counts"]["found"] == 1
