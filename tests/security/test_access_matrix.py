"""The access matrix, generated from contracts/openapi.yaml and held against the policy table
(``gateway.access.policy_table``) on the running system:

(a) function level: every operation once per role, as a user of estate A with that role alone
    (on A's objects). A role the table does not name must get 403 (for ``GET /jobs/{id}``: 404
    unless the job's kind lets the role read it, ``estate_common.job_scopes``); a role it names
    must not be refused (no 401/403).
(b) objects (BOLA): every operation with an id, as a user of estate A holding every role but
    operator admin, against estate B's real objects, made through the API: on B's paths and on
    A's paths with B's ids. Anything but 403 or 404 fails.

An operation without a policy entry fails (a), so a route added later must be given its roles.
Bodies: ``{}`` for (a) (the role check comes before the body is read; a granted role gets a 400
at most, so (a) writes almost nothing), a valid sample for (b), so that the answer is about the
object and not the body.
"""
import copy
import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jwt
import pytest
import requests

from estate_common import contracts, job_scopes
from estate_common.testing import load_file
from gateway import access, policy
from gateway.routes import ROUTES

pytestmark = [pytest.mark.e2e, pytest.mark.broker]

ROOT = Path(__file__).resolve().parents[2]


flows = load_file(ROOT / "tests" / "e2e" / "flows.py", "security_flows")
samples = load_file(ROOT / "gateway" / "tests" / "samples.py", "security_samples")

OPENAPI = contracts.load().openapi
HTTP_METHODS = ("get", "post", "put", "patch", "delete")
OPERATIONS = sorted((method.upper(), path) for path, item in OPENAPI["paths"].items()
                    for method in item if method in HTTP_METHODS and item[method].get("security") != [])
JOB = "/api/v1/jobs/{job_id}"
NON_ADMIN_ROLES = [role for role in policy.ROLES if role != "operator_admin"]
# a role an account holds only with another (工程维修主管 with technician: users.refuse_a_supervisor_without_technician);
# its user holds both, and is granted what either is (review r5)
HELD_WITH = {"maintenance_supervisor": ["technician"], "security_lead": ["security"],
             "security_supervisor": ["security"]}


def account_roles(role):
    return [role, *HELD_WITH.get(role, [])]


def granted(role, roles):
    """Whether the user made for ``role`` (``account_roles``) holds one of ``roles``."""
    return bool(set(account_roles(role)) & set(roles))
PERIOD = time.strftime("%Y-%m", time.gmtime(time.time() + 8 * 3600))  # this month, estate time
_ROUTE = {(route.method, access.openapi_path(route.path)): route for route in ROUTES}


def params_of(path):
    return re.findall(r"{([^}]+)}", path)


def fill(path, ids):
    """``path`` with each parameter from ``ids`` (by name; ``key_id`` of API keys apart)."""
    def value(match):
        name = match.group(1)
        if name == "key_id" and path.startswith("/api/v1/api-keys"):
            name = "api_key_id"
        return ids.get(name) or f"{name.removesuffix('_id')}_0000"
    return re.sub(r"{([^}]+)}", value, path)


def _replace(value, swaps):
    if isinstance(value, dict):
        return {k: _replace(v, swaps) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace(v, swaps) for v in value]
    return swaps.get(value, value) if isinstance(value, str) else value


_local = threading.local()
_pool = ThreadPoolExecutor(max_workers=len(policy.ROLES), thread_name_prefix="matrix")


def send(api, method, path, token, body=None, headers=None):
    """One request, asked again (at most twice) after a 503, which means a service did not answer
    within the system's RPC_TIMEOUT (2 s) on a loaded machine, or after a kept-alive connection the
    gateway closed meanwhile (``keepalive`` 5 s): neither says anything about access."""
    if not hasattr(_local, "session"):
        _local.session = requests.Session()  # one per thread: a Session is not thread-safe
    headers = {**({"Authorization": f"Bearer {token}"} if token else {}), **(headers or {})}
    for attempt in range(3):
        try:
            answer = _local.session.request(method, api.base_url + path, json=body, timeout=30, headers=headers)
        except requests.ConnectionError:
            if attempt == 2:
                raise
            continue
        if answer.status_code != 503:
            break
        time.sleep(0.5)
    return answer


