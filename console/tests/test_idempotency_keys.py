"""Every console form whose API call takes an ``Idempotency-Key`` (contracts/openapi.yaml) sends
one per form shown: its page renders the key in a hidden field, and the form sent twice (a reload
of the answer page, a double click) sends the same key twice, so the gateway makes one thing and
answers the first result again. The webhook create and secret rotation forms sent none, and a
reload made a twin subscription (a probe); a custom field, an arrears reminder, a top-up reversal,
a work order's sign-off and an equipment record had none either (found by review).

``FORMS`` names each such form: the page that shows it, its action and the API path it posts to.
A documented operation with a key that no row names fails the table's own test, and so does a
form of the table that sends no key or a new one each time, or that comes back refused (shown
as the POST's answer or on its page gone back to) with a new one. Every register's row action and
create form whose path takes a key is taken from ``register_specs``, so a new register is
tested as it is added; and every form of the templates that posts renders a key unless ``KEYLESS``
says why not (the gateway client sends the form's key with its write: ``gateway_api._form_key``).
A request's steps, a work order's, an incident's, a return-visit attempt and some 30 other forms
sent none, and a double click recorded an attempt twice (review)."""
import html
import io
import re
from dataclasses import dataclass, field

import pytest

from console.views.register_specs import REGISTERS

from .conftest import ESTATE, ROOT, FakeResponse, csrf_of, openapi_spec, problem, sign_in
from .test_handover_package_screen import PACKAGE
from .test_incident_night_screen import NIGHT

EST = f"/api/v1/estates/{ESTATE}"
EVERY_ROLE = ("operator_admin", "manager", "agent", "steward", "technician", "security", "accountant", "cashier",
              "archivist")
HOUSEHOLD = {"id": "hh_1", "building": "3", "unit": "1", "room": "1202", "area_m2": 88, "status": "occupied",
             "owner": {"name": "Li", "phone": "138****0000"}, "version": 1}
# what a create answers, enough for every view that shows or follows it (a number, a job to follow)
MADE = {"id": "new_1", "number": "N-1", "name": "made", "receipt_number": "R-1", "tracking_code": "T-1",
        "status": "posted", "url": "https://crm.example.com/hooks", "secret": "whsec_x", "key": "ak_x",
        "balance_after_cents": 0, "amount_cents": 0, "households": [], "to_company": "新物业"}


SELLERS_ACCOUNT = {  # a household's account with a seller's prepaid money held at its sale (finance's seller_prepaid)
    "estate_id": "est_1", "household_id": "hh_1", "building": "3", "unit": "1", "room": "1202", "from": "2026-11",
    "to": "2026-11", "unpaid_cents": 0, "overdue_cents": 0, "prepaid_cents": 0, "billed_cents": 0, "received_cents": 0,
    "generated_at": "2026-11-30T02:00:00Z", "bills": [], "payments": [],
    "seller_prepaid": [{"id": "sph_1", "estate_id": "est_1", "household_id": "hh_1", "owner_since": "2026-11-20",
                        "amount_cents": 50000, "payments": [], "status": "held", "held_at": "2026-11-21T02:00:00Z",
                        "created_at": "2026-11-21T02:00:00Z"}]}


# 银行对账: a suggested match (bsl_1, to confirm) and a line at the bank with no entry (bsl_2, to explain)
BANK_LINE = {"id": "bsl_1", "line": 2, "date": "2026-11-03", "amount_cents": 21002, "direction": "in",
             "reference": "B1", "counterparty": "Li Lei", "confirmed_entry": None, "confirmed_by": None,
             "confirmed_at": None, "explained": None}
BANK_ENTRY = {"id": "jrn_1", "kind": "payment", "ref_id": "pay_1", "method": "transfer", "direction": "in",
              "amount_cents": 21002, "day": "2026-11-02", "cashier": "cathy", "receipt_number": "R-1",
              "household_id": "hh_1", "reference": None}
_NONE = {"count": 0, "in_cents": 0, "out_cents": 0}
BANK_REPORT = {"estate_id": "est_1", "period": "2026-11", "window_days": 3,
               "matched": [{"line": BANK_LINE, "entry": BANK_ENTRY, "how": "amount_date", "confirmed": False}],
               "lines_unmatched": [{**BANK_LINE, "id": "bsl_2", "line": 3, "reference": "B2", "amount_cents": 35}],
               "entries_unmatched": [], "explained": [],
               "totals": {"statement": _NONE, "matched": {**_NONE, "confirmed": 0}, "lines_unmatched": _NONE,
                          "entries_unmatched": _NONE, "explained": _NONE},
               "generated_at": "2026-11-30T00:00:00Z"}


@dataclass(frozen=True)
class Form:
    api: str  # the documented operation's path (POST)
    page: str  # the console page that shows the form
    action: str  # the form's action (its path; a query string after it is kept)
    data: dict = field(default_factory=dict)  # what the console itself checks before it calls the API
    reads: dict = field(default_factory=dict)  # GET path (a regex under the gateway) -> answer, for the page
    called: str = ""  # the path called, when ``api`` has other parameters than the estate
    shown_again: bool = False  # refused, the form's page is the POST's answer (not a redirect)
    roles: tuple = EVERY_ROLE
    estates: tuple = (ESTATE,)

    @property
    def path_called(self):
        return self.called or self.api.replace("{estate_id}", ESTATE)


def _list(*items):
    return {"items": list(items), "next_cursor": None}


REVENUE_CONTRACT = {"id": "prc_1", "estate_id": "est_1", "kind": "advertising", "counterparty": "分众传媒有限公司",
                    "location": "3号楼电梯", "starts_on": "2026-01-01", "ends_on": "2026-12-31", "period_months": 3,
                    "amount_cents": 600000, "registered_by": "acc", "created_at": "2026-01-01T00:00:00Z"}
REVENUE_RECEIPT = {"id": "prr_1", "estate_id": "est_1", "contract_id": "prc_1", "kind": "advertising",
                   "counterparty": "分众传媒有限公司", "method": "transfer", "amount_cents": 600000,
                   "operator_share_percent": 30, "operator_cents": 180000, "owners_cents": 420000,
                   "destination": "maintenance_fund", "fund_entry_id": "mfd_1", "status": "posted", "note": None,
                   "cashier": "acc", "day": "2026-11-10", "period": "2026-11", "received_at": "2026-11-10T02:00:00Z",
                   "created_at": "2026-11-10T02:00:00Z"}
REVENUE_READS = {rf"{EST}/public-revenue/contracts": _list(REVENUE_CONTRACT), rf"{EST}/public-revenue/receipts": _list(),
                 rf"{EST}/public-revenue/arrears": {"estate_id": "est_1", "as_of": "2026-11-30", "items": [],
                                                     "overdue_cents": 0}}


ORDER = {"id": "wo_1", "number": "WO-1", "description": "leak", "priority": "normal", "status": "in_progress",
         "reported_at": "2026-11-30T00:00:00Z", "history": [], "technician": "tom", "quote": None, "consent": None}
REPAIR_DONE = {"id": "sr_1", "number": "SR-1", "kind": "repair", "household_id": "hh_1", "channel": "phone",
               "description": "leak", "status": "completed", "created_at": "2026-11-30T00:00:00Z", "history": []}
PAYMENT = {"id": "pay_1", "household_id": "hh_1", "amount_cents": 1000, "method": "cash", "status": "posted",
           "receipt_number": "R-1", "day": "2026-11-30", "cashier": "cathy", "receipt": {"bills": []}}
TOP_UP = {"id": "mv_1", "household_id": "hh_1", "utility": "water", "kind": "top_up", "status": "posted",
          "amount_cents": 1000, "balance_after_cents": 1000, "at": "2026-11-30T00:00:00Z", "receipt_number": "R-2"}
LOW_ACCOUNT = {"id": "ua_1", "household_id": "hh_1", "utility": "water", "balance_cents": 100, "low_noticed": True,
               "low_since": "2026-11-30T00:00:00Z", "owner_told": None, "updated_at": "2026-11-30T00:00:00Z"}
DEPOSIT = {"id": "dep_1", "household_id": "hh_1", "application_id": "app_1", "amount_cents": 100000,
           "paid_cents": 100000, "status": "refundable", "accepted_at": "2026-11-30T00:00:00Z"}
REFUNDED_DEPOSIT = {**DEPOSIT, "status": "refunded", "refund": {
    "id": "r1", "status": "refunded", "amount_cents": 70000, "method": "cash", "note": None, "by": "carol",
    "at": "2026-11-30T02:00:00Z", "day": "2026-11-30", "deductions": [
        {"id": "ddc_1", "kind": "damage", "cents": 30000, "reason": "电梯"}]}}
ROUND = {"id": "rd_1", "route_id": "rt_1", "guard": "sam", "status": "open", "started_at": "2026-11-30T00:00:00Z",
         "checkpoints": [{"code": "E1", "name": "East gate"}], "check_ins": []}
RECORD = {"id": "rec_1", "event_type": "household.created", "subject_type": "household", "subject_id": "hh_1",
          "occurred_at": "2026-11-30T00:00:00Z", "actor": "amy", "data": {"room": "1202"}}
PUMP = {"id": "eq_1", "code": "P-1", "name": "Pump", "system": "water", "location": "B2", "records": []}
WEBHOOK = {"id": "whk_1", "url": "https://crm.example.com/hooks", "events": ["maintenance.work_order_created"],
           "active": True, "created_at": "2026-11-30T00:00:00.000Z"}
