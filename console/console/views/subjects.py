"""A subject that a page names by its id (a change-log entry's, a borrow request's, an archive
record's), as people know it: a household by its flat, the estate by its name, a request, a work
order or an incident by its number, a payment by its receipt, a patrol round by its route and its
start, equipment by its code and name, a notice by its title, a shift handover by its date, shift
and guards, a unit's takeover or handover by its flat, kind and day, a cost by its category, amount
and day, the maintenance fund's deposit and use by their amount, day (and work order), a cashier's
day settled late by its cashier and day, a developer's handover of the estate by its day and developer. The change
log and the borrow requests showed the internal ids of all but households and the estate (review).

Each is read once a page (``SubjectLabels``), from its own service when the user's roles read it
there (``permissions.may``), else from its archive records for one who lists those (the archivist
reads no payment or incident, but every record, and a record keeps its subject's number); its id
when neither says. The archive's own check plans and checks are named from its lists (a plan by
its year and dates, a check by its day), a takeover or handover from the estate's list of them, and
a correction by the record it corrects."""
from urllib.parse import quote

from flask import g

from .. import i18n, permissions
from . import common

# a subject type -> its collection under the estate, which reads one by its id
COLLECTIONS = {"service_request": "service-requests", "work_order": "work-orders", "incident": "incidents",
               "payment": "payments", "patrol_round": "patrol-rounds", "equipment": "equipment"}
# an archive document the change log names -> the archive's list of them, read whole once a page
# (an estate makes one plan a year and a few checks in it: the largest page holds years of them)
ARCHIVE_LISTS = {"archive_check_plan": "archive/check-plans", "archive_check": "archive/checks",
                 # a unit's takeover or handover (接管验收 / 交房): no read by its id; a change-log
                 # line names its household (``_listed``), one from before read from the
                 # estate's list (oldest first, as the change log): one past its first page keeps its id
                 "handover": "handovers"}
# a field of an archive record's data that names another subject by its id -> that subject's type
# (a work order's records name its request by ``request_id``, a missed round's by ``round_id``)
ID_FIELDS = {"household_id": "household", "request_id": "service_request", "work_order_id": "work_order",
             "incident_id": "incident", "payment_id": "payment", "round_id": "patrol_round"}


def label_of(found):
    """The label of a subject as read (or as one of its archive records' ``data`` keeps it): its
    number (SR-…, WO-…, an incident's), a payment's receipt number, a patrol round's route and
    scheduled start; None when it has none of them."""
    for field in ("number", "receipt_number"):
        if isinstance(found.get(field), str) and found[field]:
            return found[field]
    route = found.get("route_name")
    if isinstance(route, str) and route:
        return f"{route} {i18n.when(found['scheduled_start'])}" if found.get("scheduled_start") else route
    return None


def _equipment(data):
    return " ".join(part for part in (data.get("code"), data.get("name")) if isinstance(part, str) and part)


def _shift_handover(data):
    guards = " → ".join(g for g in (data.get("from_guard"), data.get("to_guard")) if isinstance(g, str) and g)
    return " ".join(part for part in (data.get("date"), i18n.label("shift", data.get("shift")), guards) if part)


def _operating_expense(data):
    return " ".join(part for part in (i18n.label("opcat", data.get("category")), i18n.money(data.get("amount_cents")),
                                      i18n.day(data.get("recorded_at"))) if part)


def _opening_balance(data):
    """An opening balance carried over (期初欠费): its fee item, month and amount."""
    return " ".join(part for part in (i18n.label("fee_item", data.get("item")), data.get("period"),
                                      i18n.money(data.get("amount_cents"))) if isinstance(part, str) and part)


def _opening_credit(data):
    """An opening credit handed over (期初预收): its number and amount."""
    return " ".join(part for part in (data.get("receipt_number"), i18n.money(data.get("amount_cents")))
                    if isinstance(part, str) and part)


def _fund_deposit(data):
    return " ".join(part for part in (i18n.money(data.get("amount_cents")), data.get("day")) if part)


def _fund_use(data):
    return " ".join(part for part in (i18n.money(data.get("amount_cents")), i18n.day(data.get("requested_at")),
                                      data.get("work_order_number")) if isinstance(part, str) and part)