def send_as_each(api, method, path, tokens, body=None):
    """``{role: answer}``: one request per role, at once (the gateway serves them in threads)."""
    futures = {role: _pool.submit(send, api, method, path, token, body) for role, token in tokens.items()}
    return {role: future.result() for role, future in futures.items()}


# -- the world: estates A and B, B's objects, a user per role in A ---------------------------

class World:
    def __init__(self, api, admin):
        self.api, self.admin = api, admin
        self.a, self.b = self._estate("Matrix A"), self._estate("Matrix B")
        # the users in threads while B's objects are made (password hashing is most of their cost)
        users = {role: _pool.submit(self.new_user, account_roles(role), [self.a]) for role in NON_ADMIN_ROLES}
        users["operator_admin"] = _pool.submit(self.new_user, ["operator_admin"], [])
        nosy = _pool.submit(self.new_user, NON_ADMIN_ROLES, [self.a])  # every role, estate A only
        self.a_ids = {"estate_id": self.a, "job_id": self._billing_run(self.a), "period": PERIOD}
        self.b_ids = self._objects_of_b()
        self.role_tokens = {role: future.result()[1] for role, future in users.items()}
        self.role_users = {role: future.result()[0] for role, future in users.items()}
        self.nosy = nosy.result()[1]

    def fresh_tokens(self):
        """Another token of each role's user: for the sign-out, which ends the token it is sent with."""
        return {role: self.sign_in(username) for role, username in self.role_users.items()}

    def new_user(self, roles, estate_ids):
        """``(username, token)``, as ``flows.new_user`` but callable from several threads at once."""
        username = f"m{uuid.uuid4().hex[:10]}"
        made = send(self.api, "POST", "/api/v1/users", self.admin, {
            "username": username, "password": flows.STAFF_PASSWORD, "roles": roles, "estate_ids": estate_ids},
            headers={"Idempotency-Key": username})
        assert made.status_code == 201, made.text
        return username, self.sign_in(username)

    def sign_in(self, username):
        for _ in range(50):  # at most LOGIN_MAX_CONCURRENT_HASHES sign-ins at once; the others get 429
            answer = send(self.api, "POST", "/api/v1/auth/token", None,
                          {"username": username, "password": flows.STAFF_PASSWORD})
            if answer.status_code != 429:
                break
            time.sleep(0.2)
        assert answer.status_code == 200, answer.text
        return answer.json()["access_token"]

    def post(self, path, body, ok=(200, 201, 202)):
        """A create as the admin; with an Idempotency-Key, so that asking again after a 503 makes one."""
        answer = send(self.api, "POST", path, self.admin, body, headers={"Idempotency-Key": uuid.uuid4().hex})
        assert answer.status_code in ok, f"POST {path}: {answer.status_code} {answer.text}"
        return answer.json()

    def _estate(self, name):
        return self.post("/api/v1/estates", {"code": "SEC-" + uuid.uuid4().hex[:6].upper(), "name": name,
                                             "address": "1 Matrix Rd"})["id"]

    def _billing_run(self, estate):
        base = f"/api/v1/estates/{estate}"
        standard = self.post(f"{base}/fee-standards", {"item": "property_service", "unit_price_cents_per_m2": 235,
                                                       "cycle": "monthly", "valid_from": "2026-01"})["id"]
        self.post(f"{base}/fee-standards/{standard}/approve", None, ok=(200, 409))  # 409: approved by a retry
        return self.post(f"{base}/billing-runs", {"period": PERIOD})["id"]  # a run's id is its job's

    def _sample(self, method, path, swaps):
        return _replace(copy.deepcopy(samples.example_body(_ROUTE[(method, path)])), swaps)

    def _objects_of_b(self):
        b, base = self.b, f"/api/v1/estates/{self.b}"
        # a webhook first, so that the household's event makes it a delivery (nothing listens on
        # port 9: its attempts fail and are retried, which changes nothing here)
        webhook = self.post(f"{base}/webhooks", {"url": "http://127.0.0.1:9/matrix",
                                                 "events": ["archive.household_created"]})["id"]
        household = self.post(f"{base}/households", {"building": "5", "unit": "1", "room": "1801", "area_m2": 89.37,
                                                     "owner": {"name": "陈小明", "phone": flows.PHONE}})["id"]
        # made here, early, so that customer-service has its copy when its renovation is filed below
        neighbour = self.post(f"{base}/households", {"building": "5", "unit": "1", "room": "1802", "area_m2": 90.5,
                                                     "owner": {"name": "陈小红", "phone": flows.PHONE}})["id"]
        ids = {"estate_id": b, "household_id": household, "period": PERIOD, "incident_type": "flooding",
               "n": "1"}  # a rectification plan's first action
        ids["run_id"] = ids["job_id"] = self._billing_run(b)
        ids["standard_id"] = self.post(f"{base}/fee-standards", {"item": "property_service", "unit_price_cents_per_m2": 1,
                                                                 "cycle": "monthly", "valid_from": "2026-01"})["id"]
        ids["occupant_id"] = self.post(f"{base}/households/{household}/occupants",
                                       {"name": "王五", "relation": "tenant"})["id"]
        swaps = {"hh_1": household}
        made = {
            "survey_id": "/surveys", "key_id": "/keys", "item_id": "/custody-items", "loan_id": "/tool-loans",
            "application_id": "/applications", "equipment_id": "/equipment", "incident_id": "/incidents",
            "borrow_id": "/archive/borrow-requests", "check_id": "/fire-lane-checks",
            "plan_id": "/complaint-rectifications", "fire_equipment_id": "/fire-equipment",
            "pass_id": "/vehicle-passes", "visitor_id": "/visitors", "contact_id": "/owner-contacts",
        }
        for name, tail in made.items():
            ids[name] = self.post(base + tail, self._sample("POST", "/api/v1/estates/{estate_id}" + tail, swaps))["id"]
        ids["claim_id"] = self.post(f"{base}/damage-claims", {  # 损失登记, B's flood's losses
            "source": {"type": "incident", "id": ids["incident_id"]},
            "households": [{"household_id": household, "losses": [{"item": "ceiling", "amount_cents": 320000}]}]})["id"]
        # to the whole estate: the sample's building is no building of B's households
        ids["notice_id"] = self.post(f"{base}/notices", {"title": "停水通知", "body": "周二 9:00–12:00 停水"})["id"]
        # 社区文化活动 (h7): an activity of B's and a household's sign-up to it
        ids["activity_id"] = self.post(f"{base}/activities", self._sample(
            "POST", "/api/v1/estates/{estate_id}/activities", swaps))["id"]
        ids["signup_id"] = flows.eventually(lambda: (lambda a: a.json()["signup"]["id"] if a.status_code == 200 else None)(
            send(self.api, "POST", f"{base}/activities/{ids['activity_id']}/signups", self.admin,
                 {"household_id": household, "people": 1}, headers={"Idempotency-Key": uuid.uuid4().hex})), seconds=60)
        swaps["eq_1"] = ids["equipment_id"]
        ids["checklist_id"] = self.post(f"{base}/checklists",
                                        self._sample("POST", "/api/v1/estates/{estate_id}/checklists", swaps))["id"]
        swaps["ckl_1"] = ids["checklist_id"]
        ids["inspection_id"] = self.post(f"{base}/inspections",
                                         self._sample("POST", "/api/v1/estates/{estate_id}/inspections", swaps))["id"]
        renovation = self._sample("POST", "/api/v1/estates/{estate_id}/applications", swaps)
        # engineering reviews it; the neighbour's (a household has one renovation under way)
        self.post(f"{base}/applications", {**renovation, "household_id": neighbour, "structural_change": True})
        route = self.post(f"{base}/patrol-routes", self._sample("POST", "/api/v1/estates/{estate_id}/patrol-routes",
                                                                 swaps))["id"]
        swaps["proute_1"] = route
        # the round, the roster and a handover name guards of B (active security users: assignees.py)
        guard, relief = self.new_user(["security"], [b])[0], self.new_user(["security"], [b])[0]
        self.b_guards = {"zhao": guard, "Zhao": guard, "qian": relief}
        swaps.update(self.b_guards)
        ids["round_id"] = self.post(f"{base}/patrol-rounds",
                                    self._sample("POST", "/api/v1/estates/{estate_id}/patrol-rounds", swaps))["id"]
        ids["assignment_id"] = self.post(f"{base}/duty-roster",
                                         self._sample("POST", "/api/v1/estates/{estate_id}/duty-roster", swaps))["id"]
        ids["handover_id"] = self.post(f"{base}/shift-handovers",
                                       self._sample("POST", "/api/v1/estates/{estate_id}/shift-handovers", swaps))["id"]
        # the security team's month (h3): zhao on today's day shift, begun at midnight so its roll call is
        # open whenever the matrix runs; his roll call, a spot check, a fault, a training, last month assessed
        shift_from_midnight = send(self.api, "PUT", f"{base}/settings/security-patrol", self.admin,
                                   {"day_shift_start_hour": 0})
        assert shift_from_midnight.status_code == 200, shift_from_midnight.text
        today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))  # estate time
        self.post(f"{base}/duty-roster", {"date": today, "shift": "day", "post": "gate", "guard": guard})
        ids["roll_call_id"] = self.post(f"{base}/roll-calls", {"date": today, "shift": "day", "entries": [
            {"guard": guard, "status": "present"}]})["id"]
        ids["spot_check_id"] = self.post(f"{base}/post-spot-checks", {"date": today, "shift": "day", "post": "gate",
                                                                       "manned": True, "guard": guard})["id"]
        ids["discipline_record_id"] = self.post(f"{base}/discipline-records", {
            "guard": guard, "kind": "appearance", "description": "未佩戴工牌"})["id"]
        ids["training_id"] = self.post(f"{base}/trainings", {
            "topic": "消防器材使用", "kind": "regular", "attendees": [guard],
            "held_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))})["id"]
        year, month = map(int, PERIOD.split("-"))
        last_month = f"{year - (month == 1)}-{(month - 2) % 12 + 1:02d}"
        ids["assessment_id"] = self.post(f"{base}/guard-assessments", {"guard": guard, "period": last_month})["id"]
        # a car inside: its stay, which a manager closes without its fee (a missed exit)
        ids["session_id"] = self.post(f"{base}/vehicle-entries", {"plate": "浙B" + uuid.uuid4().hex[:5].upper()})["id"]
        ids["payment_id"] = self.post(f"{base}/payments", {"household_id": household, "amount_cents": 100,
                                                           "method": "cash"})["id"]
        ids["move_id"] = self.post(f"{base}/utilities/top-ups", {"household_id": household, "utility": "water",
                                                                  "amount_cents": 1000, "method": "cash"})["id"]
        ids["account_id"] = self._first(f"{base}/utilities/accounts")  # the top-up's account
        ids["request_id"] = self._register(base, household)
        ids["resource"], ids["key"] = "household", "matrix_note"  # a custom field of B's households
        self.post(f"{base}/custom-fields", {"resource": "household", "key": "matrix_note", "type": "text",
                                            "label": {"zh": "备注", "en": "Note"}})
        ids["user_id"] = self.new_user(["agent"], [b])[0]
        ids["api_key_id"] = self.post("/api/v1/api-keys", {"name": "b's key", "roles": ["agent"],
                                                           "estate_ids": [b]})["id"]
        # made by the services from events: found through B's lists once they arrive
        ids["work_order_id"] = self._first(f"{base}/work-orders?request_id={ids['request_id']}")
        ids["bill_id"] = self._first(f"{base}/bills")
        ids["review_id"] = self._first(f"{base}/renovation-reviews")
        ids["record_id"] = self._first(f"{base}/archive/records")
        ids["webhook_id"] = webhook
        ids["delivery_id"] = self._first(f"{base}/webhooks/{webhook}/deliveries")
        self.post(f"{base}/renovation-reviews/{ids['review_id']}/decide", {"decision": "approved", "notes": "ok"})
        ids["deposit_id"] = self._first(f"{base}/deposits")  # the approved renovation's deposit
        ids["invoice_id"] = self.post(f"{base}/payments/{ids['payment_id']}/invoices", {"buyer_name": "陈小明"})["id"]
        ids["entry_id"] = self.post(f"{base}/maintenance-fund/uses", {"amount_cents": 100, "purpose": "lift rope"})["id"]
        ids["expense_id"] = self.post(f"{base}/operating-expenses", {"period": PERIOD, "category": "cleaning",
                                                                     "amount_cents": 100, "description": "mops"})["id"]
        ids["contract_id"] = self.post(f"{base}/public-revenue/contracts", {  # 公共收益: a lift's advertising
            "kind": "advertising", "counterparty": "分众传媒有限公司", "location": "1号楼电梯", "starts_on": "2026-01-01",
            "ends_on": "2026-12-31", "amount_cents": 100})["id"]
        ids["receipt_id"] = self.post(f"{base}/public-revenue/contracts/{ids['contract_id']}/receipts",
                                      {"amount_cents": 100, "method": "cash"})["id"]  # its reversal's path
        # 环境卫生 / 绿化养护品质检查: B's cleaning contractor and a fault of its found on the walk (h6)
        ids["contractor_id"] = self.post(f"{base}/contractors", {"name": "洁美保洁", "service_line": "cleaning",
                                                                 "monthly_fee_cents": 3000000})["id"]
        ids["finding_id"] = self.post(f"{base}/upkeep-findings", {"contractor_id": ids["contractor_id"],
                                                                  "area": "5号楼 楼道", "description": "楼道未拖"})["id"]
        # 有偿增值服务: B's price list and an order of it a week ahead (h8)
        ids["service_id"] = self.post(f"{base}/paid-services", {"name": "深度保洁", "unit": "hour",
                                                                "price_cents": 6000})["id"]
        ids["order_id"] = self.post(f"{base}/service-orders", {
            "household_id": household, "service_id": ids["service_id"], "start": "09:00", "quantity": 3,
            "day": time.strftime("%Y-%m-%d", time.gmtime(time.time() + 7 * 86400))})["id"]
        ids["part_id"] = self.post(f"{base}/parts", {"code": "TAP-1", "name": "水龙头", "unit": "piece"})["id"]  # 备品备件
        # 代收代缴: B's gas company, money collected for it (h6)
        ids["payee_id"] = self.post(f"{base}/pass-through/payees", {"name": "华润燃气", "service": "gas"})["id"]
        ids["collection_id"] = self.post(f"{base}/pass-through/collections", {  # its reversal's path (h4)
            "payee_id": ids["payee_id"], "household_id": household, "amount_cents": 100, "method": "cash"})["id"]
        ids["route_id"] = route
        ids["record_id"] = self.post(f"{base}/equipment/{ids['equipment_id']}/records", self._sample(
            "POST", "/api/v1/estates/{estate_id}/equipment/{equipment_id}/records", swaps))["id"]
        held = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 3600))  # recorded within days
        ids["drill_id"] = self.post(f"{base}/fire-drills", {"held_at": held, "scenario": "kitchen fire",
                                                            "location": "Building 5", "participants": 12,
                                                            "led_by": "Zhao"})["id"]
        ids["suspension_id"] = self.post(f"{base}/patrol-suspensions", {  # 停巡, a manager's (the admin's here)
            "from": held, "to": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600)),
            "reason": "typhoon signal 8"})["id"]
        ids["alert_id"] = self.post(f"{base}/emergency-alerts", {  # 预警响应, one typhoon alert of B's
            "kind": "typhoon", "level": "blue", "issued_at": held})["id"]
        today = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 8 * 3600))  # estate time, as PERIOD
        ids["reading_id"] = self.post(f"{base}/households/{household}/meter-readings", {
            "occasion": "handover", "meter_kind": "water", "meter_number": "W-1", "reading": 12.5,
            "read_on": today})["id"]
        # a seller's prepaid money is held only for payments taken on a day before a sale's, which a live
        # world made today cannot have (no payment is back-dated, no sale is dated ahead): B's path is
        # still refused to A's staff (403), and A's path with this id answers 404 as with any of B's
        ids["hold_id"] = "sph_" + uuid.uuid4().hex[:12]
        # a line of B's bank statement (银行对账) comes of an uploaded file, read back through the month's
        # matching: as the hold's, B's path is refused to A's staff (403), A's path with it answers 404
        ids["line_id"] = "bsl_" + uuid.uuid4().hex[:12]
        # a cashier of B settles his own day (日清), empty: the admin's would close the admin's day
        cashier, token = self.new_user(["cashier"], [b])
        settled = send(self.api, "POST", f"{base}/journals/settlements", token, {"date": today, "cashier": cashier},
                       headers={"Idempotency-Key": uuid.uuid4().hex})
        assert settled.status_code == 201, settled.text
        ids["settlement_id"] = settled.json()["id"]
        return ids

    def _register(self, base, household):
        """A repair request, once customer-service has its copy of the household (422 until then)."""
        body = {"kind": "repair", "household_id": household, "channel": "phone", "description": "pipe burst"}
        answer = flows.eventually(lambda: (lambda a: a if a.status_code != 422 else None)(
            send(self.api, "POST", f"{base}/service-requests", self.admin, body,
                 headers={"Idempotency-Key": f"matrix-{household}"})), seconds=60)
        assert answer.status_code == 201, answer.text
        return answer.json()["id"]

    def _first(self, path):
        """The first item of a list, once the events that make it have arrived."""
        return flows.eventually(lambda: (send(self.api, "GET", path, self.admin).json()["items"] or [{}])[0]
                                .get("id"), seconds=60)