HOUSEHOLD_PAGE = {rf"{EST}/households/hh_1": HOUSEHOLD, rf"{EST}/households/hh_1/occupants": _list()}
VACANT_PAGE = {**HOUSEHOLD_PAGE, rf"{EST}/households/hh_1": {**HOUSEHOLD, "status": "vacant"}}  # inspected vacant
TALLY = {"answers": 0, "average": None, "satisfied": 0, "satisfied_share": None}
CONTRACTOR_MONTH = {"contractor_id": "ctr_1", "contractor_name": "洁美保洁", "service_line": "cleaning",
                    "period": "2026-11", "counts": {"found": 4, "put_right_on_time": 1, "put_right_late": 1,
                                                    "not_put_right": 2, "pending": 0},
                    "points": 16, "score": 84, "pass_score": 90,
                    "on_time": {"numerator": 1, "denominator": 4, "value": 0.25}, "monthly_fee_cents": 3000005,
                    "deduction_percent": "6", "deduction_cents": 180000, "payable_cents": 2820005,
                    "as_of": "2026-12-01T02:00:00.000Z", "signed": None}
CONTRACTOR_MONTH_PAGE = {
    rf"{EST}/contractors/ctr_1": {"id": "ctr_1", "name": "洁美保洁", "service_line": "cleaning",
                                  "monthly_fee_cents": 3000005, "active": True},
    rf"{EST}/contractors/ctr_1/months/2026-11": CONTRACTOR_MONTH,
    rf"{EST}/upkeep-findings": {"items": [], "next_cursor": None}}
SURVEY_PAGE = {rf"{EST}/surveys/sv_1": {"id": "sv_1", "title": "2026", "year": 2026, "service_lines": ["power"]},
               rf"{EST}/surveys/sv_1/results": {"survey_id": "sv_1", "households": 0, "lines": {"power": TALLY},
                                                "overall": TALLY}}
REPORT = {"period": "2026-11", "income": {"by_item": {}, "billed_cents": 0, "received_cents": 0},
          "expenses": {"maintenance_material_cents": 0, "maintenance_labour_cents": 0, "operating_by_category": {},
                       "operating_cents": 0, "total_cents": 0, "work_orders": 0}, "net_received_cents": 0}
EXPENSE = {"id": "opx_1", "estate_id": ESTATE, "period": "2026-11", "category": "cleaning", "amount_cents": 1000,
           "description": "mops", "recorded_by": "acc", "created_at": "2026-11-30T00:00:00Z", "reversal": None}
FUND_DEPOSIT = {"id": "mfd_1", "estate_id": ESTATE, "kind": "deposit", "amount_cents": 500000, "source": "developer",
                "method": "bank", "status": "posted", "day": "2026-11-30", "balance_after_cents": 500000,
                "created_at": "2026-11-30T00:00:00Z"}
DAY = "2026-12-01"
COMPLAINT = {**REPAIR_DONE, "kind": "complaint", "status": "open",
             "complaint": {"verify_due_at": "2026-12-02T00:00:00Z"}}
PORTAL_REPAIR = {**REPAIR_DONE, "status": "open", "household_id": None,
                 "portal": {"matched": False, "address": {"building": "3", "unit": "1", "room": "1202"}}}
# a live custom field of each kind of document, for its page's form of custom values
CUSTOM = {rf"{EST}/custom-fields": _list({"key": "pets", "type": "text", "label": {"zh": "宠物", "en": "Pets"},
                                          "required": False, "archived": False})}
INCIDENT = {"id": "inc_1", "number": "INC-1", "type": "fire", "status": "open", "major": False,
            "location": "B2", "description": "smoke", "reported_at": "2026-11-30T00:00:00Z", "reported_by": "sam",
            "plan": [{"step": "call", "title": "Call 119"}], "steps": [], "pending_steps": ["call"],
            "escalations": []}
INSPECTION = {"id": "ins_1", "checklist_id": "cl_1", "location": "B2", "status": "open",
              "opened_at": "2026-11-30T00:00:00Z", "items": [{"code": "P", "label": "Pressure", "kind": "check"}]}
STANDARD = {"id": "fs_1", "item": "property_fee", "basis": "area", "unit_price_cents_per_m2": 250, "cycle": "monthly",
            "status": "pending", "created_by": "bob", "applies_to": {}, "effective_from": "2026-12-01"}
FUND_USE = {"id": "mfu_1", "estate_id": ESTATE, "kind": "use", "amount_cents": 100000, "purpose": "roof",
            "status": "requested", "requested_by": "bob", "balance_after_cents": None,
            "created_at": "2026-11-30T00:00:00Z"}
INVOICE = {"id": "inv_1", "number": "INV-1", "payment_id": "pay_1", "household_id": "hh_1", "buyer_name": "Li",
           "amount_cents": 1000, "status": "issued", "issued_at": "2026-11-30T00:00:00Z"}
PLAN = {"id": "rp_1", "period": "2026-Q4", "status": "open", "findings": "noise",
        "actions": [{"n": 1, "description": "talk", "owner": "amy", "due": DAY, "done_at": None}]}
DELIVERY = {"id": "dl_1", "event_type": "maintenance.work_order_created", "status": "failed", "attempts": 3,
            "created_at": "2026-11-30T00:00:00.000Z"}

