"""What each register screen lists, asks and offers, in the words of contracts/openapi.yaml.

``path`` is the collection under /api/v1/estates/{id}/; a ``Field``'s name is the body's (or the
query's) name; an ``Action`` posts to ``{path}/{item id}/{name}``. ``when`` only decides where a
button is shown (the row's status as the API reports it): the API still decides what is allowed.
Labels are message keys; ``group`` names the label group of an enum's values.
"""
from dataclasses import dataclass
from datetime import datetime, timezone

from .. import i18n, menu, permissions


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text, textarea, int, bool, choice, household, pick, moment, date, month, lines, money, checkpoints,
    # picks (several rows of a pick's source, each ticked: none ticked sends none),
    # user (a username, the signed-in user's by default),
    # confirm (a box an irreversible step asks to be ticked, its label saying what it does; never sent)
    # off (a box that, ticked, sends false for an API field whose default is true: 交班's closes_day)
    # phone (a phone's keypad; typed full-width, sent as ASCII: the API's pattern refused １３９…)
    # code (a receipt's or a payment channel's number; typed full-width or in groups, sent as ASCII
    # without blanks: common.code_typed)
    required: bool = False
    choices: tuple = ()
    group: str = ""  # label group of the choices / values; a pick's source (PICK_SOURCES)
    # instead of ``choices``: the API schema whose values they are, read from the gateway's
    # document (``permissions.enum``), so that a value the API adds is offered with no change here
    enum: str = ""
    # whom it may name, as the gateway lists them (GET …/<people>: ``guards``): offered as a
    # choice, typed when the list cannot be read (a username typed wrong was a 422)
    people: str = ""
    # (choice, roles) of a choice only those roles may send, as the service decides it: the
    # others' form leaves it out (a steward offered the manager's visit was refused with a 403
    # once everything was typed); a filter offers every choice, each being read by all
    roles_of: tuple = ()

    def offered(self, roles=None):
        """The choices a choice (or multi) field offers: its own, or its schema's values; with
        ``roles`` (the signed-in user's, on a form) only those they may send (``roles_of``)."""
        choices = tuple(permissions.enum(self.enum)) if self.enum else self.choices
        if roles is None:
            return choices
        limited = dict(self.roles_of)
        return tuple(choice for choice in choices if choice not in limited or limited[choice] & set(roles))


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    kind: str = "text"  # text, when, money, enum, household, bool, list, count, link, check_notes, stays (a visit's),
    # certificate (a piece's annual inspection certificate: valid until and its number, 未知 without one),
    # order (a finding's maintenance_order: its number and status),
    # outage (a notice's planned cut: what, its window, told late, the calls it answered),
    # flag (a warning badge, labelled ``group`` with its ``group``_hint as the tooltip, where the row's value is true),
    # totals ({key: {in_cents, out_cents, net_cents, entries}}, each key labelled from ``group``),
    # subject (a subject id: a household's by its building-unit-room), action (a change's, in words),
    # closing (a stay closed without its fee: why, who and when), takings (a handover's gate cash and cars,
    # counted against the gate's record)
    group: str = ""  # label group of an enum's or a list's values; a link's endpoint (takes item_id)
    source: str = ""  # PICK_SOURCES: the value is that register's row id, shown by its name
    blank: str = ""  # a message key said where the value is null and that means something (a walk-in car's pass kind)
    only_with: str = ""  # a filter of the list: the column is shown only while the list is asked with it


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    fields: tuple = ()
    when: tuple = ()  # values of the row's ``when_field`` the button shows for; empty: always
    when_field: str = "status"
    into: str = ""  # instead of ``{path}/{item id}/{name}``: the collection it adds to, ...
    id_field: str = ""  # ... with the row's id in this field (a fire check of that extinguisher)
    opens: str = ""  # the endpoint (taking ``item_id``... as ``opens_param``) of what it made, shown next
    opens_param: str = "item_id"
    # "PATCH": an edit of the row itself (PATCH {path}/{item id}, its typed fields only), not a step
    method: str = "POST"
    # (field, value, statuses): not shown for a row with that value in those statuses; fields and
    # values may be tuples alike: the row holds each (a move-in with no structural change)
    never: tuple = ()
    unless: str = ""  # a field of the row that, set, lifts ``never``
    hidden_by: str = ""  # a field of the row that, set, hides the step
    ended_at: str = ""  # a moment of the row that, once past, hides the step (an expired pass)
    # a field of the row naming who proposed what the step approves: another approves it
    # (``permissions.approves``)
    not_by: str = ""
    # a field of the row naming the one user who takes the step (his own request withdrawn)
    only_by: str = ""
    # the step it posts to where it is not ``name``: two forms of one step (a paid service's order
    # assigned to a member of staff by name, or to a contractor picked from the estate's: h5)
    step: str = ""

    def awaits_other(self, item, user="", roles=()):
        """Whether the row waits for someone else's approval, the user's own proposal in a state
        the step is for: the page says so, where the button is not (a manager looking for the
        approve button of his own request found nothing and no reason: a probe)."""
        return bool(self.not_by and (not self.when or item.get(self.when_field) in self.when)
                    and not permissions.approves(item.get(self.not_by), user, roles))

    def shown_for(self, item, user="", roles=()):
        """Whether the row's state allows the step (the service would refuse it: a 409), and the
        user may take it on this row (a 403 for his own request)."""
        return ((not self.when or item.get(self.when_field) in self.when)
                and not (self.not_by and not permissions.approves(item.get(self.not_by), user, roles))
                and not (self.only_by and item.get(self.only_by) != user)
                and not (self.hidden_by and item.get(self.hidden_by))
                and not (self.ended_at and _past(item.get(self.ended_at)))
                and (bool(self.unless and item.get(self.unless))
                     or not any(_holds(item, field, value) and item.get(self.when_field) in states
                                for field, value, states in self.never)))


def _holds(item, field, value):
    """Whether the row holds ``value`` in ``field``, or, tuples, each value in its field."""
    if isinstance(field, tuple):
        return all(item.get(name) == wanted for name, wanted in zip(field, value))
    return item.get(field) == value


def _past(moment):
    """Whether an API timestamp has passed; no moment (or not one) never passes: the service decides."""
    at = i18n.parse_time(moment)
    return at is not None and at <= datetime.now(timezone.utc)


@dataclass(frozen=True)
class Source:
    """Another register whose rows a ``pick`` field offers by name (an extinguisher by its code
    and name, not its id): the collection and the fields of a row that name it."""
    path: str
    names: tuple
    gone_when: str = ""  # a row with this field set is offered no more (a retired extinguisher)
    query: tuple = ()  # (name, value) pairs the list is asked with (orders not opened from a flat's repair)
    gone_in: tuple = ()  # (field, values): a row with one of these values is offered no more (an order done)
    since_hours: int = 0  # the list asked ``from`` that many hours ago (the rounds of the night)
    expand: str = ""  # "anomalies": a round's check-ins' anomalies are what is offered, not the rounds


FAULT_DONE = ("completed", "cancelled")  # a work order in one of these is no fault in hand to name or join


PICK_SOURCES = {
    # an entrapment's lift, by its code and location (GET …/lifts: a guard reads no ledger; h5)
    "lifts": Source("lifts", ("code", "location")),
    "fire-equipment": Source("fire-equipment", ("code", "name"), gone_when="retired_at"),
    "equipment": Source("equipment", ("code", "name")),
    "patrol-routes": Source("patrol-routes", ("name",)),
    # the estate's cleaning and greening contractors engaged (环境卫生 / 绿化养护品质检查, h6)
    "contractors": Source("contractors", ("name", "service_line"), query=(("active", "true"),)),
    # the estate's price list of paid services still offered (有偿增值服务, h8)
    "paid-services": Source("paid-services", ("name", "price_cents"), query=(("active", "true"),)),
    "check-plans": Source("archive/check-plans", ("year", "notes")),
    # the work orders of a common area's fault in hand (an incident's, a patrol's: 停水), as the repair
    # form offers them to join (desk._faults_in_hand): a notice about the fault names one (h7)
    # the anomalies of the rounds of the last hours that opened a work order: an incident of the same
    # fault takes over its order (anomaly_id; a burst main's WO-1 and WO-2, h7)
    "recent-anomalies": Source("patrol-rounds", ("checkpoint", "description"), since_hours=12, expand="anomalies"),
    "faults-in-hand": Source("work-orders", ("number", "description"),
                             query=(("exclude_source_type", "service_request"), ("open", "true")),
                             gone_in=("status", FAULT_DONE)),
    # a notice's fault (停水, 电梯停运): any order in hand but a plan's job, a resident's call's too (the lift
    # breakdown's order was opened from the trapped resident's repair call, which the form left out while
    # customer service takes any order it was told of: h10, a lift out of service)
    "notice-faults": Source("work-orders", ("number", "description"),
                            query=(("exclude_source_type", "maintenance_plan"), ("open", "true")),
                            gone_in=("status", FAULT_DONE)),
}


@dataclass(frozen=True)
class Link:
    """A row's link to another screen's list, filtered on the row (an extinguisher's checks)."""
    label: str
    endpoint: str
    param: str  # the query parameter that takes the row's id
    query: tuple = ()  # (name, value) pairs the link always carries
    when: tuple = ()  # (field, value): shown on a row with that value only (a defect's work order)
    reads: str = ""  # an API path (GET) the user must be let read for the link to show

    def shown_for(self, item):
        return ((not self.when or item.get(self.when[0]) == self.when[1])
                and (not self.reads or permissions.may("GET", self.reads)))

    def arguments(self, item):
        return {**dict(self.query), self.param: item.get("id")}


@dataclass(frozen=True)
class Form:
    """A form of the screen that posts to another documented collection (the gate's entries and exits)."""
    path: str
    label: str
    fields: tuple
    said: object = None  # (the API's answer) -> (message key, values) of its notice; "reg.done" without
    # gone back to and sent again as it was, it is sent anew (console.js, sentBefore), not as the first
    # sending: the same plate comes in and leaves again on another visit, and the gate's state refuses
    # a second entry of a car inside and a second exit of one that left (409)
    new_each_time: bool = False


def _entered(session):
    """A vehicle's entry as the gate is told it: on a resident's pass that ended (月卡 run out,
    ``ended_pass``), when it ended and that the car pays as any car going out. The entry said
    已完成, and the driver learnt it at the barrier going out (a probe of the gate's evening)."""
    if not session.get("plate"):
        return "reg.done", {}
    ended = session.get("ended_pass")
    if ended:
        return "gate.entered_pass_ended", {"plate": session["plate"], "until": i18n.when(ended.get("valid_until"))}
    return "gate.entered", {"plate": session["plate"]}


