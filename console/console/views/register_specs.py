"""What each register screen lists, asks and offers, in the words of contracts/openapi.yaml.

``path`` is the collection under /api/v1/estates/{id}/; a ``Field``'s name is the body's (or the
query's) name; an ``Action`` posts to ``{path}/{item id}/{name}``. ``when`` only decides where a
button is shown (the row's status as the API reports it): the API still decides what is allowed.
Labels are message keys; ``group`` names the label group of an enum's values.
"""
from dataclasses import dataclass

from .. import menu


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text, textarea, int, bool, choice, household, moment, date, month, lines, money
    required: bool = False
    choices: tuple = ()
    group: str = ""  # label group of the choices / values


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    kind: str = "text"  # text, when, money, enum, household, bool, list, count
    group: str = ""


@dataclass(frozen=True)
class Action:
    name: str
    label: str
    fields: tuple = ()
    when: tuple = ()  # statuses the button shows for; empty: always


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
    detail: str = ""  # endpoint of a row's own page (takes item_id), when it has one


F, C, A = Field, Column, Action
STATUS = C("status", "reg.status", "enum", "status")
CREATED = C("created_at", "reg.created_at", "when")
HOUSEHOLD = C("household_id", "picker.household", "household")
SERVICE_LINES = ("power", "water", "heating", "elevator", "fire_security", "cleaning", "greening", "parking",
                 "repairs", "front_desk", "community_activities")
INCIDENT_TYPES = ("fire_alarm", "burglary", "flooding", "elevator_entrapment", "public_disorder")
FIRE_KINDS = ("extinguisher", "hydrant", "sprinkler", "smoke_detector", "alarm_panel", "fire_door", "emergency_light",
              "exit_sign", "fire_pump", "other")
SHIFTS = ("day", "evening", "night")
SYSTEMS = ("water", "power", "heating", "ventilation", "elevator", "fire", "smart")
NOTE = F("notes", "reg.notes", "textarea")

FRONT_DESK = (
    Register("desk", "surveys", "menu.surveys", "surveys",
             (C("title", "reg.title"), C("year", "reg.year"), C("service_lines", "reg.service_lines", "list", "line"),
              CREATED),
             fields=(F("title", "reg.title", required=True), F("year", "reg.year", "int", True),
                     F("service_lines", "reg.service_lines", "multi", True, SERVICE_LINES, "line")),
             filters=(F("year", "reg.year", "int"),), roles=menu.FRONT_DESK),
    Register("desk", "notices", "menu.notices", "notices",
             (C("title", "reg.title"), C("body", "reg.body"), C("building", "picker.building"),
              C("published_at", "reg.published_at", "when")),
             fields=(F("title", "reg.title", required=True), F("body", "reg.body", "textarea", True),
                     F("building", "picker.building")),
             filters=(F("building", "picker.building"),), roles=menu.FRONT_DESK),
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
    Register("desk", "tool-loans", "menu.tool_loans", "tool-loans",
             (C("tool", "reg.tool"), C("borrower", "reg.borrower"), HOUSEHOLD, STATUS,
              C("lent_at", "reg.lent_at", "when"), C("due_back_at", "reg.due_back", "when")),
             fields=(F("tool", "reg.tool", required=True), F("borrower", "reg.borrower", required=True),
                     F("household_id", "picker.household", "household"), F("due_back_at", "reg.due_back", "moment")),
             filters=(F("status", "reg.status", "choice", choices=("out", "returned"), group="status"),),
             actions=(A("return", "reg.return", (NOTE,), ("out",)),), roles=menu.FRONT_DESK),
    Register("desk", "visitors", "menu.visitors", "visitors",
             (C("name", "reg.name"), C("phone", "admin.phone"), C("visiting_household_id", "reg.visiting", "household"),
              C("purpose", "reg.purpose"), C("plate", "reg.plate"), C("arrived_at", "reg.arrived_at", "when")),
             fields=(F("name", "reg.name", required=True), F("phone", "admin.phone"),
                     F("visiting_household_id", "reg.visiting", "household", True),
                     F("purpose", "reg.purpose", required=True), F("plate", "reg.plate")),
             filters=(F("visiting_household_id", "reg.visiting", "household"),), roles=menu.FRONT_DESK),
    Register("desk", "applications", "menu.applications", "applications",
             (C("kind", "reg.kind", "enum", "application"), HOUSEHOLD, C("description", "reg.description"),
              C("works_from", "reg.works_from"), C("works_to", "reg.works_to"), STATUS, CREATED),
             fields=(F("kind", "reg.kind", "choice", True, ("move_in", "renovation"), "application"),
                     F("household_id", "picker.household", "household", True),
                     F("description", "reg.description", "textarea", True),
                     F("structural_change", "reg.structural_change", "bool", True),
                     F("works_from", "reg.works_from", "date"), F("works_to", "reg.works_to", "date")),
             filters=(F("kind", "reg.kind", "choice", choices=("move_in", "renovation"), group="application"),
                      F("status", "reg.status", "choice", choices=(
                          "under_review", "approved", "rejected", "fees_requested", "fees_paid", "works_started",
                          "accepted"), group="status")),
             actions=(A("start-works", "reg.start_works", (NOTE,)),
                      A("acceptance", "reg.acceptance", (
                          F("customer_service_by", "reg.customer_service_by", required=True),
                          F("maintenance_by", "reg.maintenance_by", required=True),
                          F("passed", "reg.passed", "bool", True), NOTE))),
             roles=menu.FRONT_DESK),
)

REGISTERS = FRONT_DESK