FORMS = [
    # 防台通知 to several estates at once (across.py)
    Form("/api/v1/notices", "/across/notices", "/across/notices", estates=("*",), roles=("operator_admin",),
         data={"estate_ids": [ESTATE], "title": "防台通知", "body": "关好门窗"}, shown_again=True),
    # 防汛防台准备检查表 to several estates at once (across.py)
    Form("/api/v1/checklists", "/across/checklists", "/across/checklists", estates=("*",), roles=("operator_admin",),
         data={"estate_ids": [ESTATE], "name": "防汛防台准备", "target": "location", "item_code": "D1",
               "item_label": "排水沟已清理", "item_kind": "pass_fail"}, shown_again=True),
    # the operator's set-up
    Form("/api/v1/users", "/admin/users", "/admin/users", estates=("*",),
         data={"username": "ann", "password": "pw-long-enough", "roles": ["agent"], "estate_ids": [ESTATE]},
         shown_again=True),
    Form("/api/v1/api-keys", "/admin/api-keys", "/admin/api-keys", estates=("*",),
         data={"name": "crm", "roles": ["agent"], "estate_ids": [ESTATE]}, shown_again=True),
    Form("/api/v1/estates", "/admin/estates", "/admin/estates", estates=("*",),
         data={"code": "E3", "name": "Lake View", "address": "1 Lake Road"}, shown_again=True),
    Form("/api/v1/estates/{estate_id}/restatements", "/admin/estates", f"/admin/estates/{ESTATE}/restatements",
         estates=("*",)),
    Form("/api/v1/estates/{estate_id}/households", "/admin/households", "/admin/households",
         data={"building": "3", "unit": "1", "room": "1203", "area_m2": "88", "owner_name": "Li",
               "owner_phone": "13800000000"}, shown_again=True),
    Form("/api/v1/estates/{estate_id}/households/import", "/admin/households/import", "/admin/households/import",
         data={"file": "households.csv"}),
    # a handover weekend's sheet (批量交房), as the household import; the list (…/handover-batches) is API_ONLY
    Form("/api/v1/estates/{estate_id}/handovers/import", "/households/handover-batch", "/households/handover-batch",
         data={"file": "weekend.csv"}),
    # the equipment ledger from a CSV register (设备台账导入), as the household import
    Form("/api/v1/estates/{estate_id}/equipment/import", "/engineering/equipment/import",
         "/engineering/equipment/import", data={"file": "ledger.csv"}),
    # the developer's handover of the estate (开发商移交): refused, the page comes back with what was typed
    Form("/api/v1/estates/{estate_id}/archive/estate-handovers", "/archive/estate-handovers",
         "/archive/estate-handovers",
         data={"date": "2026-12-01", "handed_over_by": "Dev Co", "received_by": "li", "doc_kind": "owner_list",
               "doc_title": "业主清册", "doc_status": "received", "doc_copies": "", "doc_reference": ""},
         reads={rf"{EST}/archive/estate-handovers/checklist": {"estate_id": ESTATE, "items": [], "missing": [],
                                                              "received": 0, "required": 7},
                rf"{EST}/archive/estate-handovers": _list()},
         shown_again=True),
    Form("/api/v1/estates/{estate_id}/custom-fields", "/admin/custom-fields", "/admin/custom-fields",
         data={"resource": "household", "key": "pets", "label_zh": "宠物", "label_en": "Pets", "type": "text"},
         shown_again=True),
    Form("/api/v1/estates/{estate_id}/webhooks", "/webhooks/", "/webhooks/",
         data={"url": "https://crm.example.com/hooks", "events": ["maintenance.work_order_created"]},
         shown_again=True),
    Form("/api/v1/estates/{estate_id}/webhooks/{webhook_id}/secret", "/webhooks/", "/webhooks/whk_1/secret",
         reads={rf"{EST}/webhooks": _list(WEBHOOK)}, called=f"{EST}/webhooks/whk_1/secret", shown_again=True),
    Form("/api/v1/estates/{estate_id}/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
         "/webhooks/whk_1/deliveries", "/webhooks/whk_1/deliveries/dl_1/redeliver",
         reads={rf"{EST}/webhooks/whk_1": WEBHOOK, rf"{EST}/webhooks/whk_1/deliveries": _list(DELIVERY)},
         called=f"{EST}/webhooks/whk_1/deliveries/dl_1/redeliver"),
    Form("/api/v1/estates/{estate_id}/webhooks/{webhook_id}/deliveries/redeliver",
         "/webhooks/whk_1/deliveries", "/webhooks/whk_1/deliveries/redeliver",
         reads={rf"{EST}/webhooks/whk_1": WEBHOOK, rf"{EST}/webhooks/whk_1/deliveries": _list(DELIVERY)},
         called=f"{EST}/webhooks/whk_1/deliveries/redeliver"),
    # a household's page
    *(Form(f"/api/v1/estates/{{estate_id}}/households/{{household_id}}/{path}", "/households/hh_1",
           f"/households/hh_1/{path}", data=data, reads=reads, called=f"{EST}/households/hh_1/{path}",
           shown_again=True)
      for path, data, reads in (("occupants", {"relation": "tenant", "name": "Wang"}, HOUSEHOLD_PAGE),
                                ("owner-transfers", {"owner_name": "Zhao", "owner_phone": "13900000000", "date": DAY},
                                 HOUSEHOLD_PAGE),
                                ("status-changes", {"step": "move_out", "date": DAY}, HOUSEHOLD_PAGE),
                                ("handovers", {"kind": "takeover", "date": DAY}, HOUSEHOLD_PAGE),
                                ("vacant-inspections", {"inspected_on": DAY}, VACANT_PAGE),
                                ("meter-readings", {"occasion": "handover", "meter_kind": "water",
                                                    "meter_number": "W-1", "reading": "1", "read_on": DAY},
                                 HOUSEHOLD_PAGE))),
    Form("/api/v1/estates/{estate_id}/households/{household_id}/owner-access", "/households/hh_1",
         "/households/hh_1/owner-access", reads=HOUSEHOLD_PAGE, called=f"{EST}/households/hh_1/owner-access",
         shown_again=True),
    Form("/api/v1/estates/{estate_id}/households/{household_id}/occupants/{occupant_id}/leave", "/households/hh_1",
         "/households/hh_1/occupants/oc_1/leave", data={"to": DAY},
         reads={**HOUSEHOLD_PAGE, rf"{EST}/households/hh_1/occupants": _list(
             {"id": "oc_1", "relation": "tenant", "name": "Wang", "from": "2026-01-01", "to": None})},
         called=f"{EST}/households/hh_1/occupants/oc_1/leave", shown_again=True),
    Form("/api/v1/estates/{estate_id}/archive/borrow-requests", "/households/hh_1", "/households/hh_1/file",
         data={"kind": "view", "purpose": "a dispute"}, reads=HOUSEHOLD_PAGE, shown_again=True),
    # the front desk
    Form("/api/v1/estates/{estate_id}/service-requests", "/desk/requests/new", "/desk/requests",
         data={"kind": "repair", "household_id": "hh_1", "channel": "phone", "description": "leak"},
         shown_again=True),
    Form("/api/v1/estates/{estate_id}/service-requests/{request_id}/return-visits", "/desk/requests/sr_1",
         "/desk/requests/sr_1/return-visits", data={"satisfaction": "5"},
         reads={rf"{EST}/service-requests/sr_1": REPAIR_DONE, rf"{EST}/households/hh_1": HOUSEHOLD},
         called=f"{EST}/service-requests/sr_1/return-visits"),
    # a request's steps at the desk, each from the request's page
    *(Form(f"/api/v1/estates/{{estate_id}}/service-requests/{{request_id}}/{path}", "/desk/requests/sr_1",
           f"/desk/requests/sr_1/{path}", data=data, reads={rf"{EST}/service-requests/sr_1": item,
                                                              rf"{EST}/households/hh_1": HOUSEHOLD, **reads},
           called=f"{EST}/service-requests/sr_1/{path}")
      for path, item, data, reads in (
          ("verify", COMPLAINT, {"text": "the lift was loud", "cause": "facility_defect"}, {}),
          ("escalate", COMPLAINT, {"text": "third time"}, {}),
          ("reply", {**COMPLAINT, "status": "verified"}, {"text": "fixed"}, {}),
          ("close", {**REPAIR_DONE, "kind": "consultation", "status": "open"}, {"text": "told", "confirm": "yes"}, {}),
          ("reopen", {**REPAIR_DONE, "kind": "consultation", "status": "replied"}, {"text": "not settled"}, {}),
          # 撤诉 (h2's form; found by review r2 of h2)
          ("withdraw", {**COMPLAINT, "status": "verified"}, {"text": "settled with the neighbour"}, {}),
          ("transfer", {**REPAIR_DONE, "kind": "consultation", "status": "open"}, {"handler": "zhou", "note": "x"}, {}),
          ("join", {**REPAIR_DONE, "status": "dispatched"}, {"work_order_id": "wo_main"},
           {rf"{EST}/work-orders": {"items": [{"id": "wo_main", "number": "WO-7", "status": "started"}],
                                    "next_cursor": None}}),
          ("reclassify", {**REPAIR_DONE, "kind": "consultation", "status": "open", "answered_at": None,
                          "started_at": None}, {"kind": "repair", "category": "water", "reason": "a leak"}, {}),
          ("judge", COMPLAINT, {"valid": "true"}, {}),
          ("household", PORTAL_REPAIR, {"household_id": "hh_1", "category": "plumbing", "emergency": "false"}, {}),
          ("return-visit-attempts", REPAIR_DONE, {"method": "phone", "note": "no answer"}, {}),
          ("custom", REPAIR_DONE, {"custom.pets": "cat"}, CUSTOM))),
    # a contractor's month signed by the manager on its page (外包月度考核: h2, where it was the API's only)
    Form("/api/v1/estates/{estate_id}/contractors/{contractor_id}/months/{period}/sign",
         "/desk/contractor-months/ctr_1?period=2026-11", "/desk/contractor-months/ctr_1/2026-11/sign",
         data={"note": "按协议扣款"}, reads=CONTRACTOR_MONTH_PAGE, called=f"{EST}/contractors/ctr_1/months/2026-11/sign"),
    Form("/api/v1/estates/{estate_id}/surveys/{survey_id}/answers", "/desk/surveys/sv_1",
         "/desk/surveys/sv_1/answers", data={"household_id": "hh_1", "score_power": "5"},
         reads=SURVEY_PAGE,
         called=f"{EST}/surveys/sv_1/answers"),
    Form("/api/v1/public/estates/{estate_code}/requests", "/portal/E1", "/portal/E1",
         data={"kind": "repair", "building": "3", "unit": "1", "room": "1202", "contact_name": "Li",
               "contact_phone": "13800000000", "description": "leak"},
         reads={r"/api/v1/public/estates/E1": {"code": "E1", "name": "Sunny Gardens"}},
         called="/api/v1/public/estates/E1/requests", shown_again=True),
    # engineering
    Form("/api/v1/estates/{estate_id}/work-orders/{work_order_id}/complete", "/engineering/work-orders/wo_1",
         "/engineering/work-orders/wo_1/complete", data={"charge": "0", "signed_by": "Li"},
         reads={rf"{EST}/work-orders/wo_1": ORDER}, called=f"{EST}/work-orders/wo_1/complete"),
    Form("/api/v1/estates/{estate_id}/equipment/{equipment_id}/records", "/engineering/equipment/eq_1",
         "/engineering/equipment/eq_1/records", data={"kind": "inspection", "result": "ok"},
         reads={rf"{EST}/equipment/eq_1": PUMP},
         called=f"{EST}/equipment/eq_1/records"),
    Form("/api/v1/estates/{estate_id}/maintenance-plans", "/engineering/equipment/eq_1",
         "/engineering/equipment/eq_1/plan", data={"kind": "periodic_maintenance", "every_days": "30"},
         reads={rf"{EST}/equipment/eq_1": PUMP},
         called=f"{EST}/maintenance-plans"),
    # a work order's steps, each from the order's page in a state that offers it
    *(Form(f"/api/v1/estates/{{estate_id}}/work-orders/{{work_order_id}}/{path}", "/engineering/work-orders/wo_1",
           f"/engineering/work-orders/wo_1/{path}", data=data, reads={rf"{EST}/work-orders/wo_1": order, **reads},
           called=f"{EST}/work-orders/wo_1/{path}")
      for path, order, data, reads in (
          ("assign", {**ORDER, "status": "pending", "technician": None}, {"technician": "tom"}, {}),
          ("start", {**ORDER, "status": "assigned"}, {}, {}),
          ("appoint", {**ORDER, "status": "assigned"}, {"at": "2026-12-02T09:00"}, {}),
          ("reappoint", {**ORDER, "status": "appointed"}, {"at": "2026-12-03T09:00", "reason": "owner away"}, {}),
          ("quote", ORDER, {"item_name": "valve", "item_amount": "80.00"}, {}),
          ("consent", {**ORDER, "status": "quoted", "quote": {"version": 1, "amount_cents": 8000, "items": []}},
           {"by": "Li"}, {}),
          ("request-help", ORDER, {"reason": "two people needed"}, {}),
          ("hold", {**ORDER, "status": "in_progress"}, {"waiting_for": "parts", "reason": "valve on order",
                                                        "expected_on": "2026-12-03"}, {}),
          ("resume", {**ORDER, "status": "on_hold"}, {}, {}),
          ("add-helper", {**ORDER, "status": "in_progress"}, {"technician": "ann"}, {}),
          ("mark-emergency", ORDER, {"category": "gas"}, {}),
          ("equipment", ORDER, {"equipment_id": "eq_1"}, {rf"{EST}/equipment": _list(PUMP)}),
          ("cancel", {**ORDER, "status": "pending", "technician": None}, {"reason": "filed twice"}, {}),
          ("custom", ORDER, {"custom.pets": "cat"}, CUSTOM))),
    # 停运 and back, from the equipment's page (h10, a lift out of service)
    Form("/api/v1/estates/{estate_id}/equipment/{equipment_id}/out-of-service", "/engineering/equipment/eq_1",
         "/engineering/equipment/eq_1/service/out-of-service", data={"reason": "bearing noise"},
         reads={rf"{EST}/equipment/eq_1": PUMP}, called=f"{EST}/equipment/eq_1/out-of-service"),
    Form("/api/v1/estates/{estate_id}/equipment/{equipment_id}/back-in-service", "/engineering/equipment/eq_1",
         "/engineering/equipment/eq_1/service/back-in-service", data={"note": "checked"},
         reads={rf"{EST}/equipment/eq_1": {**PUMP, "out_of_service": {
             "since": "2026-11-30T00:00:00Z", "reason": "bearing noise", "work_order_id": None,
             "work_order_number": None, "by": "tom"}}}, called=f"{EST}/equipment/eq_1/back-in-service"),
    # 报废 / 停用, from the equipment's page (h6)
    Form("/api/v1/estates/{estate_id}/equipment/{equipment_id}/retire", "/engineering/equipment/eq_1",
         "/engineering/equipment/eq_1/service/retire", data={"kind": "scrapped", "on": "2026-11-30", "reason": "old"},
         reads={rf"{EST}/equipment/eq_1": PUMP}, called=f"{EST}/equipment/eq_1/retire",
         roles=("manager",)),
    Form("/api/v1/estates/{estate_id}/equipment/{equipment_id}/custom", "/engineering/equipment/eq_1",
         "/engineering/equipment/eq_1/custom", data={"custom.pets": "cat"},
         reads={rf"{EST}/equipment/eq_1": PUMP, **CUSTOM}, called=f"{EST}/equipment/eq_1/custom"),
    Form("/api/v1/estates/{estate_id}/inspections/{inspection_id}/complete", "/engineering/inspections/ins_1",
         "/engineering/inspections/ins_1/complete", data={"passed.P": "true"},
         reads={rf"{EST}/inspections/ins_1": INSPECTION}, called=f"{EST}/inspections/ins_1/complete",
         shown_again=True),
    Form("/api/v1/estates/{estate_id}/checklists", "/engineering/checklists", "/engineering/checklists",
         data={"name": "Pumps", "target": "equipment", "item_code": "P", "item_label": "Pressure",
               "item_kind": "check"}, shown_again=True),
    Form("/api/v1/estates/{estate_id}/inspections", "/engineering/inspections", "/engineering/inspections",
         data={"checklist_id": "cl_1", "location": "B2"}, shown_again=True),
    # finance
    Form("/api/v1/estates/{estate_id}/payments", "/accounts/payments/new?household_id=hh_1", "/accounts/payments",
         data={"household_id": "hh_1", "amount": "10.00", "method": "cash"}, shown_again=True),
    Form("/api/v1/estates/{estate_id}/payments/{payment_id}/reverse", "/accounts/payments/pay_1/receipt",
         "/accounts/payments/pay_1/reverse", data={"reason": "typed twice", "confirm": "yes"},
         reads={rf"{EST}/payments/pay_1": PAYMENT, rf"{EST}/households/hh_1": HOUSEHOLD},
         called=f"{EST}/payments/pay_1/reverse"),
    # an opening credit recorded wrong (期初预收), reversed as a credit on its record (review r3)
    Form("/api/v1/estates/{estate_id}/opening-credits/{payment_id}/reverse", "/accounts/payments/pay_oc/receipt",
         "/accounts/opening-credits/pay_oc/reverse", data={"reason": "YS-1 is 300.00", "confirm": "yes"},
         reads={rf"{EST}/payments/pay_oc": {**PAYMENT, "id": "pay_oc", "kind": "opening_credit",
                                            "method": "opening_credit", "journal": None, "reference": "YS-1"},
                rf"{EST}/households/hh_1": HOUSEHOLD},
         called=f"{EST}/opening-credits/pay_oc/reverse"),
    Form("/api/v1/estates/{estate_id}/payments/{payment_id}/invoices", "/accounts/payments/pay_1/receipt",
         "/accounts/payments/pay_1/invoices", data={"kind": "normal", "title": "Li"},
         reads={rf"{EST}/payments/pay_1": PAYMENT, rf"{EST}/households/hh_1": HOUSEHOLD},
         called=f"{EST}/payments/pay_1/invoices"),
    Form("/api/v1/estates/{estate_id}/fee-standards", "/accounts/fee-standards", "/accounts/fee-standards",
         data={"item": "property_fee", "basis": "area", "price": "2.50", "cycle": "monthly"}, shown_again=True),
    # a household's own billing cycle (缴费周期), set on its statement (h8)
    Form("/api/v1/estates/{estate_id}/billing-cycles", "/accounts/households/hh_1/statement",
         "/accounts/households/hh_1/billing-cycle", data={"cycle": "quarterly", "valid_from": "2027-01"},
         reads={rf"{EST}/households/hh_1/account": {
             "estate_id": ESTATE, "household_id": "hh_1", "from": "2025-12", "to": "2026-11", "unpaid_cents": 0,
             "overdue_cents": 0, "prepaid_cents": 0, "billed_cents": 0, "received_cents": 0,
             "generated_at": "2026-11-30T02:00:00Z", "bills": [], "payments": []},
             rf"{EST}/households/hh_1$": HOUSEHOLD, rf"{EST}/billing-cycles": _list()},
         called=f"{EST}/billing-cycles"),
    Form("/api/v1/estates/{estate_id}/billing-runs", "/accounts/billing-runs", "/accounts/billing-runs",
         data={"period": "2026-11"}, shown_again=True),
    Form("/api/v1/estates/{estate_id}/arrears/reminders", "/accounts/arrears", "/accounts/arrears/reminders",
         data={"household_id": "hh_1", "channel": "phone"},
         reads={rf"{EST}/arrears": _list({"household_id": "hh_1", "building": "3", "unit": "1", "room": "1202",
                                          "overdue_cents": 100, "bills": 1, "age_days": 40,
                                          "oldest_due_at": "2026-10-01T00:00:00Z"})}),
    Form("/api/v1/estates/{estate_id}/exports", "/accounts/arrears", "/exports/", data={"format": "csv"}),
    Form("/api/v1/estates/{estate_id}/deposits/{deposit_id}/refund", "/accounts/deposits",
         "/accounts/deposits/dep_1/refund", data={"method": "cash", "confirm": "yes"},
         reads={rf"{EST}/deposits": _list(DEPOSIT)}, called=f"{EST}/deposits/dep_1/refund", shown_again=True),
    Form("/api/v1/estates/{estate_id}/deposits/{deposit_id}/refund/reverse-deductions", "/accounts/deposits",
         "/accounts/deposits/dep_1/reverse-deductions", data={"reason": "录错", "confirm": "yes"},
         reads={rf"{EST}/deposits": _list(REFUNDED_DEPOSIT)}, called=f"{EST}/deposits/dep_1/refund/reverse-deductions",
         shown_again=True),
    # 撤场: the money owed back refunded to a household's owner, or handed to the next company
    Form("/api/v1/estates/{estate_id}/households/{household_id}/exit-refund", "/manager/handover?as_of=2026-12-31",
         "/manager/handover/hh_1/refund", data={"method": "transfer", "confirm": "yes"},
         reads={rf"{EST}/handover": PACKAGE}, called=f"{EST}/households/hh_1/exit-refund", roles=("manager",)),
    Form("/api/v1/estates/{estate_id}/exit-transfers", "/manager/handover?as_of=2026-12-31", "/manager/handover/transfer",
         data={"method": "transfer", "to_company": "新物业", "confirm": "yes"}, reads={rf"{EST}/handover": PACKAGE},
         roles=("manager",)),
    *(Form(f"/api/v1/estates/{{estate_id}}/deposits/{{deposit_id}}/refund/{decision}", "/accounts/deposits",
           f"/accounts/deposits/dep_1/refund/{decision}", data=data,
           reads={rf"{EST}/deposits": _list({**DEPOSIT, "status": "refund_awaiting_approval"})},
           called=f"{EST}/deposits/dep_1/refund/{decision}", shown_again=True)
      for decision, data in (("approve", {}), ("reject", {"reason": "扣除金额与验收记录不符"}))),
    *[Form(f"/api/v1/estates/{{estate_id}}/seller-prepaid/{{hold_id}}/{step}", "/accounts/households/hh_1/statement",
           f"/accounts/seller-prepaid/sph_1/{step}", data={**typed, "household_id": "hh_1", "confirm": "yes"},
           reads={rf"{EST}/households/hh_1/account": SELLERS_ACCOUNT}, called=f"{EST}/seller-prepaid/sph_1/{step}",
           shown_again=True)
      for step, typed in (("refund", {"method": "transfer"}), ("carry-over", {"reason": "买卖合同约定"}))],
    Form("/api/v1/estates/{estate_id}/utilities/top-ups", "/accounts/utilities", "/accounts/utilities/top-ups",
         data={"household": "hh_1", "utility": "water", "amount": "10.00", "method": "cash"}, shown_again=True),
    Form("/api/v1/estates/{estate_id}/utilities/top-ups/{move_id}/reverse", "/accounts/utilities",
         "/accounts/utilities/top-ups/mv_1/reverse", data={"reason": "wrong flat", "confirm": "yes"},
         reads={rf"{EST}/utilities/moves": _list(TOP_UP)}, called=f"{EST}/utilities/top-ups/mv_1/reverse",
         shown_again=True),
    # the owner of a low balance told, on record (遇预存余额不足的，及时通知业主并做好书面记录)
    Form("/api/v1/estates/{estate_id}/utilities/accounts/{account_id}/owner-notices", "/accounts/utilities?low=true",
         "/accounts/utilities/accounts/ua_1/owner-notices", data={"how": "phone", "note": "周末充值"},
         reads={rf"{EST}/utilities/accounts": _list(LOW_ACCOUNT)}, called=f"{EST}/utilities/accounts/ua_1/owner-notices",
         shown_again=True),
    Form("/api/v1/estates/{estate_id}/utilities/usages", "/accounts/utilities", "/accounts/utilities/usages",
         data={"household": "hh_1", "utility": "water", "amount": "1.00"}, shown_again=True),
    Form("/api/v1/estates/{estate_id}/maintenance-fund/deposits", "/accounts/maintenance-fund",
         "/accounts/maintenance-fund/deposits", data={"source": "owner", "amount": "10.00", "method": "cash"},
         shown_again=True),
    Form("/api/v1/estates/{estate_id}/maintenance-fund/deposits/{entry_id}/reverse", "/accounts/maintenance-fund",
         "/accounts/maintenance-fund/deposits/mfd_1/reverse", data={"reason": "typed 5000 for 500", "confirm": "yes"},
         reads={rf"{EST}/maintenance-fund/entries": _list(FUND_DEPOSIT)},
         called=f"{EST}/maintenance-fund/deposits/mfd_1/reverse", shown_again=True),
    Form("/api/v1/estates/{estate_id}/maintenance-fund/uses", "/accounts/maintenance-fund",
         "/accounts/maintenance-fund/uses", data={"amount": "10.00", "purpose": "roof"}, shown_again=True),
    Form("/api/v1/estates/{estate_id}/fee-standards/{standard_id}/approve", "/accounts/fee-standards",
         "/accounts/fee-standards/fs_1/approve", reads={rf"{EST}/fee-standards": _list(STANDARD)},
         called=f"{EST}/fee-standards/fs_1/approve", shown_again=True),
    Form("/api/v1/estates/{estate_id}/fee-standards/{standard_id}/reject", "/accounts/fee-standards",
         "/accounts/fee-standards/fs_1/reject", data={"reason": "too high"},
         reads={rf"{EST}/fee-standards": _list(STANDARD)}, called=f"{EST}/fee-standards/fs_1/reject"),
    *(Form(f"/api/v1/estates/{{estate_id}}/maintenance-fund/uses/{{entry_id}}/{decision}", "/accounts/maintenance-fund",
           f"/accounts/maintenance-fund/uses/mfu_1/{decision}", data=data,
           reads={rf"{EST}/maintenance-fund/entries": _list(FUND_USE)},
           called=f"{EST}/maintenance-fund/uses/mfu_1/{decision}", shown_again=True)
      for decision, data in (("approve", {"consent_ref": "vote 2026-3"}), ("reject", {"reason": "no vote"}))),
    Form("/api/v1/estates/{estate_id}/invoices/{invoice_id}/void", "/accounts/invoices",
         "/accounts/invoices/inv_1/void", data={"reason": "wrong title", "confirm": "yes"},
         reads={rf"{EST}/invoices": _list(INVOICE)}, called=f"{EST}/invoices/inv_1/void"),
    Form("/api/v1/estates/{estate_id}/reports/disclosure/{period}/publish", "/accounts/disclosure?period=2026-11",
         "/accounts/disclosure/2026-11/publish", data={"confirm": "yes"},
         reads={rf"{EST}/reports/disclosure": REPORT}, called=f"{EST}/reports/disclosure/2026-11/publish",
         shown_again=True),
    Form("/api/v1/estates/{estate_id}/opening-balances", "/accounts/opening-balances", "/accounts/opening-balances",
         data={"building": "3", "unit": "1", "room": "1202", "item": "property_service", "period": "2026-08",
               "amount": "210.02", "reference": "QD-117"},
         reads={rf"{EST}/bills": _list(), rf"{EST}/households": _list(HOUSEHOLD), rf"{EST}/payments": _list()},
         shown_again=True),
    Form("/api/v1/estates/{estate_id}/opening-balances/import", "/accounts/opening-balances",
         "/accounts/opening-balances/import", data={"file": "arrears.csv"},
         reads={rf"{EST}/bills": _list(), rf"{EST}/households": _list(HOUSEHOLD), rf"{EST}/payments": _list()}),
    Form("/api/v1/estates/{estate_id}/opening-credits/import", "/accounts/opening-balances",
         "/accounts/opening-credits/import", data={"file": "prepaid.csv"},
         reads={rf"{EST}/bills": _list(), rf"{EST}/households": _list(HOUSEHOLD), rf"{EST}/payments": _list()}),
    # 银行对账: the month's statement uploaded, a line's match confirmed, a line explained (h4)
    Form("/api/v1/estates/{estate_id}/bank-statements/import", "/accounts/bank-statements?period=2026-11",
         "/accounts/bank-statements/import", data={"file": "statement.csv", "period": "2026-11"},
         reads={rf"{EST}/reports/bank-reconciliation": BANK_REPORT, rf"{EST}/households": _list(HOUSEHOLD)},
         called=f"{EST}/bank-statements/import", roles=("operator_admin", "manager", "accountant")),
    Form("/api/v1/estates/{estate_id}/bank-statements/lines/{line_id}/confirm", "/accounts/bank-statements?period=2026-11",
         "/accounts/bank-statements/lines/bsl_1/confirm", data={"entry_id": "jrn_1", "period": "2026-11"},
         reads={rf"{EST}/reports/bank-reconciliation": BANK_REPORT, rf"{EST}/households": _list(HOUSEHOLD)},
         called=f"{EST}/bank-statements/lines/bsl_1/confirm", roles=("operator_admin", "manager", "accountant")),
    Form("/api/v1/estates/{estate_id}/bank-statements/lines/{line_id}/explain", "/accounts/bank-statements?period=2026-11",
         "/accounts/bank-statements/lines/bsl_2/explain", data={"note": "利息", "period": "2026-11"},
         reads={rf"{EST}/reports/bank-reconciliation": BANK_REPORT, rf"{EST}/households": _list(HOUSEHOLD)},
         called=f"{EST}/bank-statements/lines/bsl_2/explain", roles=("operator_admin", "manager", "accountant")),
    Form("/api/v1/estates/{estate_id}/public-revenue/contracts", "/accounts/public-revenue",
         "/accounts/public-revenue/contracts",
         data={"kind": "advertising", "counterparty": "分众传媒有限公司", "location": "3号楼电梯", "starts_on": "2026-01-01",
               "ends_on": "2026-12-31", "period_months": "3", "amount": "6000"},
         reads=REVENUE_READS, shown_again=True, roles=("operator_admin", "manager", "accountant")),
    Form("/api/v1/estates/{estate_id}/public-revenue/contracts/{contract_id}/receipts", "/accounts/public-revenue",
         "/accounts/public-revenue/contracts/prc_1/receipts", data={"amount": "6000", "method": "transfer"},
         reads=REVENUE_READS, called=f"{EST}/public-revenue/contracts/prc_1/receipts", shown_again=True,
         roles=("operator_admin", "manager", "accountant")),
    # a receipt typed wrong reversed, a contract ended early or cancelled: a manager's (h3)
    Form("/api/v1/estates/{estate_id}/public-revenue/receipts/{receipt_id}/reverse", "/accounts/public-revenue",
         "/accounts/public-revenue/receipts/prr_1/reverse", data={"reason": "typed wrong", "confirm": "yes"},
         reads={**REVENUE_READS, rf"{EST}/public-revenue/receipts": _list(REVENUE_RECEIPT)},
         called=f"{EST}/public-revenue/receipts/prr_1/reverse", shown_again=True, roles=("operator_admin", "manager")),
    Form("/api/v1/estates/{estate_id}/public-revenue/contracts/{contract_id}/terminate", "/accounts/public-revenue",
         "/accounts/public-revenue/contracts/prc_1/terminate",
         data={"ends_on": "2026-09-30", "reason": "closed", "confirm": "yes"}, reads=REVENUE_READS,
         called=f"{EST}/public-revenue/contracts/prc_1/terminate", shown_again=True,
         roles=("operator_admin", "manager")),
    # the money received after a contract's early end paid back: a manager's (h5)
    Form("/api/v1/estates/{estate_id}/public-revenue/contracts/{contract_id}/refund", "/accounts/public-revenue",
         "/accounts/public-revenue/contracts/prc_1/refund",
         data={"method": "transfer", "reason": "paid ahead", "confirm": "yes"},
         reads={**REVENUE_READS, rf"{EST}/public-revenue/contracts": _list(
             {**REVENUE_CONTRACT, "status": "terminated", "ends_on": "2026-06-30"})},
         called=f"{EST}/public-revenue/contracts/prc_1/refund", shown_again=True,
         roles=("operator_admin", "manager")),
    Form("/api/v1/estates/{estate_id}/operating-expenses", "/accounts/disclosure?period=2026-11",
         "/accounts/operating-expenses",
         data={"period": "2026-11", "category": "cleaning", "amount": "10.00", "description": "mops"},
         reads={rf"{EST}/reports/disclosure": REPORT}, shown_again=True),
    Form("/api/v1/estates/{estate_id}/operating-expenses/{expense_id}/reverse", "/accounts/disclosure?period=2026-11",
         "/accounts/operating-expenses/opx_1/reverse", data={"reason": "typed 1000 for 10", "period": "2026-11",
                                                             "confirm": "yes"},
         reads={rf"{EST}/reports/disclosure": REPORT, rf"{EST}/operating-expenses": _list(EXPENSE)},
         called=f"{EST}/operating-expenses/opx_1/reverse", shown_again=True),
    # security
    Form("/api/v1/estates/{estate_id}/patrol-rounds/{round_id}/check-ins", "/security/rounds/rd_1",
         "/security/rounds/rd_1/check-ins", data={"checkpoint": "E1"},
         reads={rf"{EST}/patrol-rounds/rd_1": ROUND}, called=f"{EST}/patrol-rounds/rd_1/check-ins"),
    Form("/api/v1/estates/{estate_id}/patrol-rounds/{round_id}/finish", "/security/rounds/rd_1",
         "/security/rounds/rd_1/finish", data={"confirm": "yes"},
         reads={rf"{EST}/patrol-rounds/rd_1": ROUND}, called=f"{EST}/patrol-rounds/rd_1/finish"),
    *(Form(f"/api/v1/estates/{{estate_id}}/incidents/{{incident_id}}/{path}", "/security/incidents/inc_1",
           f"/security/incidents/inc_1/{path}", data=data,
           # a manager's page also reads the night's view (h1), an object, not the empty list
           # the fake gives any other read (its page was a 500 here: found by review r1)
           reads={rf"{EST}/incidents/inc_1": INCIDENT, rf"{EST}/incidents/inc_1/overview": NIGHT},
           called=f"{EST}/incidents/inc_1/{path}", shown_again=path == "close")
      for path, data in (("steps", {"step": "call", "note": "called at 10:02"}),
                         ("reclassify", {"reason": "a car park fire"}),
                         ("close", {"summary": "put out", "confirm": "yes"}))),
    # the archive
    Form("/api/v1/estates/{estate_id}/archive/records/{record_id}/corrections", "/archive/records?subject_id=hh_1",
         "/archive/records/rec_1/corrections", data={"reason": "a typo"},
         reads={rf"{EST}/archive/records": _list(RECORD)}, called=f"{EST}/archive/records/rec_1/corrections"),
    # the manager
    Form("/api/v1/estates/{estate_id}/complaint-rectifications", "/manager/rectifications", "/manager/rectifications",
         data={"period": "2026-Q4", "findings": "noise", "action_description": "talk", "action_owner": "amy",
               "action_due": DAY}, shown_again=True),
    Form("/api/v1/estates/{estate_id}/complaint-rectifications/{plan_id}/actions/{n}/done", "/manager/rectifications",
         "/manager/rectifications/rp_1/actions/1/done", data={"note": "talked"},
         reads={rf"{EST}/complaint-rectifications": _list(PLAN)},
         called=f"{EST}/complaint-rectifications/rp_1/actions/1/done"),
    Form("/api/v1/estates/{estate_id}/notices", "/manager/rectifications", "/manager/rectifications/rp_1/notice",
         data={"title": "整改措施", "body": "21:30 巡查"}, reads={rf"{EST}/complaint-rectifications": _list(PLAN)},
         roles=("manager",), shown_again=True),
]