def _exited(session):
    """A vehicle's exit as the gate is told it: how long it stayed and its fee, collected there or
    billed to the household whose pass it came in on. It said 已完成 only, and a guard who ticked
    已在道闸缴费 before he knew the amount was never told it (a probe of the gate's night)."""
    if not session.get("plate"):
        return "reg.done", {}
    overstay = session.get("overstay") or {}
    if overstay.get("fee_cents"):
        # a visitor's car past its pass's end: the host billed the pass's time, the car the rest here (h3)
        return "gate.exited_overstay", {
            "plate": session["plate"], "minutes": session.get("duration_minutes"),
            "fee": i18n.money(session.get("fee_cents")), "over": i18n.money(overstay["fee_cents"]),
            "over_minutes": overstay.get("minutes"), "method": i18n.label("method", overstay.get("payment_method"))}
    how = ("gate.exited_free" if not session.get("fee_cents") else
           "gate.exited_collected" if session.get("collected") else "gate.exited_billed")
    if how == "gate.exited_collected" and session.get("payment_method") not in (None, "cash"):
        how = "gate.exited_collected_by"  # 扫码 or a card: not in the drawer (a probe of the gate's evening)
    return how, {"plate": session["plate"], "minutes": session.get("duration_minutes"),
                 "fee": i18n.money(session.get("fee_cents")),
                 "method": i18n.label("method", session.get("payment_method"))}


@dataclass(frozen=True)
class Register:
    area: str
    slug: str
    title: str
    path: str
    columns: tuple
    fields: tuple = ()
    filters: tuple = ()
    actions: tuple = ()
    roles: frozenset = frozenset()
    detail: str = ""  # endpoint of a row's own page (takes item_id), when it has one; its forms
    # post to the register's routes with ``from=detail`` and come back to it
    forms: tuple = ()
    custom: str = ""  # the resource whose custom fields (GET …/custom-fields) its rows and form carry
    custom_edit: bool = False  # its rows' values change through POST {path}/{item id}/custom
    links: tuple = ()  # Link: each row's links to other lists filtered on it
    hint: str = ""  # a message key said above the new-row form (what becomes of what is typed)
    tabs: tuple = ()  # (endpoint, message key): pages beside the list, linked above it
    prefill: tuple = ()  # fields the new-row form takes from the page's query (a to-do's link names the day)
    totals: tuple = ()  # money columns summed under the rows shown (the payments' amounts)
    totals_skip: tuple = ()  # the statuses of rows left out of those sums (a reversed payment's money is gone)
    preview: str = ""  # what the new-row form's values come to, said above it: a module of views
    # (its ``of(form)``) and a template registers/_{preview}.html (the settlement's day_totals)
    elsewhere: str = ""  # where a search that found nothing here looks next (registers.ELSEWHERE)
    export: str = ""  # the resource of ``POST …/exports`` its "Export CSV / XLSX" sends with the filters shown


F, C, A = Field, Column, Action
STATUS = C("status", "reg.status", "enum", "status")
CREATED = C("created_at", "reg.created_at", "when")
HOUSEHOLD = C("household_id", "picker.household", "household")
# a move-in with no structural change: approved at once, no review, no fees, no works (customer
# service's applications.is_plain_move_in): the fields and the values an Action's ``never`` matches
PLAIN_MOVE_IN = (("kind", "structural_change"), ("move_in", False))
SERVICE_LINES = ("power", "water", "heating", "elevator", "fire_security", "cleaning", "greening", "parking",
                 "repairs", "front_desk", "community_activities")
INCIDENT_TYPES = ("fire_alarm", "burglary", "flooding", "elevator_entrapment", "public_disorder", "power_outage",
                  "storm_damage")
FIRE_KINDS = ("extinguisher", "hydrant", "sprinkler", "smoke_detector", "alarm_panel", "fire_door", "emergency_light",
              "exit_sign", "fire_pump", "other")
SHIFTS = ("day", "evening", "night")
OUTAGE_UTILITIES = ("water", "power", "gas", "heating")  # what a planned cut cuts (OutageUtility)
# a damage claim's responsible parties and its open statuses (the API's DamageClaimParty, damage_claims.OPEN)
CLAIM_PARTIES = ("undetermined", "owner", "operator", "third_party")
CLAIM_OPEN = ("registered", "reported", "assessed", "negotiating", "refused")
PATROL_PLAN_FIELDS = (F("shift", "reg.shift", "choice", True, ("day", "evening", "night"), "shift"),
                      F("start_time", "reg.start_time", required=True),
                      F("expected_minutes", "reg.expected_minutes", "int", True),
                      F("rounds", "reg.rounds", "int"), F("interval_minutes", "reg.interval_minutes", "int"))
POSTS = ("gate", "patrol", "monitoring_room")
LANE_STATUSES = ("clear", "obstructed", "cleared")
SYSTEMS = ("water", "power", "heating", "ventilation", "elevator", "fire", "smart")
NOTE = F("notes", "reg.notes", "textarea")
# a goods release pass's states, the desk's filter and the gate's
GOODS_PASS_STATUS = F("status", "reg.status", "choice", choices=("issued", "used", "cancelled", "expired"), group="status")
GOODS_PASS_COLUMNS = (C("number", "reg.pass_number"), HOUSEHOLD, C("carrier_name", "reg.carrier_name"),
                      C("carrier_relation", "reg.carrier_relation", "enum", "carrier"),
                      C("items", "reg.goods_items", "goods"), C("plate", "reg.plate"), C("valid_on", "reg.valid_on"),
                      STATUS)