def _estate_handover(data):
    """A session of the developer's handover of the estate (开发商移交): its day and who handed over."""
    return " ".join(part for part in (data.get("date"), data.get("handed_over_by")) if isinstance(part, str) and part)


def _settlement(data):
    return " ".join(part for part in (data.get("cashier"), data.get("date")) if isinstance(part, str) and part)


def _patrol_suspension(data):
    """停巡: by its window, as a missed-round notice in it is matched to it (an auditor's question)."""
    window = " – ".join(i18n.when(data.get(end)) for end in ("from", "to") if isinstance(data.get(end), str))
    return " ".join(part for part in (window, data.get("reason")) if isinstance(part, str) and part)


# a subject type whose records (its first one, the event that made it) name it by their data ->
# how: the change log read ``eq_…``, ``ntc_…``, ``opex_…`` for equipment, a notice, a cost (review)
NAMED_BY_DATA = {"equipment": _equipment, "notice": lambda data: data.get("title"),
                 "shift_handover": _shift_handover, "operating_expense": _operating_expense,
                 "fund_deposit": _fund_deposit, "fund_use": _fund_use, "settlement": _settlement,
                 "opening_balance": _opening_balance, "opening_credit": _opening_credit,
                 "estate_handover": _estate_handover, "patrol_suspension": _patrol_suspension}


def named_by_data(subject_type, data):
    """A subject as the data of its record (or as its own service reads it) names it: by its type's
    own fields (``NAMED_BY_DATA``: equipment by its code and name, a notice by its title, a shift
    handover by its date, shift and guards, a cost by its category, amount and day, the fund's
    deposit by its amount and day, its use by its amount, day and work order, a cashier's day
    settled late by its cashier and day, a developer's handover by its day and developer), else
    ``label_of``;
    None when it says nothing of them."""
    named = NAMED_BY_DATA.get(subject_type)
    return (named(data) or None) if named else label_of(data)


def bill_named(bill):
    """A bill as a payment's record names it: its fee item and period (物业费 2026-11); None for a
    record announced before finance named its bills (its id is shown then: the archivist reads no
    bill of finance's)."""
    if not isinstance(bill.get("item"), str):
        return None
    return " ".join(part for part in (i18n.label("fee", bill["item"]), bill.get("period")) if part)


def plan_named(plan):
    """An archive check plan as people know it: its year and its planned dates."""
    dates = i18n.listed(plan.get("planned_dates") or ())
    return i18n.translate("archive.plan_named", year=plan.get("year"), dates=dates)


def check_named(check):
    """An archive check as people know it: the estate's day it was made (as a plan's dates read)."""
    return i18n.day(check.get("checked_at"))


def handover_named(handover, households):
    """A unit's takeover or handover as people know it: its flat, its kind and its day (1-1-101 交房
    2026-12-01); ``households``: the page's ``common.HouseholdLabels``."""
    flat = households.get(handover.get("household_id")) or handover.get("household_id")
    return " ".join(part for part in (flat, i18n.label("handover", handover.get("kind")), handover.get("date")) if part)