# 社区文化活动 (session 61): an activity's own page gives a sign-up up and takes the attendance (the register's
# row offered every household of the estate)
ACTIVITY_PAGE = {rf"{EST}/activities/act_1": {
    "id": "act_1", "title": "中秋游园会", "kind": "festival", "place": "garden", "description": None,
    "local_starts_at": "2027-09-15T19:00", "local_ends_at": "2027-09-15T21:00", "capacity": 80, "places_left": 78,
    "wait_listed": 0, "signup_deadline": "2027-09-14T11:00:00.000Z", "budget_cents": 0, "actual_cost_cents": None,
    "over_budget_cents": None, "status": "planned", "attendance": None, "signups": [
        {"id": "asu_1", "household_id": "hh_1", "people": 2, "channel": "desk", "status": "confirmed",
         "signed_up_at": "2027-09-01T02:00:00.000Z", "by": "amy", "promoted_at": None, "cancelled_at": None,
         "cancel_reason": None}]}}
PAYEE_LINE = {"id": "ptp_1", "estate_id": "est_1", "name": "华润燃气", "service": "gas", "handling_fee_cents": 200,
              "note": None, "created_by": "acc", "created_at": "2026-11-01T00:00:00Z", "collected_cents": 12850,
              "collections": 1, "fees_cents": 200, "remitted_cents": 0, "remittances": 0, "owed_cents": 12850}