FRONT_DESK = (
    Register("desk", "surveys", "menu.surveys", "surveys",
             (C("title", "reg.title"), C("year", "reg.year"), C("service_lines", "reg.service_lines", "list", "line"),
              CREATED),
             fields=(F("title", "reg.title", required=True), F("year", "reg.year", "int", True),
                     F("service_lines", "reg.service_lines", "multi", True, SERVICE_LINES, "line")),
             filters=(F("year", "reg.year", "int"),), roles=menu.FRONT_DESK, detail="surveys.detail"),
    # a notice's last day on the portal's board (until), and its withdrawal (撤下): a water cut of
    # Tuesday stayed on the board for good (a probe of the front desk's week)
    # 停水通知 (h7): one notice to several buildings, the fault's order and incident, when the water is
    # expected back, revised (修订) as that moves, where a new time meant withdrawing and publishing again
    Register("desk", "notices", "menu.notices", "notices",
             (C("title", "reg.title"), C("body", "reg.body"), C("building", "picker.building"),
              C("buildings", "reg.notice_buildings", "list"),
              C("published_at", "reg.published_at", "when"), C("until", "reg.notice_until"),
              C("expected_restoration_at", "reg.expected_restoration_at", "when"),
              C("outage", "field.outage", "outage"),  # 计划停水停电 (r7 reviewing h7)
              C("work_order_id", "reg.notice_work_order", source="notice-faults"),
              C("incident_id", "reg.notice_incident"), C("revisions", "reg.notice_revisions", "count"),
              C("shown_until", "reg.notice_shown_until", "when"),
              # 停运 over? its fault's order done: the desk revises it (the service back) or withdraws it (h10)
              C("fault_done", "reg.notice_fault_done", "flag", "reg.notice_fault_done_flag")),
             fields=(F("title", "reg.title", required=True), F("body", "reg.body", "textarea", True),
                     F("buildings", "reg.notice_buildings", "lines"), F("until", "reg.notice_until", "date"),
                     F("expected_restoration_at", "reg.expected_restoration_at", "moment"),
                     F("work_order_id", "reg.notice_work_order", "pick", group="notice-faults"),
                     F("incident_id", "reg.notice_incident"),
                     # 计划停水停电 (h7): the cut the notice tells of, sent whole (outage.*); its end is the
                     # expected restoration, left blank here (the API took it, the form had none: r7)
                     F("outage.utility", "reg.outage_utility", "choice", choices=OUTAGE_UTILITIES,
                       group="outage_utility"),
                     F("outage.starts_at", "reg.outage_starts_at", "moment"),
                     F("outage.ends_at", "reg.outage_ends_at", "moment")),
             filters=(F("building", "picker.building"),
                      F("current", "reg.notice_current", "choice", choices=("true", "false"), group="flag"),
                      F("fault_done", "reg.notice_fault_done", "choice", choices=("true", "false"), group="flag")),
             actions=(A("revise", "reg.notice_revise", (F("expected_restoration_at", "reg.expected_restoration_at",
                                                          "moment"),
                                                        F("until", "reg.notice_new_until", "date"),
                                                        F("body", "reg.notice_new_body", "textarea"),
                                                        # 计划停水停电 (h3): the cut put off or brought forward
                                                        # (改期: both times) or called off (取消), sent as outage
                                                        F("outage.starts_at", "reg.outage_new_starts_at", "moment"),
                                                        F("outage.ends_at", "reg.outage_new_ends_at", "moment"),
                                                        F("outage.cancelled", "reg.outage_cancel", "bool"),
                                                        F("reason", "reg.reason", required=True)),
                        hidden_by="withdrawn", ended_at="shown_until"),
                      A("withdraw", "reg.notice_withdraw", (F("reason", "reg.reason", required=True),),
                        hidden_by="withdrawn", ended_at="shown_until")),
             roles=menu.FRONT_DESK, hint="reg.notices_public"),
    Register("desk", "keys", "menu.keys", "keys",
             (C("label", "reg.key_label"), HOUSEHOLD, STATUS, C("notes", "reg.notes")),
             fields=(F("label", "reg.key_label", required=True), F("household_id", "picker.household", "household"),
                     NOTE),
             filters=(F("status", "reg.status", "choice", choices=("in_custody", "lent", "released"), group="status"),
                      F("household_id", "picker.household", "household")),
             actions=(A("lend", "reg.lend", (F("to", "reg.lent_to", required=True),
                                             F("purpose", "reg.purpose", required=True)), ("in_custody",)),
                      A("return", "reg.return", (NOTE,), ("lent",)),
                      A("release", "reg.release", (NOTE,), ("in_custody",))),
             roles=menu.FRONT_DESK),
    Register("desk", "custody-items", "menu.custody_items", "custody-items",
             (C("description", "reg.description"), HOUSEHOLD, C("deposited_by", "reg.deposited_by"),
              C("for_whom", "reg.for_whom"), STATUS, C("received_at", "reg.received_at", "when")),
             fields=(F("description", "reg.description", required=True),
                     F("household_id", "picker.household", "household"),
                     F("deposited_by", "reg.deposited_by", required=True), F("for_whom", "reg.for_whom")),
             filters=(F("status", "reg.status", "choice", choices=("held", "collected"), group="status"),),
             actions=(A("sign-off", "reg.sign_off", (F("by", "reg.collected_by", required=True),), ("held",)),),
             roles=menu.FRONT_DESK),
    # 物品放行条 (h8): the desk issues a pass for a flat's goods (the owner's consent for anyone else
    # carrying them; fees billed and unpaid at finance, past due or not, refuse it unless a manager says
    # why), the gate uses it
    Register("desk", "goods-release-passes", "menu.goods_release_passes", "goods-release-passes",
             GOODS_PASS_COLUMNS,
             fields=(F("household_id", "picker.household", "household", True),
                     F("carrier_name", "reg.carrier_name", required=True),
                     F("carrier_relation", "reg.carrier_relation", "choice", True,
                       ("tenant", "owner", "family", "mover", "other"), "carrier"),
                     F("items", "reg.goods_items", "goods", True), F("plate", "reg.plate"),
                     F("valid_on", "reg.valid_on", "date"),
                     F("owner_consent.by", "reg.consent_by"),
                     F("owner_consent.how", "reg.consent_how", "choice", choices=("letter", "in_person", "phone", "app"),
                       group="consent"),
                     F("owner_consent.reference", "reg.consent_reference"),
                     F("fees_exception_reason", "reg.fees_exception_reason", "textarea"), NOTE),
             filters=(GOODS_PASS_STATUS,
                      F("household_id", "picker.household", "household"), F("number", "reg.pass_number")),
             # a pass whose day is gone reads expired, kept issued: the desk may still strike it off (r6)
             actions=(A("cancel", "reg.cancel_pass", (F("reason", "reg.reason", "textarea", True),),
                        ("issued", "expired")),),
             roles=menu.FRONT_DESK),
    # 社区文化活动 (h7): the desk, a steward or the manager plans an activity (its places in people, its sign-up
    # deadline, its budget); households are signed up from its row (confirmed or wait-listed), it is moved
    # (rain) or cancelled, the households present are ticked on the day, and those present rate it
    Register("desk", "activities", "menu.activities", "activities",
             (C("title", "reg.title"), C("kind", "reg.activity_kind", "enum", "activity_kind"),
              C("local_starts_at", "reg.activity_starts"), C("place", "reg.activity_place"),
              C("capacity", "reg.activity_capacity"), C("places_left", "reg.activity_places_left"),
              C("wait_listed", "reg.activity_wait_listed"), C("signup_deadline", "reg.activity_deadline", "when"),
              C("budget_cents", "reg.activity_budget", "money"), C("actual_cost_cents", "reg.activity_cost", "money"),
              C("over_budget_cents", "reg.activity_over_budget", "money"),
              C("status", "reg.status", "enum", "activity_status")),
             fields=(F("title", "reg.title", required=True),
                     F("kind", "reg.activity_kind", "choice", True, enum="ActivityKind", group="activity_kind"),
                     F("place", "reg.activity_place", required=True),
                     F("starts_at", "reg.activity_starts", "moment", True),
                     F("ends_at", "reg.activity_ends", "moment", True),
                     F("capacity", "reg.activity_capacity", "int", True),
                     F("signup_deadline", "reg.activity_deadline", "moment"),
                     F("budget_cents", "reg.activity_budget", "money"),
                     F("description", "reg.description", "textarea")),
             filters=(F("status", "reg.status", "choice", enum="ActivityStatus", group="activity_status"),
                      F("kind", "reg.activity_kind", "choice", enum="ActivityKind", group="activity_kind")),
             actions=(A("signups", "reg.activity_sign_up", (F("household_id", "picker.household", "household", True),
                                                            F("people", "reg.activity_people", "int", True)),
                        ("planned",)),
                      A("move", "reg.activity_move", (F("starts_at", "reg.activity_starts", "moment", True),
                                                      F("ends_at", "reg.activity_ends", "moment"),
                                                      F("place", "reg.activity_place"),
                                                      F("reason", "reg.reason", "textarea", True)), ("planned",)),
                      A("cancel", "reg.activity_cancel", (F("reason", "reg.reason", "textarea", True),), ("planned",)),
                      # 名额调整 (session 61): more confirm the wait list's that fit; fewer than confirmed, the API's 422
                      A("capacity", "reg.activity_change_capacity",
                        (F("capacity", "reg.activity_capacity", "int", True),), ("planned",)),
                      A("ratings", "reg.activity_rate", (F("household_id", "picker.household", "household", True),
                                                         F("score", "reg.activity_score", "int", True)), ("held",))),
             # its own page: the sign-ups (one given up there) and the attendance, which offers the households
             # with a confirmed place and the walk-ins, where the row's form offered every household (session 61)
             roles=menu.FRONT_DESK, detail="activities.detail"),
    # 损失登记、理赔、赔偿 (h4): a leak's losses in the flats it reached, who is responsible, the insurer
    # told (报案), its assessment (定损) or refusal (拒赔), an agreement (协商) and the payments (赔付)
    Register("desk", "damage-claims", "menu.damage_claims", "damage-claims",
             (C("number", "reg.number"), C("status", "reg.status", "enum", "claim_status"),
              C("occurred_at", "reg.claim_occurred_at", "when"), C("households", "reg.claim_losses", "losses"),
              C("claimed_cents", "reg.claimed", "money"), C("responsibility", "reg.claim_party", "responsibility"),
              C("cause", "reg.claim_cause"), C("insurance", "reg.claim_insurer", "insurance"),
              C("owed_cents", "reg.claim_owed", "money"), C("payments", "reg.claim_payments", "claim_payments"),
              C("shortfall_cents", "reg.claim_shortfall", "money"),
              # the operator's insurer paying it back: beside, not in, what the households were paid
              C("reimbursed_cents", "reg.claim_reimbursed", "money")),
             fields=(F("source.type", "reg.claim_source", "choice", True, ("work_order", "incident", "service_request"),
                       "claim_source"),
                     F("source.id", "reg.claim_source_id", "text", True),
                     F("occurred_at", "reg.claim_occurred_at", "moment"),
                     F("households", "reg.claim_losses", "losses", True),
                     F("cause", "reg.claim_cause", "textarea"),
                     F("responsibility.party", "reg.claim_party", "choice", choices=CLAIM_PARTIES, group="claim_party"),
                     F("responsibility.household_id", "reg.claim_owner_flat", "household"),
                     F("responsibility.third_party", "reg.claim_third_party")),
             filters=(F("status", "reg.status", "choice", enum="DamageClaimStatus", group="claim_status"),
                      F("open", "reg.claim_open", "choice", choices=("true", "false"), group="claim_open"),
                      F("household_id", "picker.household", "household"),
                      F("party", "reg.claim_party", "choice", choices=CLAIM_PARTIES, group="claim_party"),
                      F("period", "bill.period", "month"), F("number", "reg.number")),
             actions=(A("responsibility", "reg.claim_decide",
                        (F("party", "reg.claim_party", "choice", True, CLAIM_PARTIES, "claim_party"),
                         F("household_id", "reg.claim_owner_flat", "household"),
                         F("third_party", "reg.claim_third_party"), F("cause", "reg.claim_cause", "textarea")),
                        CLAIM_OPEN),
                      A("report", "reg.claim_report",
                        (F("insurer", "reg.claim_insurer", required=True),
                         F("policy_number", "reg.claim_policy", required=True),
                         F("case_number", "reg.claim_case"), F("reported_at", "reg.claim_reported_at", "moment")),
                        ("registered",)),
                      A("assess", "reg.claim_assess",
                        (F("assessed_cents", "reg.claim_assessed", "money", True), F("assessor", "reg.claim_assessor"),
                         F("note", "reg.notes", "textarea")), ("registered", "reported")),
                      A("refuse", "reg.claim_refuse", (F("reason", "reg.reason", "textarea", True),),
                        ("reported", "assessed")),
                      A("negotiate", "reg.claim_negotiate",
                        (F("agreed_cents", "reg.claim_agreed", "money"), F("note", "reg.notes", "textarea")),
                        ("registered", "assessed", "refused", "negotiating")),
                      A("pay", "reg.claim_pay", (F("payments", "reg.claim_payments", "claim_payments", True),),
                        ("registered", "assessed", "negotiating")),
                      A("withdraw", "reg.claim_withdraw", (F("reason", "reg.reason", "textarea", True),),
                        ("registered", "reported", "assessed", "negotiating", "refused"))),
             roles=menu.FRONT_DESK | menu.FINANCE, hint="reg.damage_claims_hint"),
    # 环境卫生 / 绿化养护品质检查 (h6): the manager's contractors (a service line, the agreement's monthly
    # fee), and the steward's daily walk: a fault against its contractor, its deadline, the contractor's
    # fix and the steward's recheck (the month's score and deduction: GET …/contractors/{id}/months/{period})
    Register("desk", "contractors", "menu.contractors", "contractors",
             (C("name", "reg.contractor_name"), C("service_line", "reg.upkeep_line", "enum", "upkeep_line"),
              C("monthly_fee_cents", "reg.monthly_fee", "money"), C("agreement_ref", "reg.agreement_ref"),
              C("contact_name", "reg.contact_name"), C("contact_phone", "reg.contact_phone"),
              C("active", "reg.active", "bool")),
             fields=(F("name", "reg.contractor_name", required=True),
                     F("service_line", "reg.upkeep_line", "choice", True, enum="UpkeepServiceLine", group="upkeep_line"),
                     F("monthly_fee_cents", "reg.monthly_fee", "money", True),
                     F("agreement_ref", "reg.agreement_ref"), F("contact_name", "reg.contact_name"),
                     F("contact_phone", "reg.contact_phone", "phone")),
             filters=(F("service_line", "reg.upkeep_line", "choice", enum="UpkeepServiceLine", group="upkeep_line"),
                      F("active", "reg.active", "choice", choices=("true", "false"), group="flag")),
             # its edit (a new agreement's fee, its name, the line's site contact) and its retirement (h2)
             actions=(A("edit", "reg.contractor_edit",
                        (F("monthly_fee_cents", "reg.monthly_fee", "money"), F("name", "reg.contractor_name"),
                         F("agreement_ref", "reg.agreement_ref"), F("contact_name", "reg.contact_name"),
                         F("contact_phone", "reg.contact_phone", "phone")), (True,), when_field="active",
                        method="PATCH"),
                      A("retire", "reg.contractor_retire", (F("note", "reg.notes", "textarea"),), (True,),
                        when_field="active")),
             # its month's score and deduction, signed by the manager there (h2)
             links=(Link("reg.contractor_month", "contractors.month", "item_id"),),
             roles=menu.FRONT_DESK | menu.FINANCE),
    # 有偿增值服务 (h8): the manager's price list; the desk's orders, assigned, done (charged once through
    # finance) or cancelled (a fee inside the estate's window), complained about
    Register("desk", "paid-services", "menu.paid_services", "paid-services",
             (C("name", "reg.paid_service_name"), C("unit", "reg.paid_service_unit", "enum", "paid_unit"),
              C("price_cents", "reg.unit_price", "money"), C("active", "reg.active", "bool")),
             fields=(F("name", "reg.paid_service_name", required=True),
                     F("unit", "reg.paid_service_unit", "choice", True, enum="PaidServiceUnit", group="paid_unit"),
                     F("price_cents", "reg.unit_price", "money", True), F("description", "reg.description", "textarea")),
             filters=(F("unit", "reg.paid_service_unit", "choice", enum="PaidServiceUnit", group="paid_unit"),),
             actions=(A("edit", "reg.edit_paid_service", (F("price_cents", "reg.unit_price", "money"),
                                                          F("name", "reg.paid_service_name")), method="PATCH"),),
             roles=menu.FRONT_DESK | menu.FINANCE),
    Register("desk", "service-orders", "menu.service_orders", "service-orders",
             (C("number", "reg.number"), HOUSEHOLD, C("service_name", "reg.paid_service_name"),
              C("scheduled_at", "reg.scheduled_at", "when"), C("quantity", "reg.order_quantity"),
              C("unit_price_cents", "reg.unit_price", "money"), C("ordered_cents", "reg.ordered_amount", "money"),
              C("charged_cents", "reg.charged_amount", "money"), C("status", "reg.status", "enum", "service_order")),
             fields=(F("household_id", "picker.household", "household", True),
                     F("service_id", "reg.paid_service_name", "pick", True, group="paid-services"),
                     F("day", "reg.day", "date", True), F("start", "reg.start_time", required=True),
                     F("quantity", "reg.order_quantity", "quantity", True), NOTE),
             filters=(F("status", "reg.status", "choice", enum="ServiceOrderStatus", group="service_order"),
                      F("household_id", "picker.household", "household"), F("number", "reg.number")),
             # the member of staff picked from those the assignment accepts (GET …/service-staff: typed, found by h10)
             actions=(A("assign", "reg.assign_order", (F("username", "reg.provider_username", required=True,
                                                         people="service-staff"),),
                        ("ordered", "assigned")),
                      # to one of the estate's contractors engaged, by name (h5: through the API only)
                      A("assign-contractor", "reg.assign_order_contractor",
                        (F("contractor_id", "reg.contractor", "pick", True, group="contractors"),),
                        ("ordered", "assigned"), step="assign"),
                      A("complete", "reg.complete_order", (F("quantity", "reg.delivered_quantity", "quantity"), NOTE),
                        ("assigned",)),
                      # the provider who never came: cancelled free, the desk's to say (r5 reviewing h5)
                      A("cancel", "reg.cancel_order", (F("reason", "reg.reason", "textarea", True),
                                                       F("provider_absent", "reg.provider_absent", "bool")),
                        ("ordered", "assigned")),
                      A("complaint", "reg.complain_order", (
                          F("channel", "reg.channel", "choice", True, enum="ServiceRequestChannel", group="channel"),
                          F("description", "reg.description", "textarea", True)))),
             roles=menu.FRONT_DESK | menu.FINANCE),
    Register("desk", "upkeep-findings", "menu.upkeep_findings", "upkeep-findings",
             (C("contractor_id", "reg.contractor", source="contractors"), C("area", "reg.upkeep_area"),
              C("description", "reg.description"), C("photo_ref", "reg.photo_ref"),
              C("found_at", "reg.found_at", "when"), C("due_at", "reg.due_at", "when"),
              C("status", "reg.status", "enum", "upkeep_status"), C("late", "reg.late", "bool")),
             fields=(F("contractor_id", "reg.contractor", "pick", True, group="contractors"),
                     F("area", "reg.upkeep_area", required=True),
                     F("description", "reg.description", "textarea", True),
                     F("photo_ref", "reg.photo_ref")),
             filters=(F("status", "reg.status", "choice", enum="UpkeepFindingStatus", group="upkeep_status"),
                      F("overdue", "reg.overdue", "choice", choices=("true", "false"), group="upkeep_overdue"),
                      F("contractor_id", "reg.contractor", "pick", group="contractors"),
                      F("period", "bill.period", "month")),
             actions=(A("fix", "reg.upkeep_fix", (F("note", "reg.notes", "textarea"),), ("open",)),
                      A("recheck", "reg.upkeep_recheck", (F("passed", "reg.recheck_passed", "bool", True),
                                                          F("note", "reg.notes", "textarea")), ("open", "fixed"))),
             roles=menu.FRONT_DESK | menu.FINANCE),
    Register("desk", "tool-loans", "menu.tool_loans", "tool-loans",
             (C("tool", "reg.tool"), C("borrower", "reg.borrower"), HOUSEHOLD, STATUS,
              C("lent_at", "reg.lent_at", "when"), C("due_back_at", "reg.due_back", "when"),
              C("return_notes", "reg.return_notes")),
             fields=(F("tool", "reg.tool", required=True), F("borrower", "reg.borrower", required=True),
                     F("household_id", "picker.household", "household"), F("due_back_at", "reg.due_back", "moment")),
             filters=(F("status", "reg.status", "choice", choices=("out", "returned"), group="status"),
                      # still out past its due-back time (the API's overdue)
                      F("overdue", "field.overdue", "choice", choices=("true", "false"), group="flag")),
             actions=(A("return", "reg.return", (NOTE,), ("out",)),), roles=menu.FRONT_DESK),
    Register("desk", "visitors", "menu.visitors", "visitors",
             (C("name", "reg.name"), C("phone", "admin.phone"), C("visiting_household_id", "reg.visiting", "household"),
              C("purpose", "reg.purpose"), C("plate", "reg.plate"), C("arrived_at", "reg.arrived_at", "when"),
              C("departed_at", "reg.departed_at", "when"), C("departure_notes", "reg.departure_notes"),
              # his visit's stays at the gate with their fees, and his car still inside after he left
              # (found by the security department's follow-ups)
              C("parking", "reg.visit_parking", "stays"), C("car_inside", "reg.car", "flag", "reg.car_inside")),
             fields=(F("name", "reg.name", required=True), F("phone", "admin.phone", "phone"),
                     F("visiting_household_id", "reg.visiting", "household", True),
                     F("purpose", "reg.purpose", required=True), F("plate", "reg.plate")),
             # the days they arrived: the week's register the supervisor reviews (a probe of the
             # security guard's shift and the supervisor's week)
             filters=(F("visiting_household_id", "reg.visiting", "household"),
                      F("from", "reg.arrived_from", "date"), F("to", "reg.arrived_until", "date"),
                      F("on_site", "reg.on_site", "choice", choices=("true", "false"), group="flag")),
             actions=(A("departure", "reg.departure", (NOTE,), (None,), "departed_at"),), roles=menu.FRONT_DESK,
             export="visitors"),
    # the steward's monthly contact with each owner (每月联系) and the manager's visits (经理走访);
    # the KPI owner_contact_rate is on the KPI dashboard with the others
    Register("desk", "owner-contacts", "menu.owner_contacts", "owner-contacts",
             (HOUSEHOLD, C("kind", "reg.kind", "enum", "contact_kind"), C("channel", "reg.channel", "enum", "channel"),
              C("contacted_at", "reg.contacted_at", "when"), C("summary", "reg.summary"), C("by", "reg.by")),
             fields=(F("household_id", "picker.household", "household", True),
                     # a manager's visit is logged by the manager or the operator admin (owner_contacts.py: 403)
                     F("kind", "reg.kind", "choice", True, ("steward_contact", "manager_visit"), "contact_kind",
                       roles_of=(("manager_visit", menu.MANAGEMENT),)),
                     F("channel", "reg.channel", "choice", True, ("phone", "visit", "message"), "channel"),
                     F("contacted_at", "reg.contacted_at", "moment", True),
                     F("summary", "reg.summary", "textarea", True)),
             filters=(F("household_id", "picker.household", "household"),
                      F("kind", "reg.kind", "choice", False, ("steward_contact", "manager_visit"), "contact_kind"),
                      # the estate's month a contact was made in (the KPI's): last month's contacts were
                      # the whole log to page through (a probe of the steward's month)
                      F("period", "reg.contacted_in", "month")),
             roles=menu.FRONT_DESK, tabs=(("desk.owner_contacts_due", "due.title"),), export="owner_contacts"),
    # the steward's vacant-unit inspections (空置房巡查), recorded from a household's page: the estate's
    # by the month they were made in (a steward's last month's round was each household's page to open)
    Register("desk", "vacant-inspections", "menu.vacant_inspections", "vacant-inspections",
             (HOUSEHOLD, C("inspected_on", "field.inspected_on"), C("inspector", "field.inspector"),
              C("problems", "field.problems", "count"), C("note", "reg.notes")),
             filters=(F("household_id", "picker.household", "household"),
                      F("period", "reg.inspected_in", "month")),
             roles=menu.FRONT_DESK, tabs=(("desk.vacant_inspections_due", "vacant_due.title"),),
             export="vacant_inspections"),
    Register("desk", "applications", "menu.applications", "applications",
             (C("kind", "reg.kind", "enum", "application"), HOUSEHOLD, C("description", "reg.description"),
              C("works_from", "reg.works_from"), C("works_to", "reg.works_to"), STATUS, CREATED),
             fields=(F("kind", "reg.kind", "choice", True, ("move_in", "renovation", "move_out"), "application"),
                     F("household_id", "picker.household", "household", True),
                     F("description", "reg.description", "textarea", True),
                     F("structural_change", "reg.structural_change", "bool", True),
                     F("works_from", "reg.works_from", "date"), F("works_to", "reg.works_to", "date")),
             filters=(F("kind", "reg.kind", "choice", choices=("move_in", "renovation", "move_out"), group="application"),
                      F("status", "reg.status", "choice", choices=(
                          "under_review", "approved", "rejected", "fees_requested", "fees_paid", "works_started",
                          "accepted", "withdrawn"), group="status"),
                      # the works' window is over on the estate's day (the API's): with works_started,
                      # the renovations awaiting their joint acceptance (the start page's to-do)
                      F("works_ended", "field.works_ended", "choice", choices=("true", "false"), group="flag"),
                      # the window's last day passed before the works started (the API's): to
                      # reschedule or withdraw (the steward's start page's to-do)
                      F("window_lapsed", "field.window_lapsed", "choice", choices=("true", "false"), group="flag")),
             # each when its status allows (customer-service's ``applications.TRANSITIONS``): both
             # were offered on an application under review, a 409 (found by review)
             actions=(A("start-works", "reg.start_works", (NOTE,), when=("approved", "fees_paid"),
                        # a move-out has no works, nor a move-in with no structural change (409)
                        never=(("kind", "move_out", ("approved",)), (*PLAIN_MOVE_IN, ("approved",))),
                        hidden_by="household_step_refused"),  # the household did not move: withdrawn, not worked
                      A("acceptance", "reg.acceptance", (
                          F("customer_service_by", "reg.customer_service_by", required=True),
                          F("maintenance_by", "reg.maintenance_by", required=True),
                          F("passed", "reg.passed", "bool", True), NOTE), when=("works_started",)),
                      # 改期: the works window moves before the works start (a move-out has none; a move-in
                      # archive refused is withdrawn, not moved)
                      A("reschedule", "reg.reschedule", (F("works_from", "reg.works_from", "date", True),
                                                         F("works_to", "reg.works_to", "date", True),
                                                         F("reason", "reg.reschedule_reason", "textarea", True)),
                        when=("under_review", "approved", "fees_requested", "fees_paid"),
                        never=(("kind", "move_out", ("approved",)), (*PLAIN_MOVE_IN, ("approved",))),
                        hidden_by="household_step_refused"),
                      # before the works; an approved move-in or move-out has moved its household, unless
                      # archive refused to move it
                      A("withdraw", "reg.withdraw", (F("reason", "reg.withdraw_reason", "textarea", True),),
                        when=("under_review", "approved", "fees_requested", "fees_paid", "works_started"),
                        never=(("kind", "move_in", ("approved",)), ("kind", "move_out", ("approved",)),
                               ("status", "works_started", ("works_started",))),
                        unless="household_step_refused")),
             roles=menu.FRONT_DESK, detail="desk.application_detail"),
)