class SubjectLabels:
    """``get(subject_type, subject_id)``: the subject's label for a page, read at most once (and at
    most ``LOOKUPS`` reads a page); its id when it cannot be named. ``households``: the page's
    ``common.HouseholdLabels``, when it has them."""

    LOOKUPS = common.PAGE_SIZE

    def __init__(self, households=None):
        self._households = households if households is not None else common.HouseholdLabels({}, complete=False)
        self._known, self._left, self._lists = {}, self.LOOKUPS, {}
        self._records = {}  # subject id -> its archive records (a page of them), read once a page

    def get(self, subject_type, subject_id, at=None, household=None):
        """``at``: when the change-log line was made, which names a correction (``_correction``);
        ``household``: the household its line names (a takeover's or handover's)."""
        if not subject_id:
            return ""
        if subject_type == "handover" and household:
            named = self._listed("handover", household).get(subject_id)
            if named:
                return named
        if subject_type == "household":
            return self._households.get(subject_id) or subject_id
        if subject_type == "estate":
            return common.session_estate_name() if subject_id == g.user.estate_id else subject_id
        if subject_type in ARCHIVE_LISTS:
            return self._listed(subject_type).get(subject_id) or subject_id
        readers = {"borrow_request": self._borrowing, "record": lambda _, record_id: self._correction(record_id, at)}
        if subject_type not in COLLECTIONS and subject_type not in NAMED_BY_DATA and subject_type not in readers:
            return subject_id
        key = (subject_type, subject_id)
        if key not in self._known:
            read = readers.get(subject_type, self._read)
            self._known[key] = read(subject_type, subject_id) if self._left > 0 else None
            if subject_type != "record":  # a correction counts each read it makes itself
                self._left -= 1
        return self._known[key] or subject_id

    def _listed(self, subject_type, household_id=None):
        """``{id: label}`` of a list's first page, read once a page: the archive's check plans or
        checks, the estate's takeovers and handovers (the change log showed them as ``acp_…``,
        ``acheck_…``, ``handover_…``: a probe of the archives' work), or with ``household_id`` that
        household's (a few: the estate's list holds the first ``LARGEST_PAGE`` alone), a read for
        each household a page names, and so one of its ``LOOKUPS``."""
        key = subject_type if household_id is None else (subject_type, household_id)
        if key not in self._lists:
            path, query = ARCHIVE_LISTS[subject_type], ({} if household_id is None else {"household_id": household_id})
            page = None
            if permissions.may("GET", path) and (not query or self._left > 0):
                self._left -= bool(query)  # a household's read is one of the page's LOOKUPS
                page = common.optional_read(path, limit=common.LARGEST_PAGE, **query)
            named = {"archive_check_plan": plan_named, "archive_check": check_named,
                     "handover": lambda handover: handover_named(handover, self._households)}[subject_type]
            self._lists[key] = {item["id"]: named(item) for item in (page or {}).get("items", [])
                                if item.get("id")}
        return self._lists[key]

    def _correction(self, record_id, at):
        """A correction's change-log line as the record it corrects: its subject, and that record's
        event and time (收款 RC-2026-000001 · 收款入账 2026-12-05 16:00); it read ``rec_…``, the
        corrected record's id (a probe of the archives' work). No list reads a record by its id:
        the correction is itself a record, made at the line's moment (``at``), which names the
        record it corrects (``corrects``) and their subject; the corrected one is among its
        subject's records, and so is the correction. A subject's records are read once a page
        (``_records_of``): a page of a subject's corrections read them again for each line, two
        reads a line of up to 200 records each (review)."""
        if not at or not permissions.may("GET", "archive/records"):
            return None
        correction = self._correcting(record_id, at)
        if correction is None or not correction.get("subject_id"):
            return None
        theirs = self._records_of(correction["subject_id"])
        subject = next(filter(None, (named_by_data(correction.get("subject_type"), r.get("data") or {})
                                     for r in [correction, *theirs])), None)
        named = " ".join((i18n.label("subject", correction.get("subject_type")),
                          subject or self.get(correction.get("subject_type"), correction["subject_id"])))
        corrected = next((r for r in theirs if r.get("id") == record_id), None)
        if corrected is None:
            return named
        return f"{named} · {i18n.record_event(corrected)} {i18n.when(corrected.get('occurred_at'))}"

    def _correcting(self, record_id, at):
        """The correction of ``record_id`` made at ``at``: among the records of a subject the page
        has read (a correction is one of its subject's), else among those made at ``at`` (one read,
        counted against ``LOOKUPS``); None when neither has it."""
        for records in self._records.values():
            found = next((r for r in records if r.get("corrects") == record_id and r.get("occurred_at") == at), None)
            if found is not None:
                return found
        if self._left <= 0:
            return None
        self._left -= 1
        made = common.optional_read("archive/records", limit=common.LARGEST_PAGE, **{"from": at, "to": at}) or {}
        return next((r for r in made.get("items", []) if r.get("corrects") == record_id), None)

    def _records_of(self, subject_id):
        """A subject's archive records (the largest page of them), read once a page and counted
        against ``LOOKUPS``; [] when they cannot be read, or the page has read its ``LOOKUPS``."""
        if subject_id not in self._records:
            if self._left <= 0:
                return []
            self._left -= 1
            page = common.optional_read("archive/records", subject_id=subject_id, limit=common.LARGEST_PAGE)
            self._records[subject_id] = (page or {}).get("items", [])
        return self._records[subject_id]

    def _borrowing(self, _, borrow_id):
        """A borrow request as what it asked for: its kind and its subject (借出 房屋 1-1-101), where
        the change log's four lines of one borrowing each read ``borrow_81dc…`` (a probe of the
        archives' work)."""
        if not permissions.may("GET", "archive/borrow-requests/{id}"):
            return None
        found = common.optional_read(f"archive/borrow-requests/{quote(borrow_id, safe='')}") or {}
        if not found.get("subject_id"):
            return None
        subject = self.get(found.get("subject_type"), found["subject_id"])
        return " ".join((i18n.label("borrow", found.get("kind")), i18n.label("subject", found.get("subject_type")),
                         subject))

    def of_record(self, record):
        """An archive record's subject as people know it: from what the record itself carries (its
        number, a payment's receipt number, a round's route), else as ``get`` names it."""
        return (named_by_data(record.get("subject_type"), record.get("data") or {})
                or self.get(record.get("subject_type"), record.get("subject_id")))

    def facts(self, record):
        """``[(label, value)]`` of an archive record's data as its page shows them (``fact``), a
        payment's bills by their fee item and period (物业费 2026-11) where its event names them
        (``bill_named``)."""
        data = record.get("data") or {}
        bills = data.get("bills") if isinstance(data.get("bills"), list) else None
        named = {b["bill_id"]: bill_named(b) for b in bills or () if isinstance(b, dict) and b.get("bill_id")}
        shown = []
        for name, value in data.items():
            if name == "bill_ids" and isinstance(value, list):
                shown.append((i18n.field_name(name), ", ".join(named.get(v) or str(v) for v in value)))
            elif name == "bills" and bills is not None and all(isinstance(b, dict) for b in bills):
                if "bill_ids" not in data:  # a reversal's: each bill with the cents it reopened
                    shown.append((i18n.field_name(name), ", ".join(self._bill_line(b) for b in bills)))
            else:
                shown.append(self.fact(name, value, record.get("subject_type")))
        return shown

    def _bill_line(self, bill):
        """A bill of a reversal's record: its name (or id), the cents reopened, the subject of the
        charge it came from (工单 WO-…; its type alone where it cannot be named)."""
        line = bill_named(bill) or str(bill.get("bill_id", ""))
        if isinstance(bill.get("amount_cents"), int):
            line += f" {i18n.money(bill['amount_cents'])}"
        subject = (bill.get("charge") or {}).get("subject") if isinstance(bill.get("charge"), dict) else None
        if isinstance(subject, dict) and isinstance(subject.get("id"), str):
            name = self.get(subject.get("type"), subject["id"])
            kind = i18n.label("subject", subject.get("type"))
            line += f" ({kind}{' ' + name if name != subject['id'] else ''})"
        return line

    def fact(self, name, value, subject_type=None):
        """``(label, value)`` of a field of an archive record's data as its page shows it: another
        subject named by its id (``ID_FIELDS``, or a work order's ``source``) as that subject, when
        it can be named (报事 SR-…); any other field as ``i18n.field_name`` and ``i18n.field_value``
        show it."""
        if name in ID_FIELDS and isinstance(value, str) and value:
            named = self.get(ID_FIELDS[name], value)
            if named != value:
                return i18n.label("subject", ID_FIELDS[name]), named
        if name == "source" and isinstance(value, dict) and isinstance(value.get("id"), str):
            # a work order's origin ``{type, id}`` as that subject (报事 SR-…): it read 类型: 报事,
            # 编号（系统）: sr_0a0a… (a probe of the archives' work)
            named = self.get(value.get("type"), value["id"])
            if named != value["id"]:
                return i18n.field_name(name), f"{i18n.label('subject', value.get('type'))} {named}"
        return i18n.field_name(name, subject_type), i18n.field_value(name, value, subject_type)

    @staticmethod
    def _read(subject_type, subject_id):
        """From its own service, where it reads one by its id (``COLLECTIONS``) and the roles may,
        else from its first archive record: the event that made it, whose data names it."""
        collection = COLLECTIONS.get(subject_type)
        if collection and permissions.may("GET", f"{collection}/{{id}}"):
            return named_by_data(subject_type, common.optional_read(f"{collection}/{quote(subject_id, safe='')}") or {})
        if permissions.may("GET", "archive/records"):
            records = (common.optional_read("archive/records", subject_type=subject_type, subject_id=subject_id,
                                            limit=1) or {}).get("items")
            return named_by_data(subject_type, (records[0].get("data") or {}) if records else {})
        return None