PAYEE_READS = {rf"{EST}/pass-through/payees": _list(PAYEE_LINE), rf"{EST}/households": _list(HOUSEHOLD)}
FORMS += [  # 代收代缴's four writes (h4)
    Form("/api/v1/estates/{estate_id}/pass-through/payees", "/accounts/pass-through", "/accounts/pass-through/payees",
         data={"name": "电信宽带", "service": "broadband", "fee": "1.50"}, reads=PAYEE_READS, shown_again=True,
         roles=("operator_admin", "manager", "accountant")),
    Form("/api/v1/estates/{estate_id}/pass-through/payees/{payee_id}/fee", "/accounts/pass-through",
         "/accounts/pass-through/payees/ptp_1/fee", data={"fee": "1.00"}, reads=PAYEE_READS,
         called=f"{EST}/pass-through/payees/ptp_1/fee", shown_again=True,
         roles=("operator_admin", "manager", "accountant")),
    Form("/api/v1/estates/{estate_id}/pass-through/payees/{payee_id}/remittances", "/accounts/pass-through",
         "/accounts/pass-through/payees/ptp_1/remittances", data={"period": "2026-11", "method": "transfer"},
         reads=PAYEE_READS, called=f"{EST}/pass-through/payees/ptp_1/remittances", shown_again=True,
         roles=("operator_admin", "manager", "accountant", "cashier")),
    Form("/api/v1/estates/{estate_id}/pass-through/collections", "/accounts/pass-through",
         "/accounts/pass-through/collections", data={"payee_id": "ptp_1", "household": "hh_1", "amount": "128.50",
                                                     "method": "cash"},
         reads=PAYEE_READS, shown_again=True, roles=("operator_admin", "manager", "cashier")),
]
FORMS += [
    Form("/api/v1/estates/{estate_id}/activities/{activity_id}/signups/{signup_id}/cancel", "/desk/activities/act_1",
         "/desk/activities/act_1/signups/asu_1/cancel", data={"reason": "away"}, reads=ACTIVITY_PAGE,
         called=f"{EST}/activities/act_1/signups/asu_1/cancel", roles=("steward",)),
    Form("/api/v1/estates/{estate_id}/activities/{activity_id}/attendance", "/desk/activities/act_1",
         "/desk/activities/act_1/attendance", data={"present": "hh_1"}, reads=ACTIVITY_PAGE,
         called=f"{EST}/activities/act_1/attendance", roles=("steward",)),
]