SECURITY = (
    Register("security", "incidents", "menu.incidents", "incidents",
             (C("number", "reg.number"), C("type", "reg.kind", "enum", "incident"), C("location", "reg.location"),
              C("major", "reg.major", "bool"), C("pending_steps", "reg.pending_steps", "count"), STATUS,
              C("occurred_at", "reg.occurred_at", "when"), C("opened_at", "reg.opened_at", "when")),
             fields=(F("type", "reg.kind", "choice", True, INCIDENT_TYPES, "incident"),
                     F("location", "reg.location", required=True),
                     F("description", "reg.description", "textarea", True), F("major", "reg.major", "bool"),
                     # written up afterwards: when it happened places it in its month's KPI
                     F("occurred_at", "reg.occurred_at_if_earlier", "moment"),
                     F("anomaly_id", "reg.incident_anomaly", "pick", group="recent-anomalies"),
                     # an elevator entrapment's lift: maintenance's emergency order names it and keeps it
                     # out of service until checked (h12); a guard picks it from the estate's lifts (h5);
                     # a flooding's lift in the flooded shaft, and its flat: the desk's order of the unit
                     # answers it (h5, a burst pipe)
                     F("equipment_id", "incident.lift", "pick", group="lifts"),
                     F("household_id", "incident.flood_flat", "household")),
             # the month's incidents written up at its end, those still open without their summary among
             # them (the month they happened in: the KPI's; a probe of the security department's month)
             filters=(F("status", "reg.status", "choice", choices=("open", "closed"), group="status"),
                      F("type", "reg.kind", "choice", choices=INCIDENT_TYPES, group="incident"),
                      F("major", "reg.major", "choice", choices=("true", "false"), group="flag"),
                      # whom a recorded step escalated them to: the manager's start page's open ones
                      F("escalated_to", "reg.escalated_to", "choice", choices=("manager", "authorities"),
                        group="escalated_to"),
                      F("period", "reg.happened_in", "month")),
             roles=menu.SECURITY, detail="incidents.detail", export="incidents"),
    Register("security", "fire-equipment", "menu.fire_equipment", "fire-equipment",
             (C("code", "reg.code"), C("name", "admin.name"), C("kind", "reg.kind", "enum", "fire"),
              C("location", "reg.location"), C("retired_at", "reg.retired_at", "when"),
              # the month's facilities still unchecked, by when each is owed its check (the API's
              # check_due_at, answered with unchecked_in alone): a probe of the security department's month
              C("check_due_at", "reg.check_due_by", "when", only_with="unchecked_in")),
             fields=(F("code", "reg.code", required=True), F("name", "admin.name", required=True),
                     F("kind", "reg.kind", "choice", True, FIRE_KINDS, "fire"),
                     F("location", "reg.location", required=True)),
             filters=(F("unchecked_in", "reg.unchecked_in", "month"),
                      F("kind", "reg.kind", "choice", choices=FIRE_KINDS, group="fire")),
             # a retired facility is checked no more (the ledger owes it nothing from that month)
             actions=(A("check", "reg.record_check", (
                 F("result", "reg.result", "choice", True, ("ok", "defect"), "fire"), NOTE), (None,),
                 into="fire-inspections", id_field="equipment_id", when_field="retired_at"),
                      A("retire", "reg.retire_facility", (F("reason", "reg.reason", "textarea", True),), (None,),
                        when_field="retired_at")),
             links=(Link("reg.checks_of", "registers.fire-inspections", "equipment_id"),),
             roles=menu.SECURITY),
    Register("security", "fire-inspections", "menu.fire_inspections", "fire-inspections",
             (C("equipment_code", "reg.code"), C("period", "bill.period"), C("result", "reg.result", "enum", "fire"),
              C("notes", "reg.notes", "check_notes"), C("inspected_at", "reg.inspected_at", "when"),
              C("inspected_by", "reg.by"),
              # its defect's work order, number and status (found by the security department's follow-ups)
              C("maintenance_order", "reg.work_order_col", "order")),
             fields=(F("equipment_id", "reg.equipment", "pick", True, group="fire-equipment"),
                     F("result", "reg.result", "choice", True, ("ok", "defect"), "fire"), NOTE),
             filters=(F("period", "bill.period", "month"),
                      F("result", "reg.result", "choice", choices=("ok", "defect"), group="fire"),
                      F("equipment_id", "reg.equipment", "pick", group="fire-equipment")),
             # a defect opens a work order (maintenance): the row named none (a probe of the security day)
             links=(Link("reg.work_order_of", "security.order_of", "source_id", (("source_type", "fire_inspection"),),
                         ("result", "defect"), "work-orders"),),
             roles=menu.SECURITY, export="fire_inspections"),
    Register("security", "vehicle-passes", "menu.vehicle_passes", "vehicle-passes",
             (C("plate", "reg.plate"), C("kind", "reg.kind", "enum", "pass"), HOUSEHOLD,
              C("valid_until", "reg.valid_until", "when"), C("revoke_reason", "reg.revoke_reason")),
             fields=(F("plate", "reg.plate", required=True),
                     F("kind", "reg.kind", "choice", True, ("resident", "visitor"), "pass"),
                     F("household_id", "picker.household", "household"), F("valid_until", "reg.valid_until", "moment")),
             filters=(F("plate", "reg.plate"),
                      F("kind", "reg.kind", "choice", choices=("resident", "visitor"), group="pass")),
             # a pass made by mistake, an owner who moved out: it ends now (one past its time is a 409)
             actions=(A("revoke", "reg.revoke_pass", (F("reason", "reg.revoke_reason", "textarea", True),), (None,),
                        "revoked_at", ended_at="valid_until"),),
             roles=menu.SECURITY | menu.FRONT_DESK),
    # the gate's side of a goods release pass: found by the number printed on it, let out once in
    # the van it names (the service checks the day, the plate and that it was not used)
    Register("security", "gate-goods-passes", "menu.gate_goods_passes", "goods-release-passes",
             GOODS_PASS_COLUMNS,
             filters=(F("number", "reg.pass_number"), F("valid_on", "reg.valid_on", "date"),
                      GOODS_PASS_STATUS),
             actions=(A("use", "reg.let_goods_out", (F("plate", "reg.plate"), F("gate", "reg.gate"), NOTE),
                        ("issued",)),),
             roles=menu.SECURITY),
    Register("security", "parking-sessions", "menu.gate", "parking-sessions",
             # a car with no pass came in off the street (its kind null: the cell was blank); a closed
             # stay's fee collected at the gate or billed to the household visited, null when free
             # (the list did not say: a probe of the console's small gaps)
             (C("plate", "reg.plate"), C("pass_kind", "reg.kind", "enum", "pass", blank="pass.walk_in"),
              C("status", "reg.status", "enum", "parking_status"),  # 在场 / 已出场, not a case's 待处理 (a probe)
              C("entered_at", "reg.entered_at", "when"), C("exited_at", "reg.exited_at", "when"),
              C("duration_minutes", "reg.minutes"), C("fee_cents", "reg.fee", "money"),
              C("collected", "reg.fee_paid", "enum", "fee_collected"),
              C("payment_method", "pay.method", "enum", "method"),  # 现金, or 扫码 (the bank's)
              # a visit's car: the visitor's row lists the stay (found by the security department's follow-ups)
              C("visitor_id", "reg.visit", "flag", "reg.visitor_car"),
              # a missed exit closed by the manager without its fee: why, who, when (found by h3)
              C("closed_without_fee", "gate.closed_without_fee", "closing")),
             # the month's stays and how each fee went to finance, for the month's gate cash handed over
             # (a probe of the security department's month)
             filters=(F("status", "reg.status", "choice", choices=("open", "closed"), group="parking_status"),
                      F("plate", "reg.plate"), F("period", "reg.exited_in", "month"),
                      F("collected", "reg.fee_paid", "choice", choices=("true", "false"), group="fee_collected")),
             forms=(Form("vehicle-entries", "reg.vehicle_entry", (F("plate", "reg.plate", required=True),),
                         said=_entered, new_each_time=True),
                    # how a fee paid at the gate was paid: 扫码 is the bank's money, not the guard's
                    # drawer (nothing chosen: cash; a probe of the gate's evening)
                    Form("vehicle-exits", "reg.vehicle_exit", (F("plate", "reg.plate", required=True),
                                                               F("paid_at_gate", "reg.paid_at_gate", "bool"),
                                                               F("payment_method", "pay.method", "choice",
                                                                 enum="GatePaymentMethod", group="method")),
                         said=_exited, new_each_time=True)),
             # 漏记出场: a car gone unseen held its space for good; the manager closes its stay, no fee
             # (the button shows to the route's roles alone: permissions.may)
             actions=(A("close-without-fee", "gate.close_without_fee",
                        (F("reason", "gate.close_reason", "textarea", True),), ("open",)),),
             roles=menu.SECURITY, tabs=(("security.gate_totals", "menu.gate_totals"),)),
    Register("security", "shift-handovers", "menu.shift_handovers", "shift-handovers",
             (C("date", "reg.date"), C("shift", "reg.shift", "enum", "shift"), C("post", "reg.post", "enum", "post"),
              C("from_guard", "reg.from_guard"), C("to_guard", "reg.to_guard"), C("notes", "reg.notes"),
              C("handed_over_at", "reg.handed_over_at", "when"),
              # 接班确认: who accepted it and when (found by the security department's follow-ups)
              C("accepted_by", "reg.accepted_by"), C("accepted_at", "reg.accepted_at", "when"),
              C("acceptance_notes", "reg.acceptance_notes"),
              # the gate's takings handed to the relief, counted against the gate's record (found by h3)
              C("takings", "handover.takings", "takings")),
             # the shift's day: left empty, the shift being handed over now; a late one names its day
             # (the console had no date, so yesterday's was filed as today's: a probe)
             fields=(F("date", "reg.date", "date"), F("shift", "reg.shift", "choice", True, SHIFTS, "shift"),
                     F("post", "reg.post", "choice", False, POSTS, "post"),
                     F("from_guard", "reg.from_guard", required=True, people="guards"),
                     F("to_guard", "reg.to_guard", required=True, people="guards"),
                     F("notes", "reg.notes", "textarea", True),
                     # the gate's guard at 22:00: the cash he hands over and the cars inside (h3)
                     F("cash_counted_cents", "handover.cash_counted", "money"),
                     F("cars_counted", "handover.cars_counted", "int")),
             # the month's log, or one night's (the shift's day): it had the shift alone (a probe of the
             # security department's month)
             filters=(F("shift", "reg.shift", "choice", choices=SHIFTS, group="shift"), F("date", "reg.date", "date"),
                      F("period", "reg.shift_month", "month"),
                      # or the week's (the shifts' first and last day: a probe of the supervisor's week)
                      F("from", "reg.shift_from", "date"), F("to", "reg.shift_until", "date"),
                      # the relief's pending, his start page's (接班确认)
                      F("to_guard", "reg.to_guard"),
                      F("accepted", "reg.accepted", "choice", choices=("true", "false"), group="flag")),
             actions=(A("accept", "reg.accept_handover", (NOTE,), (None,), "accepted_at"),), roles=menu.SECURITY,
             export="shift_handovers"),
    Register("security", "patrol-routes", "menu.patrol_routes", "patrol-routes",
             (C("name", "admin.name"), C("checkpoints", "reg.checkpoints", "checkpoints"),
              C("created_at", "reg.at", "when")),
             fields=(F("name", "admin.name", required=True), F("checkpoints", "reg.checkpoints", "checkpoints", True)),
             actions=(A("plan", "reg.add_patrol_plan", PATROL_PLAN_FIELDS, into="patrol-plans", id_field="route_id"),
                      A("round", "reg.start_round", (F("guard", "reg.guard", "user", True, people="guards"),),
                        into="patrol-rounds", id_field="route_id", opens="security.round_detail", opens_param="round_id")),
             links=(Link("reg.plans_of", "registers.patrol-plans", "route_id"),),
             roles=menu.SECURITY),
    Register("security", "patrol-plans", "menu.patrol_plans", "patrol-plans",
             (C("route_id", "reg.route", source="patrol-routes"), C("shift", "reg.shift", "enum", "shift"),
              C("start_time", "reg.start_time"),
              # a plan stored before its rounds' start times were checked, or left outside by the
              # estate's hours changed since: walked as stored, and nothing said so. Any round's, the
              # first's included (rounds_outside_shift; start_outside_shift is the first's only)
              C("rounds_outside_shift", "reg.shift_hours", "flag", "reg.rounds_outside_shift"),
              C("expected_minutes", "reg.expected_minutes"), C("rounds", "reg.rounds"),
              C("interval_minutes", "reg.interval_minutes"), C("stopped_at", "reg.stopped_at", "when")),
             filters=(F("route_id", "reg.route", "pick", group="patrol-routes"),),
             # a plan made wrong, or one no longer walked: its slots end (they counted as missed for good)
             actions=(A("stop", "reg.stop_plan", (F("reason", "reg.reason", "textarea", True),), (None,),
                        when_field="stopped_at"),),
             roles=menu.SECURITY),
    Register("security", "fire-check-overdues", "menu.fire_check_overdues", "fire-check-overdues",
             (C("equipment_code", "reg.code"), C("equipment_name", "reg.equipment_name"), C("location", "reg.location"),
              C("period", "bill.period"), C("interval_months", "reg.fire_cycle_months"),
              C("due_at", "reg.due_at", "when"), C("raised_at", "reg.raised_at", "when")),
             filters=(F("period", "bill.period", "month"),), roles=menu.SECURITY),
    # 停巡: a typhoon night's window in which the planned rounds are not owed (a manager records it)
    Register("security", "patrol-suspensions", "menu.patrol_suspensions", "patrol-suspensions",
             (C("from", "reg.suspended_from", "when"), C("to", "reg.suspended_to", "when"),
              # the routes it suspends (h1), every route where it names none
              C("route_ids", "reg.suspended_routes", "list", source="patrol-routes", blank="reg.every_route"),
              C("hours", "reg.suspended_hours"), C("reason", "reg.reason"), C("created_by", "reg.by"),
              # 撤销: kept in the list, its rounds owed again
              C("withdrawn_at", "reg.withdrawn_at", "when"), C("withdrawn_by", "reg.withdrawn_by"),
              C("withdrawal_reason", "reg.withdrawal_reason")),
             fields=(F("from", "reg.suspended_from", "moment", True), F("to", "reg.suspended_to", "moment", True),
                     F("route_ids", "reg.suspended_routes_pick", "picks", group="patrol-routes"),
                     F("reason", "reg.reason", "textarea", True)),
             # a window typed wrong: withdrawn (the manager's; the gateway's x-roles hide it from a guard)
             actions=(A("withdraw", "reg.withdraw_suspension", (F("reason", "reg.reason", "textarea", True),),
                        hidden_by="withdrawn_at"),),
             roles=menu.SECURITY, hint="reg.patrol_suspensions_hint"),
    # 预警响应 (h9): the plan activated at a weather warning before anything has happened; stood down (解除)
    Register("security", "emergency-alerts", "menu.emergency_alerts", "emergency-alerts",
             (C("kind", "reg.alert_kind", "enum", "alert_kind"), C("level", "reg.alert_level", "enum", "alert_level"),
              C("status", "reg.status", "enum", "alert_status"), C("issued_at", "reg.alert_issued_at", "when"),
              C("note", "reg.notes"), C("raised_by", "reg.by"),
              C("stood_down_at", "reg.stood_down_at", "when"), C("stood_down_by", "reg.stood_down_by"),
              C("stand_down_note", "reg.stand_down_note")),
             fields=(F("kind", "reg.alert_kind", "choice", True, enum="EmergencyAlertKind", group="alert_kind"),
                     F("level", "reg.alert_level", "choice", True, enum="EmergencyAlertLevel", group="alert_level"),
                     F("issued_at", "reg.alert_issued_at", "moment", True), F("note", "reg.notes", "textarea")),
             filters=(F("open", "reg.alert_open", "choice", choices=("true", "false"), group="alert_open"),
                      F("period", "bill.period", "month")),
             actions=(A("level", "reg.alert_change_level",
                        (F("level", "reg.alert_level", "choice", True, enum="EmergencyAlertLevel", group="alert_level"),
                         F("note", "reg.notes", "textarea")), hidden_by="stood_down_at"),
                      A("stand-down", "reg.alert_stand_down", (F("note", "reg.notes", "textarea"),),
                        hidden_by="stood_down_at")),
             roles=menu.SECURITY, hint="reg.emergency_alerts_hint", detail="alerts.detail"),
    Register("security", "fire-drills", "menu.fire_drills", "fire-drills",
             (C("held_at", "reg.held_at", "when"), C("scenario", "reg.scenario"), C("location", "reg.location"),
              C("participants", "reg.participants"), C("led_by", "reg.led_by"), C("notes", "reg.notes")),
             fields=(F("held_at", "reg.held_at", "moment", True), F("scenario", "reg.scenario", required=True),
                     F("location", "reg.location", required=True), F("participants", "reg.participants", "int", True),
                     F("led_by", "reg.led_by", required=True), NOTE),
             filters=(F("period", "bill.period", "month"),), roles=menu.SECURITY),
    Register("security", "fire-lane-checks", "menu.fire_lanes", "fire-lane-checks",
             (C("lane", "reg.lane"), STATUS, C("obstruction", "reg.obstruction"), C("checked_at", "reg.at", "when"),
              C("checked_by", "reg.by"), C("action", "reg.lane_action"), C("cleared_at", "reg.cleared_at", "when")),
             fields=(F("lane", "reg.lane", required=True), F("clear", "reg.lane_clear", "bool", True),
                     F("obstruction", "reg.obstruction"), NOTE),
             filters=(F("period", "bill.period", "month"),
                      F("status", "reg.status", "choice", choices=LANE_STATUSES, group="status")),
             actions=(A("clear", "reg.lane_cleared", (F("action", "reg.lane_action", required=True),),
                        ("obstructed",)),),
             roles=menu.SECURITY),
    Register("security", "duty-roster", "menu.duty_roster", "duty-roster",
             (C("date", "reg.date"), C("shift", "reg.shift", "enum", "shift"), C("post", "reg.post", "enum", "post"),
              C("guard", "reg.guard"), STATUS, C("cancel_reason", "field.cancel_reason")),
             fields=(F("date", "reg.date", "date", True), F("shift", "reg.shift", "choice", True, SHIFTS, "shift"),
                     F("post", "reg.post", "choice", True, POSTS, "post"),
                     F("guard", "reg.guard", required=True, people="guards")),
             filters=(F("date", "reg.date", "date"), F("shift", "reg.shift", "choice", choices=SHIFTS, group="shift"),
                      F("post", "reg.post", "choice", choices=POSTS, group="post"),
                      F("status", "reg.status", "choice", choices=("active", "cancelled"), group="status")),
             actions=(A("cancel", "reg.cancel_duty", (F("reason", "field.cancel_reason"),), ("active",)),),
             roles=menu.SECURITY),
    # the security team's month on duty (h7): the team lead's roll calls (考勤, fed from the duty roster), spot
    # checks of the posts (查岗) and discipline records; the supervisor's trainings and assessments (考核); the
    # manager and the guards read them (the writes are security_lead's and security_supervisor's, the trainings and
    # assessments the supervisor's alone: permissions hide the forms from the others; review r7 of h7)
    Register("security", "roll-calls", "menu.roll_calls", "roll-calls",
             (C("date", "reg.date"), C("shift", "reg.shift", "enum", "shift"), C("entries", "reg.roll_call", "roll_call"),
              C("notes", "reg.notes"), C("called_by", "reg.by")),
             fields=(F("date", "reg.date", "date", True), F("shift", "reg.shift", "choice", True, SHIFTS, "shift"),
                     F("entries", "reg.roll_call_lines", "roll_call", True), NOTE),
             filters=(F("period", "bill.period", "month"), F("date", "reg.date", "date"),
                      F("shift", "reg.shift", "choice", choices=SHIFTS, group="shift")),
             # 更正 one guard's entry with why, 补点 the guards added to the shift's roster since the call (h3's
             # leftovers: both were the API's alone); the service refuses what the roll call would (422)
             actions=(A("corrections", "reg.roll_call_correct",
                        (F("guard", "reg.guard", required=True),
                         F("status", "reg.status", "choice", True, ("present", "late", "absent"), "roll_call"),
                         F("late_minutes", "field.late_minutes", "int"), F("covered_by", "field.covered_by"),
                         F("reason", "reg.reason", "textarea", True))),
                      A("addenda", "reg.roll_call_addendum", (F("entries", "reg.roll_call_lines", "roll_call", True),))),
             roles=menu.SECURITY, hint="reg.roll_calls_hint"),
    Register("security", "post-spot-checks", "menu.post_spot_checks", "post-spot-checks",
             (C("checked_at", "reg.at", "when"), C("shift", "reg.shift", "enum", "shift"),
              C("post", "reg.post", "enum", "post"), C("manned", "reg.manned", "bool"), C("guard", "reg.guard"),
              C("rostered_guards", "reg.rostered_guards", "list"), C("off_roster", "reg.off_roster", "flag", "reg.off_roster_flag"),
              C("finding", "reg.finding"), C("checked_by", "reg.by")),
             fields=(F("shift", "reg.shift", "choice", True, SHIFTS, "shift"),
                     F("post", "reg.post", "choice", True, POSTS, "post"), F("manned", "reg.manned", "bool", True),
                     F("guard", "reg.guard", people="guards"), F("finding", "reg.finding", "textarea"),
                     F("checked_at", "reg.checked_at", "moment")),
             filters=(F("period", "bill.period", "month"), F("post", "reg.post", "choice", choices=POSTS, group="post"),
                      F("manned", "reg.manned", "choice", choices=("true", "false"), group="flag")),
             roles=menu.SECURITY),
    Register("security", "discipline-records", "menu.discipline_records", "discipline-records",
             (C("occurred_at", "reg.at", "when"), C("guard", "reg.guard"), C("kind", "reg.kind", "enum", "discipline"),
              C("description", "reg.description"), C("recorded_by", "reg.by")),
             fields=(F("guard", "reg.guard", required=True, people="guards"),
                     F("kind", "reg.kind", "choice", True, enum="DisciplineKind", group="discipline"),
                     F("description", "reg.description", "textarea", True), F("occurred_at", "reg.at", "moment")),
             filters=(F("period", "bill.period", "month"), F("guard", "reg.guard"),
                      F("kind", "reg.kind", "choice", enum="DisciplineKind", group="discipline")),
             roles=menu.SECURITY),
    Register("security", "trainings", "menu.trainings", "trainings",
             (C("held_at", "reg.training_held_at", "when"), C("topic", "reg.topic"), C("kind", "reg.kind", "enum", "training"),
              C("minutes", "reg.minutes"), C("trainer", "reg.trainer"), C("attendees", "reg.attendees", "list")),
             fields=(F("topic", "reg.topic", required=True),
                     F("kind", "reg.kind", "choice", True, enum="TrainingKind", group="training"),
                     F("held_at", "reg.training_held_at", "moment", True), F("minutes", "reg.minutes", "int"),
                     F("trainer", "reg.trainer"), F("attendees", "reg.attendees", "lines", True)),
             filters=(F("period", "bill.period", "month"), F("guard", "reg.guard")),
             roles=menu.SECURITY),
    Register("security", "guard-assessments", "menu.guard_assessments", "guard-assessments",
             (C("period", "bill.period"), C("guard", "reg.guard"), C("score", "reg.score"),
              C("comment", "reg.comment"), C("assessed_by", "reg.by"), CREATED),
             fields=(F("guard", "reg.guard", required=True, people="guards"), F("period", "reg.assessment_period", required=True),
                     F("comment", "reg.comment", "textarea")),
             filters=(F("guard", "reg.guard"),),
             roles=menu.SECURITY, hint="reg.guard_assessments_hint"),
)