@pytest.fixture(scope="module")
def world(api, admin):
    return World(api, admin)


def test_the_world_has_every_object_of_estate_b(world):
    """(b) is only as good as B's ids are real: every path parameter of the contract has one."""
    names = {name for _, path in OPERATIONS for name in params_of(path)} | {"api_key_id"}
    assert names - set(world.b_ids) == set()


def test_every_operation_has_a_policy_entry():
    table = access.policy_table()
    assert [op for op in OPERATIONS if op not in table] == []


# -- (a) every role against every operation ------------------------------------------------

@pytest.mark.parametrize("method, path", OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_role_gets_exactly_what_the_policy_table_grants(world, api, method, path):
    roles = access.policy_table().get((method, path))
    assert roles, f"{method} {path} has no entry in the policy table (gateway/gateway/policy.py or routes/)"
    target = fill(path, world.a_ids)
    body = {} if method in ("POST", "PUT", "PATCH") else None
    wrong = []
    # signing out ends the token it is sent with: the others' tests need theirs
    tokens = world.fresh_tokens() if (method, path) == ("DELETE", "/api/v1/auth/token") else world.role_tokens
    for role, answer in send_as_each(api, method, target, tokens, body).items():
        status = answer.status_code
        if path == JOB:  # a staff route; then the job's kind (a billing run here) decides
            expected = 200 if granted(role, job_scopes.readers(job_scopes.BILLING_RUN)) else 404
            if status != expected:
                wrong.append(f"{role}: {status}, expected {expected}")
        elif (method, path) in policy.KEY_ONLY:  # an API key's own record: every person is refused
            if status != 403:
                wrong.append(f"{role}: {status}, expected 403 (only a key calls it)")
        elif not granted(role, roles):
            if status != 403:
                wrong.append(f"{role} is not in the table but got {status}: {answer.text[:200]}")
        elif status in (401, 403):
            wrong.append(f"{role} is in the table but was refused ({status}): {answer.text[:200]}")
    assert wrong == [], f"{method} {path}"


# -- (b) a user of estate A against estate B's objects ---------------------------------------

def _valid_body(world, method, path):
    route = _ROUTE.get((method, path))
    if method not in ("POST", "PUT", "PATCH"):
        return None
    if route is None or not route.body:
        return {}
    swaps = {"hh_1": world.b_ids["household_id"], "eq_1": world.b_ids["equipment_id"], **world.b_guards}
    try:
        return _replace(copy.deepcopy(samples.example_body(route)), swaps)
    except KeyError:
        return {}


ESTATE_OPERATIONS = [op for op in OPERATIONS if "{estate_id}" in op[1]]
# path parameters that name no object: a month, an incident type (the estate's plan for it)
OBJECT_OPERATIONS = [op for op in OPERATIONS if set(params_of(op[1])) - {"estate_id", "period", "incident_type"}]


@pytest.mark.parametrize("method, path", ESTATE_OPERATIONS, ids=[f"{m} {p}" for m, p in ESTATE_OPERATIONS])
def test_a_user_of_estate_a_reaches_nothing_of_estate_b(world, api, method, path):
    answer = send(api, method, fill(path, world.b_ids), world.nosy, _valid_body(world, method, path))
    assert answer.status_code == 403, answer.text[:300]


@pytest.mark.parametrize("method, path", OBJECT_OPERATIONS, ids=[f"{m} {p}" for m, p in OBJECT_OPERATIONS])
def test_estate_b_ids_on_estate_a_paths_are_not_found(world, api, method, path):
    ids = {**world.b_ids, "estate_id": world.a}  # A's path, B's objects
    answer = send(api, method, fill(path, ids), world.nosy, _valid_body(world, method, path))
    assert answer.status_code in (403, 404), answer.text[:300]


def test_a_user_of_estate_a_lists_only_estate_a(world, api):
    estates = api.get("/api/v1/estates?limit=200", world.nosy).json()["items"]
    assert [e["id"] for e in estates] == [world.a]
    kpis = api.get(f"/api/v1/kpis?period={PERIOD}", world.nosy).json()
    assert [row["estate_id"] for row in kpis["estates"]] == [world.a]
    year = PERIOD[:4]  # 跨小区投诉分析: the estates of the caller's, as the KPI view's
    complaints = api.get(f"/api/v1/reports/complaints?period={year}", world.nosy).json()
    assert [row["estate"]["id"] for row in complaints["estates"]] == [world.a]
    carried = api.get(f"/api/v1/reports/arrears-carried-out?period={year}", world.nosy).json()
    assert [row["estate"]["id"] for row in carried["estates"]] == [world.a]


# -- forged and revoked credentials on the running system -----------------------------------

def _forged(secret, user):
    now = int(time.time())
    claims = {"iss": "estate-ops", "sub": user, "roles": ["operator_admin"], "estates": ["*"], "cv": 0,
              "iat": now, "exp": now + 600, "jti": uuid.uuid4().hex}
    return jwt.encode(claims, secret, algorithm="HS256")


def test_forged_admin_tokens_are_401(system, world, api):
    for token in (_forged(system.env["JWT_SECRET"], "ghost-admin"),  # the real key leaked, no such user
                  _forged("a-published-secret-that-is-long-enough!", "admin")):  # the wrong key
        for method, path in (("GET", "/api/v1/users"), ("GET", f"/api/v1/estates/{world.b}/households")):
            assert send(api, method, path, token).status_code == 401


def test_an_api_key_is_held_to_its_scope_and_dies_when_revoked(world, api, admin):
    made = api.post("/api/v1/api-keys", {"name": "matrix", "roles": ["agent"], "estate_ids": [world.a]}, admin)
    assert made.status_code == 201, made.text
    key = {"X-API-Key": made.json()["key"]}
    assert api.get(f"/api/v1/estates/{world.a}/service-requests", headers=key).status_code == 200
    assert api.get(f"/api/v1/estates/{world.b}/service-requests", headers=key).status_code == 403
    assert api.get(f"/api/v1/estates/{world.a}/settings/customer-service", headers=key).status_code == 403
    assert api.get("/api/v1/api-keys", headers=key).status_code == 403
    assert api.call("DELETE", f"/api/v1/api-keys/{made.json()['id']}", admin).status_code == 200
    assert api.get(f"/api/v1/estates/{world.a}/service-requests", headers=key).status_code == 401
    listed = api.get("/api/v1/api-keys?limit=200", admin).json()["items"]
    mine = next(item for item in listed if item["id"] == made.json()["id"])
    assert mine["revoked"] and mine["last_used_at"] is not None and "key" not in mine


# -- the public routes (the owner portal): no token, never a 401 or 403 ------------------------

PUBLIC_OPERATIONS = sorted((method.upper(), path) for path, item in OPENAPI["paths"].items()
                           for method in item if method in HTTP_METHODS and item[method].get("security") == []
                           and path.startswith("/api/v1/public/"))


def test_the_public_routes_are_public_in_the_policy_and_answer_without_a_token(world, api):
    assert {(m, access.openapi_path(r)) for m, r in policy.PUBLIC_ROUTES} >= set(PUBLIC_OPERATIONS)
    assert not set(PUBLIC_OPERATIONS) & set(access.policy_table())
    code = send(api, "GET", f"/api/v1/estates/{world.a}", world.admin).json()["code"]
    body = {"kind": "suggestion", "building": "9", "unit": "9", "room": "909", "contact_phone": flows.PHONE,
            "description": "more benches by the pond"}
    filed = send(api, "POST", f"/api/v1/public/estates/{code}/requests", None, body)
    assert filed.status_code == 201, filed.text
    tracking = filed.json()["tracking_code"]
    answers = {
        ("GET", "/api/v1/public/estates/{estate_code}"): send(api, "GET", f"/api/v1/public/estates/{code}",
                                                              None).status_code,
        ("POST", "/api/v1/public/estates/{estate_code}/requests"): filed.status_code,
        ("GET", "/api/v1/public/requests/{tracking_code}"):
            send(api, "GET", f"/api/v1/public/requests/{tracking}", None).status_code,
        ("POST", "/api/v1/public/requests/{tracking_code}/rating"):  # not answered yet: 409
            send(api, "POST", f"/api/v1/public/requests/{tracking}/rating", None, {"satisfaction": 5}).status_code,
        ("GET", "/api/v1/public/estates/{estate_code}/disclosures/{period}"):  # nothing published: 404
            send(api, "GET", f"/api/v1/public/estates/{code}/disclosures/2026-10", None).status_code,
        ("GET", "/api/v1/public/estates/{estate_code}/notices"):  # the notice board
            send(api, "GET", f"/api/v1/public/estates/{code}/notices?building=9", None).status_code,
        ("GET", "/api/v1/public/estates/{estate_code}/disclosures"):  # the published ones: none yet
            send(api, "GET", f"/api/v1/public/estates/{code}/disclosures", None).status_code,
        ("GET", "/api/v1/public/accounts/{access_code}"):  # an owner's statement link of no household: 404
            send(api, "GET", f"/api/v1/public/accounts/{code}." + "a" * 32, None).status_code,
        ("GET", "/api/v1/public/estates/{estate_code}/fee-standards"):  # the fee standards published (收费标准公示)
            send(api, "GET", f"/api/v1/public/estates/{code}/fee-standards", None).status_code,
        ("GET", "/api/v1/public/estates/{estate_code}/activities"):  # 社区文化活动 to come (h7)
            send(api, "GET", f"/api/v1/public/estates/{code}/activities", None).status_code,
    }
    assert set(answers) == set(PUBLIC_OPERATIONS)
    assert list(answers.values()) == [200, 201, 200, 409, 404, 200, 200, 404, 200, 200]
    # a staff token changes nothing on them, and another estate's code is just not found
    assert send(api, "GET", f"/api/v1/public/requests/{tracking}", world.role_tokens["agent"]).status_code == 200
    assert send(api, "GET", "/api/v1/public/requests/NO-SUCH-1." + "a" * 32, None).status_code == 404


# -- archive records: which kind each role reads directly (estate_common.archive_access) -------

SUBJECT_TYPES = OPENAPI["components"]["schemas"]["SubjectType"]["enum"]


@pytest.mark.parametrize("subject_type", SUBJECT_TYPES)
def test_each_role_reads_directly_exactly_the_record_kinds_the_archive_table_grants(world, api, subject_type):
    """A role the table names for a kind lists its records; any other gets 403 (it borrows them)."""
    from estate_common import archive_access
    readers = archive_access.direct_roles(subject_type)
    path = f"/api/v1/estates/{world.a}/archive/records?subject_type={subject_type}"
    wrong = []
    for role, answer in send_as_each(api, "GET", path, world.role_tokens).items():
        expected = 200 if granted(role, readers) else 403
        if answer.status_code != expected:
            wrong.append(f"{role}: {answer.status_code}, expected {expected}: {answer.text[:200]}")
    assert wrong == [], subject_type