def _documented_with_a_key():
    """The POST paths of contracts/openapi.yaml that take the ``IdempotencyKey`` parameter."""
    spec = openapi_spec()
    wanted = {"#/components/parameters/IdempotencyKey", "#/components/parameters/IdempotencyKeyRequired"}
    return {path for path, operations in spec["paths"].items()
            if any(p.get("$ref") in wanted for p in (operations.get("post") or {}).get("parameters", []))}


# operations with a key that no console form makes, each with why
API_ONLY = {
    # the owner's own rating from the owner app that filed the request (channel app): the desk
    # records what an owner says on a return visit, not a rating in his name
    "/api/v1/estates/{estate_id}/service-requests/{request_id}/rating",
    # one opening credit (期初预收) at a time: the console uploads the previous company's list whole
    # (…/opening-credits/import, below); the single call is an integrator's
    "/api/v1/estates/{estate_id}/opening-credits",
    # a handover weekend as a JSON list (批量交房): an integrator's (the developer's sales system); the console
    # uploads the weekend's sheet (…/handovers/import, above), one job of the same kind
    "/api/v1/estates/{estate_id}/handover-batches",
    # a certificate recorded on the wrong lift moved to its own (h6): the console has no form for it yet
    # (its page would read every piece's name to offer the right one)
    "/api/v1/estates/{estate_id}/equipment/{equipment_id}/certificate/move",
    # a collection for a payee recorded by mistake reversed (h4): the console lists payees, not their collections
    # (…/accounts/pass-through), so it has no row to reverse from yet: through the API
    "/api/v1/estates/{estate_id}/pass-through/collections/{collection_id}/reverse",
}
DOCUMENTED = _documented_with_a_key() - API_ONLY
UNDER_ESTATE = "/api/v1/estates/{estate_id}/"