CHECK_FIELDS = (F("checked_at", "reg.checked_at", "moment", True),
                F("records_checked", "reg.records_checked", "int", True),
                F("records_complete", "reg.records_complete", "int", True), NOTE)

ARCHIVE = (
    Register("archive", "borrow-requests", "menu.borrow_requests", "archive/borrow-requests",
             (C("subject_type", "reg.subject_type", "enum", "subject"), C("subject_id", "reg.subject_id", "subject"),
              C("kind", "reg.kind", "enum", "borrow"), C("purpose", "reg.purpose"), C("requested_by", "reg.by"),
              # what the one who asked wants, which an approval without a date of its own keeps
              # (archive.borrowing); the manager approving saw an empty 应还时间 (a probe)
              STATUS, C("requested_due_back", "reg.requested_due_back", "when"), C("due_back", "reg.due_back", "when"),
              # overdue ends at the return; a file returned late read like one returned in time (a probe
              # of the archivist's year)
              C("overdue", "reg.overdue", "bool"), C("returned_late", "reg.returned_late", "bool")),
             fields=(F("subject_id", "reg.subject_typed", "subject"), F("record_id", "reg.record_id"),
                     F("kind", "reg.kind", "choice", True, ("view", "borrow"), "borrow"),
                     F("purpose", "reg.purpose", required=True), F("due_back", "reg.due_back", "moment"),
                     F("authority_inspection", "reg.authority_inspection", "bool"), F("authority", "reg.authority")),
             filters=(F("status", "reg.status", "choice", choices=("pending", "approved", "rejected", "returned", "withdrawn"),
                        group="status"), F("overdue", "reg.overdue", "choice", choices=("true",), group="flag"),
                     # one borrower's (his start page's reminder opens his own past their due back)
                     F("requested_by", "reg.by"),
                     # the year's views, inspections by a higher authority and late returns, which the
                     # archivist counted by hand at the year's end (a probe of his year)
                     F("kind", "reg.kind", "choice", choices=("view", "borrow"), group="borrow"),
                     F("authority_inspection", "reg.authority_inspection", "choice", choices=("true",), group="flag"),
                     F("returned_late", "reg.returned_late", "choice", choices=("true",), group="flag"),
                     F("from", "reg.requested_from", "date"), F("to", "reg.requested_until", "date")),
             # the approving manager may set the due back (within the estate's term; archive.borrowing)
             actions=(A("approve", "reg.approve", (F("note", "reg.notes"), F("due_back", "reg.due_back", "moment")),
                        ("pending",), not_by="requested_by"),
                      A("reject", "reg.reject", (F("note", "reg.notes"),), ("pending",)),
                      # the one who asked withdraws his own while pending (a probe of the archivist's year)
                      A("withdraw", "reg.withdraw", (F("note", "reg.notes"),), ("pending",), only_by="requested_by"),
                      A("return", "reg.return", (F("note", "reg.notes"),), ("approved",))),
             roles=menu.STAFF, detail="archive.borrow_detail"),
    Register("archive", "check-plans", "menu.check_plans", "archive/check-plans",
             (C("year", "reg.year"), C("planned_dates", "reg.planned_dates", "list"),
              C("checks_recorded", "reg.checks_recorded"),
              # the days checked as the KPI counts them, against what the year owes under the estate's
              # rules now: the archivist reads neither the settings nor the KPIs (a probe of his year)
              C("days_checked", "reg.days_checked"), C("checks_owed", "reg.checks_owed"),
              C("missed_dates", "reg.missed_dates", "list"),
              C("notes", "reg.notes")),  # its id was a column: a plan is its year, its checks are made from its row
             fields=(F("year", "reg.year", "int", True), F("planned_dates", "reg.planned_dates", "lines", True), NOTE),
             filters=(F("year", "reg.year", "int"),),
             actions=(A("check", "reg.record_archive_check", CHECK_FIELDS, into="archive/checks", id_field="plan_id"),
                      # a planned date to come moved: one typed wrong showed as missed for good (a probe
                      # of the archivist's year); the API keeps the passed ones
                      A("move-date", "reg.move_plan_date", (F("date", "reg.planned_date", "date", True),
                                                            F("to", "reg.moved_to", "date", True)))),
             roles=menu.ARCHIVES),
    Register("archive", "checks", "menu.checks", "archive/checks",
             (C("year", "reg.year"), C("checked_at", "reg.checked_at", "when"),
              C("records_checked", "reg.records_checked"), C("records_complete", "reg.records_complete"),
              C("notes", "reg.notes"), C("recorded_by", "reg.by")),
             fields=(F("plan_id", "reg.check_plan", "pick", True, group="check-plans"), *CHECK_FIELDS),
             filters=(F("plan_id", "reg.check_plan", "pick", group="check-plans"),), roles=menu.ARCHIVES),
    Register("archive", "change-log", "menu.change_log", "archive/change-log",
             (C("at", "reg.at", "when"), C("subject_type", "reg.subject_type", "enum", "subject"),
              # the change's event and the fields it wrote, in words (both showed codes: found by review)
              # a household by its building-unit-room, the estate by its name (both showed their ids: review)
              C("subject_id", "reg.subject_id", "subject"), C("action", "reg.action", "action"), C("actor", "reg.by"),
              C("fields", "reg.fields", "list", "field")),
             # every subject type the change log holds, as the API names them (a list of its own
             # offered five it never holds, each a 400, and left out the finance ones: review)
             filters=(F("subject_type", "reg.subject_type", "choice", group="subject", enum="ChangeSubjectType"),
                      F("subject_id", "reg.subject_typed", "subject"),
                      # what changed in a year and who changed it, which an inspection asks (a probe of
                      # the archivist's year)
                      F("actor", "reg.by"), F("from", "reg.changed_from", "date"),
                      F("to", "reg.changed_until", "date")),
             roles=menu.ARCHIVES),
)