def _shape(path):
    return re.sub(r"\{[^}]*\}", "{}", path)


def _documented_path(rest):
    """The contract's path of a register's call (``equipment/{id}/records``), or None when it takes no key."""
    return next((path for path in DOCUMENTED if _shape(path) == _shape(UNDER_ESTATE + rest)), None)


def _register_forms():
    """Each register's create form, row action, row's custom values and quick form whose call takes
    a key, on its list page, with one row the action is offered on."""
    forms = []
    for spec in REGISTERS:
        page = f"/{spec.area}/{spec.slug}"
        if spec.fields and _documented_path(spec.path):
            forms.append(Form(_documented_path(spec.path), page, page, data={"confirm": "yes"}, shown_again=True))
        for action in spec.actions:
            documented = _documented_path(action.into or f"{spec.path}/{{id}}/{action.name}")
            if documented:
                row = {"id": "row_1", action.when_field: action.when[0] if action.when else None}
                if action.only_by:  # a step of the row's own user alone (the one signed in: amy)
                    row[action.only_by] = "amy"
                forms.append(Form(documented, page, f"{page}/row_1/{action.name}",
                                  data={"confirm": "yes"}, reads={rf"{EST}/{spec.path}": _list(row)},
                                  called=f"{EST}/{action.into or f'{spec.path}/row_1/{action.name}'}"))
        custom = _documented_path(f"{spec.path}/{{id}}/custom")
        if spec.custom_edit and custom:
            forms.append(Form(custom, page, f"{page}/row_1/custom", data={"custom.pets": "cat"},
                              reads={rf"{EST}/{spec.path}": _list({"id": "row_1"}), **CUSTOM},
                              called=f"{EST}/{spec.path}/row_1/custom"))
        for index, quick in enumerate(spec.forms):
            if _documented_path(quick.path):
                forms.append(Form(_documented_path(quick.path), page, f"{page}/forms/{index}",
                                  data={"plate": "粤B12345"}))
    return forms


ALL_FORMS = FORMS + _register_forms()


def _name(form):
    return f"{form.action} -> {form.api.removeprefix(UNDER_ESTATE)}"


def _forms_on(page):
    """``(action, its inner html)`` of each form of the page that posts."""
    return [(html.unescape(action), inner) for action, inner in
            re.findall(r'<form method="post"[^>]*\baction="([^"]*)"[^>]*>(.*?)</form>', page, re.S)]


def _the_form(page, action):
    found = [(url, inner) for url, inner in _forms_on(page) if url.split("?")[0] == action]
    assert len(found) == 1, f"{len(found)} forms post to {action}; the page's: {[url for url, _ in _forms_on(page)]}"
    return found[0]