PLAN_FIELDS = (F("kind", "reg.kind", "choice", True, ("daily_inspection", "periodic_maintenance"), "plan"),
               F("every_days", "reg.every_days", "int", True), F("next_due_on", "reg.next_due_on", "date", True),
               F("name", "reg.plan_name"))
# 年检合格证: this year's inspection certificate, recorded from the piece's row (POST …/equipment/{id}/certificate)
CERTIFICATE_FIELDS = (F("number", "reg.certificate_number", required=True),
                      F("valid_until", "reg.certificate_valid_until", "date", True),
                      F("inspected_by", "reg.certificate_inspected_by", required=True))

ENGINEERING = (
    Register("engineering", "equipment", "menu.equipment", "equipment",
             (C("code", "reg.code"), C("name", "admin.name"), C("system", "reg.system", "enum", "system"),
              C("location", "reg.location"), C("installed_on", "reg.installed_on"),
              # its annual inspection certificate: valid until, its number (未知 without one: not expired)
              C("certificate", "field.certificate", "certificate"),
              C("record_count", "reg.record_count")),
             fields=(F("code", "reg.code", required=True), F("name", "admin.name", required=True),
                     F("system", "reg.system", "choice", True, SYSTEMS, "system"),
                     F("location", "reg.location", required=True), F("installed_on", "reg.installed_on", "date")),
             filters=(F("system", "reg.system", "choice", choices=SYSTEMS, group="system"),
                      # the due list: expired or expiring within the estate's certificate_warn_days
                      F("certificate_due", "field.certificate_due", "choice", choices=("true",), group="flag"),
                      F("certificate_expires_before", "field.certificate_expires_before", "date")),
             actions=(A("records", "reg.add_record", (
                 F("kind", "reg.kind", "choice", True, ("inspection", "maintenance", "repair"), "record"),
                 F("result", "reg.result", required=True), NOTE,
                 # 维保单位 and who signed for it (签字): a lift's contractor has no account (h5)
                 F("contractor", "wo.contractor"), F("signed_by", "field.signed_by"))),
                 A("plan", "reg.add_plan", PLAN_FIELDS, into="maintenance-plans", id_field="equipment_id"),
                 A("certificate", "reg.set_certificate", CERTIFICATE_FIELDS)),
             roles=menu.ENGINEERING, custom="equipment", custom_edit=True,
             detail="engineering.equipment_detail"),
    Register("engineering", "maintenance-plans", "menu.maintenance_plans", "maintenance-plans",
             (C("equipment_id", "reg.equipment", "link", "engineering.equipment_detail", source="equipment"),
              C("name", "reg.plan_name"), C("kind", "reg.kind", "enum", "plan"),
              C("every_days", "reg.every_days"), C("next_due_on", "reg.next_due_on"),
              C("active", "reg.active", "bool"), C("cancel_reason", "reg.cancel_reason")),
             fields=(F("equipment_id", "reg.equipment", "pick", True, group="equipment"), *PLAN_FIELDS),
             filters=(F("equipment_id", "reg.equipment", "pick", group="equipment"),),
             actions=(A("stop", "reg.stop_plan", (F("reason", "reg.reason", "textarea", True),), (True,),
                        when_field="active"),),
             roles=menu.ENGINEERING),
)

# 备品备件: engineering's parts store (maintenance's parts.py); the units as the API names them
PART_UNITS = ("piece", "set", "box", "roll", "m", "m2", "kg", "l")
PART_MOVE = (F("work_order_id", "field.work_order_id", required=True), F("qty", "field.qty", "quantity", True))
ENGINEERING += (
    Register("engineering", "parts", "menu.parts", "parts",
             (C("code", "reg.code"), C("name", "admin.name"), C("unit", "field.part_unit", "enum", "part_unit"),
              C("on_hand", "field.on_hand"), C("minimum", "field.minimum"),
              C("unit_cost_cents", "field.unit_cost_cents", "money"), C("value_cents", "field.stock_value_cents", "money"),
              C("below_minimum", "field.below_minimum", "flag", "reg.below_minimum_flag")),
             fields=(F("code", "reg.code", required=True), F("name", "admin.name", required=True),
                     F("unit", "field.part_unit", "choice", True, PART_UNITS, "part_unit"),
                     F("minimum", "field.minimum", "quantity")),
             filters=(F("below_minimum", "field.below_minimum", "choice", choices=("true",), group="flag"),),
             actions=(A("receipts", "reg.receive_part", (
                 F("qty", "field.qty", "quantity", True), F("unit_cost_cents", "field.unit_cost_cents", "money", True),
                 F("supplier", "field.supplier"), F("reference", "field.delivery_reference"))),
                 A("issues", "reg.issue_part", PART_MOVE), A("returns", "reg.return_part", PART_MOVE),
                 A("counts", "reg.count_part", (F("counted", "field.counted", "quantity", True),
                                                F("note", "reg.notes", "textarea"))),
                 # its name or minimum corrected (code and unit kept: h13)
                 A("edit", "reg.edit_part", (F("name", "admin.name"), F("minimum", "field.minimum", "quantity")),
                   method="PATCH")),
             # its own page: its movements paged (GET …/parts/{id}/movements, h2)
             roles=menu.ENGINEERING | menu.FINANCE, detail="engineering.part_detail"),
    Register("engineering", "renovation-reviews", "menu.renovation_reviews", "renovation-reviews",
             (C("kind", "reg.kind", "enum", "application"), HOUSEHOLD, C("description", "reg.description"),
              C("structural_change", "reg.structural_change", "bool"), STATUS,
              C("requested_at", "reg.requested_at", "when"), C("reviewer", "reg.by"),
              # the reviewer's words, written and shown nowhere (a number in them masked by the gateway
              # for who reads phones masked: session 51's leftovers)
              C("notes", "reg.notes")),
             filters=(F("status", "reg.status", "choice", choices=("pending", "approved", "rejected", "withdrawn"),
                        group="status"),),
             actions=(A("decide", "reg.decide", (
                 F("decision", "reg.decision", "choice", True, ("approved", "rejected"), "status"),
                 F("notes", "reg.notes", "textarea", True)), ("pending",)),),
             roles=menu.ENGINEERING),
)