def _hidden(inner):
    """What the form's hidden fields send, as a browser sends them."""
    return {name: html.unescape(value) for name, value in
            re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', inner)}


def _keys(inner):
    return [html.unescape(key) for key in re.findall(r'name="idempotency_key" value="([^"]*)"', inner)]


def _main(answer):
    """What a failed page says (its main part, not the menu)."""
    text = answer.get_data(as_text=True)
    found = re.search(r"<main.*?</main>", text, re.S)
    return f"{answer.status_code}: {found.group(0) if found else text[:1000]}"


def _open(client, fake, form):
    """The form's page, signed in, with its reads answered (any other list read empty)."""
    fake.routes.append(("GET", re.compile(r"/api/v1/.*$"), _list(), 200))  # any other read: an empty list
    fake.on("GET", rf"{EST}/households", _list(HOUSEHOLD))
    for pattern, answer in form.reads.items():
        fake.on("GET", pattern, answer)
    sign_in(client, fake, username="amy", roles=form.roles, estates=form.estates)
    shown = client.get(form.page)
    assert shown.status_code == 200, _main(shown)
    return shown.get_data(as_text=True)


def _send(client, form, action, inner, key):
    data = {**_hidden(inner), **form.data, "idempotency_key": key}
    if "file" in data:
        data["file"] = (io.BytesIO(b"building,unit,room,area_m2,owner_name,owner_phone\n"), data["file"])
    return client.post(action, data=data, content_type="multipart/form-data")


@pytest.mark.parametrize("form", ALL_FORMS, ids=_name)
def test_every_form_whose_call_takes_an_idempotency_key_sends_one_key_per_form_shown(client, fake, form):
    """The page renders a key of its own in the form (another each time it is shown), and the form
    sent twice sends that key twice: the gateway makes one and answers the first again."""
    page = _open(client, fake, form)
    action, inner = _the_form(page, form.action)
    [key] = _keys(inner)
    [again] = _keys(_the_form(client.get(form.page).get_data(as_text=True), form.action)[1])
    assert key and again != key, (key, again)  # one per form shown, not one for every form
    fake.on("POST", re.escape(form.path_called), (201, MADE))
    for _ in range(2):
        answer = _send(client, form, action, inner, key)
        assert answer.status_code in (200, 201, 302), _main(answer)
    sent = [call["headers"].get("Idempotency-Key") for call in fake.calls
            if call["method"] == "POST" and call["path"] == form.path_called]
    assert sent == [key, key]


def _sent_while_the_first_is_answered(client, fake, form):
    """``form`` opened and sent with its key, which the gateway refuses with a 409 as it does a
    double click's second request while the first is answered: (the key, the console's answer)."""
    action, inner = _the_form(_open(client, fake, form), form.action)
    [key] = _keys(inner)
    fake.on("POST", re.escape(form.path_called),
            problem(409, "still being processed", "a request with this Idempotency-Key is still being processed"))
    return key, _send(client, form, action, inner, key)


@pytest.mark.parametrize("form", [form for form in ALL_FORMS if form.shown_again], ids=_name)
def test_a_form_refused_and_shown_again_keeps_its_key(client, fake, form):
    """A double click's second request is refused while the first is answered (409) and is the
    page the browser shows: its form sent again under a new key made the thing twice."""
    key, answer = _sent_while_the_first_is_answered(client, fake, form)
    assert answer.status_code == 409, _main(answer)
    assert _keys(_the_form(answer.get_data(as_text=True), form.action)[1]) == [key]


# the console's forms that send no Idempotency-Key, by their endpoint: each calls nothing that keeps
# one (openapi.yaml's writes without IdempotencyKey), or is a PUT or PATCH that sets values
KEYLESS = {
    "home.choose_language": "the console's own setting: no call",
    "home.choose_estate": "the session's estate: no call",
    "across.open_incident": "the session's estate switched to the incident's, then its page: no call",
    "across.open_complaints": "the session's estate switched to the estate's, then its complaint analysis: no call",
    "auth.sign_in": "POST …/auth/token keeps no key",
    "auth.sign_out": "DELETE …/auth/token keeps no key",
    "auth.change_password": "POST …/users/me/password keeps no key",
    "admin.reset_password": "POST …/users/{id}/password keeps no key",
    "admin.update_user": "PATCH …/users/{id} keeps no key",
    "admin.revoke_api_key": "DELETE …/api-keys/{id} keeps no key",
    "admin.change_custom_field": "a custom field's PATCH and DELETE keep no key",
    "portal.rate": "the owner portal's rating keeps no key",
    # _phone_search.html (desk.find_by_phone, admin.households_by_phone): a POST so the number is in no URL
    "{{ phone_action }}": "POST …/households/search only reads: it keeps no key",
    "archive.personal_data_search": "POST …/personal-data/search only reads: it keeps no key",
    # a PUT or PATCH sets what the form holds: sent twice, it sets the same (a version refuses
    # the second of an edit); the API's key for them is an integrator's retry
    "admin.edit_estate": "PATCH …/estates/{id}",
    "admin.retire_estate": "POST …/estates/{id}/retire keeps no key: a retired estate is answered as it is",
    "admin.reinstate_estate": "POST …/estates/{id}/reinstate keeps no key: an estate in service is answered as it is",
    "admin.save_settings": "PUT …/settings/{service}",
    "households.edit": "PATCH …/households/{id}",
    "inspections.update_checklist": "PATCH …/checklists/{id}",
    "engineering.set_budget": "PUT …/budgets/{period}",
    "emergency_plans.set_plan": "PUT …/emergency-plans/{type}",
    "webhooks.set_active": "PATCH …/webhooks/{id}",
    "admin.limit_api_key": "PATCH …/api-keys/{id}",
}


def _template_forms():
    """``(template, the endpoint its form posts to or its action, whether it renders a key)`` of
    each form of the console's templates that posts."""
    forms = []
    for template in sorted((ROOT / "console" / "console" / "templates").rglob("*.html")):
        text = template.read_text()
        for head, inner in re.findall(r'(<form\b[^>]*method="post"[^>]*>)(.*?)</form>', text, re.S):
            endpoint = re.search(r"url_for\('([^']+)'", head)
            action = re.search(r'action="([^"]*)"', head)
            forms.append((template.name, endpoint.group(1) if endpoint else action.group(1),
                          'name="idempotency_key"' in inner))
    return forms


def test_every_form_of_the_templates_sends_a_key_or_calls_nothing_that_keeps_one():
    """A form added to a template sends its key (its hidden ``idempotency_key``: the gateway client
    sends it with the form's write, ``gateway_api._form_key``) unless ``KEYLESS`` says why not:
    the table above tests the forms it names, and this finds one it does not. A request's verify,
    reply or close, a work order's appointment or quote, an incident's step and a return-visit
    attempt sent none, and a double click recorded the attempt twice (review)."""
    forms = _template_forms()
    assert len(forms) > 80
    unkeyed = [(template, endpoint) for template, endpoint, keyed in forms if not keyed and endpoint not in KEYLESS]
    assert unkeyed == []
    needless = [(template, endpoint) for template, endpoint, keyed in forms if keyed and endpoint in KEYLESS]
    assert needless == []


def test_every_documented_call_that_takes_a_key_has_its_console_forms_in_the_table():
    """A new operation with a key, and the console's form for it, are added to ``FORMS`` (a register's
    come from its spec): the table is how a form without a key is found."""
    assert DOCUMENTED - {form.api for form in ALL_FORMS} == set()
    assert {form.api for form in ALL_FORMS} <= DOCUMENTED
    assert API_ONLY <= _documented_with_a_key(), "an API-only operation the contract no longer has"



@pytest.mark.parametrize("form", [form for form in ALL_FORMS if not form.shown_again], ids=_name)
def test_a_form_refused_and_shown_again_on_its_page_keeps_its_key(client, fake, form):
    """A refused form comes back to its page (a redirect) below its refusal: with the key it was
    sent with, and a new one on the page read again after that. Ten (a restatement, an import, a
    return visit, a survey's answers, a work order's sign-off, a payment's reversal, an invoice,
    a reminder, an export, a check-in), as a register's row on its own page and a list's quick form
    before them, came back with a new key, and a double click's second request, refused with a
    409 while the first was answered, sent again made the thing twice (review)."""
    key, answer = _sent_while_the_first_is_answered(client, fake, form)
    assert answer.status_code == 302, _main(answer)
    again = client.get(answer.location).get_data(as_text=True)
    assert "仍在处理中" in again, "the refusal is shown above the form"
    assert _keys(_the_form(again, form.action)[1]) == [key]
    [later] = _keys(_the_form(client.get(answer.location).get_data(as_text=True), form.action)[1])
    assert later != key, "the page read again is a new form"


# pages with sibling forms of one action: (the form of the table, its page's reads with two of
# them, the hidden field that tells them apart, the page's two values of it)
SIBLINGS = [
    (next(form for form in FORMS if form.action == "/accounts/arrears/reminders"),
     {rf"{EST}/arrears": _list(*({"household_id": household, "building": "3", "unit": "1", "room": room,
                                  "overdue_cents": 100, "bills": 1, "age_days": 40,
                                  "oldest_due_at": "2026-10-01T00:00:00Z"}
                                 for household, room in (("hh_1", "1202"), ("hh_2", "1203"))))},
     "household_id", ("hh_1", "hh_2")),
    (Form("/api/v1/estates/{estate_id}/exports", "/accounts/bills", "/exports/", data={"format": "csv"}),
     {}, "resource", ("bills", "payments")),
    (next(form for form in FORMS if form.action == "/security/rounds/rd_1/check-ins"),
     {rf"{EST}/patrol-rounds/rd_1": {**ROUND, "checkpoints": [{"code": "E1", "name": "East gate"},
                                                             {"code": "W2", "name": "West gate"}]}},
     "checkpoint", ("E1", "W2")),
]


@pytest.mark.parametrize("form, reads, field_name, values", SIBLINGS,
                         ids=[f"{form.page} {field_name}" for form, _, field_name, _ in SIBLINGS])
def test_a_form_refused_gives_its_key_back_to_itself_not_to_its_siblings(client, fake, form, reads, field_name,
                                                                         values):
    """A page with several forms of one action (a reminder per flat, an export per list, a check-in
    per checkpoint): the one refused comes back with its key, each other one with a key of its own
    (the same key on another's form would be refused as used with another body)."""
    form = Form(**{**form.__dict__, "reads": {**form.reads, **reads},  # each sends its own hidden field
                   "data": {name: value for name, value in form.data.items() if name != field_name}})
    page = _open(client, fake, form)
    siblings = {_hidden(inner)[field_name]: (action, inner) for action, inner in _forms_on(page)
                if action.split("?")[0] == form.action}
    assert set(siblings) == set(values)
    action, inner = siblings[values[1]]
    [key] = _keys(inner)
    fake.on("POST", re.escape(form.path_called),
            problem(409, "still being processed", "a request with this Idempotency-Key is still being processed"))
    answer = _send(client, form, action, inner, key)
    assert answer.status_code == 302, _main(answer)
    again = {_hidden(inner)[field_name]: _keys(inner) for action, inner in
             _forms_on(client.get(answer.location).get_data(as_text=True)) if action.split("?")[0] == form.action}
    assert again[values[1]] == [key]
    assert again[values[0]] != [key] and again[values[0]][0]


@pytest.mark.parametrize("form", [form for form in ALL_FORMS if not form.shown_again], ids=_name)
def test_a_refusal_kept_for_the_page_holds_no_value_typed_into_the_form(client, fake, form):
    """What ``show_problem`` keeps in the session cookie with a refusal, to give the form its key
    back, holds none of the values typed into it: a reminder's note, a check-in's anomaly or a
    survey's comment may name an owner's phone or ID card number, which never rides in a cookie
    (each value of 100 characters or fewer was kept as typed: review)."""
    action, inner = _the_form(_open(client, fake, form), form.action)
    [key] = _keys(inner)
    fake.on("POST", re.escape(form.path_called),
            problem(409, "still being processed", "a request with this Idempotency-Key is still being processed"))
    personal = {"note": "业主电话 13912345678", "anomaly": "身份证 110105194912310021", "comment": "13912345678"}
    answer = client.post(action, data={**_hidden(inner), **form.data, **personal, "idempotency_key": key,
                                        **({"file": (io.BytesIO(b"building\n"), "h.csv")} if "file" in form.data
                                           else {})}, content_type="multipart/form-data")
    assert answer.status_code == 302, _main(answer)
    with client.session_transaction() as session:
        kept = repr(session["problem"])
    assert "13912345678" not in kept and "110105194912310021" not in kept
    assert key in kept, "the key goes with the refusal"
    again = client.get(answer.location).get_data(as_text=True)
    assert _keys(_the_form(again, form.action)[1]) == [key]


def _replayed(body):
    """The gateway's answer to a key sent before with the same body: the first result again."""
    answer = FakeResponse(201, body)
    answer.headers["Idempotent-Replayed"] = "true"
    return answer


def test_a_form_sent_again_under_its_first_key_is_shown_the_first_record_and_told_nothing_was_made_twice(
        client, fake):
    """A form gone back to and sent again as it was goes with the key of its first sending
    (console.js's sentBefore; the browser test ``back_then_send`` drives it in Chromium): the
    gateway answers the first request again, and the page it leads to says so, where it read
    "registered" as if a second one had been."""
    sign_in(client, fake)
    fake.on("POST", rf"{EST}/service-requests", lambda body, params: _replayed({**MADE, "id": "sr_1"}))
    fake.on("GET", rf"{EST}/service-requests/sr_1", {**REPAIR_DONE, "history": []})
    answer = client.post("/desk/requests", data={"csrf_token": csrf_of(client), "idempotency_key": "k-first",
                                                 "kind": "consultation", "household_id": "hh_1", "channel": "phone",
                                                 "description": "parking"})
    assert answer.status_code == 302 and answer.location.endswith("/desk/requests/sr_1")
    page = client.get(answer.location).get_data(as_text=True)
    assert "没有重复登记" in page
    # the same form's first sending (no replay) says only what it made
    fake.on("POST", rf"{EST}/service-requests", {**MADE, "id": "sr_1"}, status=201)
    answer = client.post("/desk/requests", data={"csrf_token": csrf_of(client), "idempotency_key": "k-other",
                                                 "kind": "consultation", "household_id": "hh_1", "channel": "phone",
                                                 "description": "parking"})
    assert "没有重复登记" not in client.get(answer.location).get_data(as_text=True)


def test_the_gates_entry_and_exit_are_sent_anew_when_gone_back_to_and_no_other_form_is(client, fake):
    """The same plate enters and leaves again on another visit: the gate's two forms are marked
    data-new-each-time (console.js sends them with their own key always, and the gate's state
    refuses an exit of a car that left); a register's new-row form sent again is the first."""
    sign_in(client, fake, roles=("security",))
    fake.on("GET", rf"{EST}/parking-sessions", _list())
    fake.on("GET", rf"{EST}/incidents", _list())
    gate = client.get("/security/parking-sessions").get_data(as_text=True)
    marked = [action for action, inner in _forms_on(gate) if "idempotency_key" in inner]
    assert len(re.findall(r"<form[^>]*forms/\d+\"[^>]*data-new-each-time", gate)) == 2, marked
    incidents = client.get("/security/incidents").get_data(as_text=True)
    assert "data-new-each-time" not in incidents and "idempotency_key" in incidents