ACCOUNTS = (
    # the reminders sent (催缴), sent from the arrears: recorded and listed nowhere, the arrears naming
    # a household's last one only (a probe of the steward's month)
    Register("accounts", "reminders", "menu.reminders", "arrears/reminders",
             (C("sent_at", "reminders.sent_at", "when"), HOUSEHOLD, C("channel", "arrears.channel", "enum", "channel"),
              C("overdue_cents", "arrears.overdue", "money"), C("bills", "arrears.bills"),
              C("age_days", "arrears.age"), C("sent_by", "reg.by"), C("note", "reg.notes")),
             filters=(F("period", "reminders.sent_in", "month"), F("household_id", "picker.household", "household")),
             roles=menu.COLLECTORS, tabs=(("accounts.arrears", "menu.arrears"),)),
    Register("accounts", "payments", "menu.payments", "payments",  # taken on accounts.new_payment
             (C("receipt_number", "receipt.number"), C("day", "payments.day"),
              C("household_id", "picker.household", "household"), C("amount_cents", "bill.amount", "money"),
              C("method", "pay.method", "enum", "method"), C("cashier", "receipt.cashier"),
              C("status", "bill.status", "enum", "payment_status"),
              # the channel's number, which a line of its statement (对账单) is reconciled by
              C("transaction_id", "field.transaction_id")),
             filters=(F("status", "bill.status", "choice", choices=("posted", "pending", "reversal_pending", "reversed"),
                        group="payment_status"), F("household_id", "picker.household", "household"),
                      # a receipt as the owner quotes it (the API reads rc-2026-42 as RC-2026-000042), a
                      # line of the channel's statement by its number
                      F("receipt_number", "receipt.number", "code"), F("transaction_id", "field.transaction_id", "code")),
             roles=menu.FINANCE, detail="accounts.payment", totals=("amount_cents",),
             # a receipt number no payment has may be a top-up's (the same series)
             totals_skip=("reversed",), elsewhere="top_up_receipts"),
    Register("accounts", "settlements", "menu.settlements", "journals/settlements",
             (C("date", "reg.day"), C("cashier", "reg.cashier"), C("in_cents", "reg.in", "money"),
              C("out_cents", "reg.out", "money"), C("net_cents", "reg.net", "money"),
              # the day's money by payment method, and by journal: the cash one is the cash to hand over
              C("by_method", "settle.by_method", "totals", "method"),
              C("by_journal", "settle.by_journal", "totals", "journal"),
              C("closed_at", "reg.closed_at", "when"), C("closed_by", "reg.by"),
              # settled past the estate's recorded_within_days, by closed_by
              C("late", "settle.late", "flag", "settle.late"),
              # 长短款: the drawer counted against the cash journal, and the cashier's explanation
              C("counted_cash_cents", "settle.counted_cash", "money"),
              # 备用金: the float counted with the cash, and what the drawer was expected to hold
              C("float_cents", "settle.float", "money"), C("expected_cash_cents", "settle.expected_cash", "money"),
              C("cash_difference_cents", "settle.cash_difference", "money"), C("note", "settle.note"),
              # 交班: a shift's settlement, its place in the day, and whether it closed the day
              C("shift", "settle.shift"), C("closes_day", "settle.closes_day", "bool")),
             # a settled day takes no more payments of that cashier: asked before it is closed; a
             # shift's settlement (交班, the box ticked: closes_day false) leaves the day open
             fields=(F("date", "reg.day", "date", True), F("cashier", "reg.cashier", "user", True),
                     F("closes_day", "settle.shift_only", "off"),
                     F("counted_cash_cents", "settle.counted_cash", "money"),
                     # 备用金: the float in the drawer counted; left empty, the estate's setting
                     F("float_cents", "settle.float_typed", "money"),
                     F("note", "settle.note", "textarea"),
                     F("confirm", "settle.confirm", "confirm", True)),
             filters=(F("date", "reg.day", "date"), F("cashier", "reg.cashier")), roles=menu.FINANCE,
             # the start page's days left unsettled open the form on their day and cashier; who settles
             # which day (the accountant a late one only) said above it
             prefill=("date", "cashier"), hint="settle.hint", preview="day_totals", tabs=(("registers.journals", "menu.journals"),)),
    # the cashier's cash and bank journals (seeds, 出纳: 现金日记账、银行存款日记账, 日清月结): what a day's
    # settlement closes, read entry by entry before it is settled (a probe of the accounts' month end)
    Register("accounts", "journals", "menu.journals", "journals",
             (C("day", "reg.day"), C("cashier", "reg.cashier"), C("journal", "field.journal", "enum", "journal"),
              C("kind", "journal.kind", "enum", "journal_kind"), C("method", "pay.method", "enum", "method"),
              C("direction", "journal.direction", "enum", "direction"),
              C("amount_cents", "bill.amount", "money"), C("receipt_number", "receipt.number"),
              HOUSEHOLD, C("posted_at", "journal.posted_at", "when")),
             filters=(F("day", "reg.day", "date"), F("cashier", "reg.cashier"),
                      F("journal", "field.journal", "choice", enum="JournalName", group="journal"),
                      F("kind", "journal.kind", "choice", enum="JournalEntryKind", group="journal_kind")),
             roles=menu.FINANCE, tabs=(("registers.settlements", "menu.settlements"),)),
)

REGISTERS = FRONT_DESK + SECURITY + ARCHIVE + ENGINEERING + ACCOUNTS
BY_SLUG = {spec.slug: spec for spec in REGISTERS}  # a row's own page finds its register's actions
