"""Archive rules: master data shapes, records of events.

Plain functions: no broker, no store.
"""
import re
from decimal import Decimal

from estate_common import archive_access, calendar, clock, custom_fields, ids, numbering, personal_data
from estate_common.errors import Conflict, Forbidden, InvalidInput, field_error
from estate_common.text import address_key as part_key, address_part, spaced

from . import occupants

# Which events become part of the permanent record, and what subject each is about.
RECORDED_EVENTS = {
    ("customer_service", "service_request_created"): "service_request",
    ("customer_service", "service_request_overdue"): "service_request",
    ("customer_service", "complaint_escalated"): "service_request",
    ("customer_service", "complaint_reopened"): "service_request",  # 复诉: between the close it undid and the next
    ("customer_service", "service_request_closed"): "service_request",
    ("customer_service", "service_request_household_corrected"): "service_request",  # the desk's mistake, mended
    ("customer_service", "service_request_transferred"): "service_request",  # handed to a colleague (转交)
    # joined a fault's order (并入故障工单): which, who, when; its own order cancelled beside it (review r5)
    ("customer_service", "service_request_joined"): "service_request",
    ("maintenance", "work_order_created"): "work_order",
    ("maintenance", "work_order_completed"): "work_order",
    ("maintenance", "work_order_overdue"): "work_order",  # its owed work past its deadline, announced once
    ("maintenance", "work_order_assigned"): "work_order",  # the technician sent (派工), or another in his place
    ("maintenance", "work_order_appointed"): "work_order",  # the visit agreed with the occupant (预约), or moved (改约)
    ("maintenance", "work_order_quoted"): "work_order",  # priced before the work (收费项目)
    ("maintenance", "work_order_consented"): "work_order",  # the occupant agreed to the quote
    ("maintenance", "work_order_held"): "work_order",  # 待料: waiting for parts or for the occupant
    ("maintenance", "work_order_resumed"): "work_order",  # back to work after a hold or a new appointment
    ("maintenance", "work_order_help_requested"): "work_order",  # handed back for help
    # 计划停水停电: a cut's preparation order took the cut's moved times (改期, or its end alone: h4)
    ("maintenance", "work_order_outage_moved"): "work_order",
    ("security_patrol", "patrol_round_finished"): "patrol_round",
    ("security_patrol", "anomaly_reported"): "patrol_anomaly",
    ("security_patrol", "incident_escalated"): "incident",
    ("security_patrol", "incident_reclassified"): "incident",
    ("security_patrol", "incident_closed"): "incident",
    ("finance", "payment_posted"): "payment",
    ("finance", "payment_reversed"): "payment",  # kept beside the payment's posting
    ("finance", "reminder_sent"): "arrears_reminder",
    ("finance", "deposit_refunded"): "deposit",  # a renovation deposit paid back after the acceptance
    ("finance", "deposit_deductions_reversed"): "deposit",  # its deductions made in error taken back: beside it
    # a manager's decision on the deductions a cashier's refund asked (押金扣除审批): beside the deposit
    ("finance", "deposit_refund_approved"): "deposit",
    ("finance", "deposit_refund_rejected"): "deposit",
    ("finance", "utility_balance_low"): "utility_account",  # a low-balance notice of a prepaid utility
    ("finance", "opening_balance_recorded"): "opening_balance",  # owed to the previous company, carried over (期初欠费)
    ("finance", "opening_credit_recorded"): "opening_credit",  # paid to the previous company ahead, handed over (期初预收)
    ("finance", "opening_credit_reversed"): "opening_credit",  # recorded wrong: kept beside the credit
    ("finance", "seller_prepaid_held"): "seller_prepaid",  # a sale: the seller's prepaid money held apart
    ("finance", "seller_prepaid_added"): "seller_prepaid",  # a late sale's restatement: more of his money held
    ("finance", "seller_prepaid_refunded"): "seller_prepaid",  # paid back to the seller: kept beside the hold
    ("finance", "seller_prepaid_carried_over"): "seller_prepaid",  # the buyer's by agreement, with its reason
    # the owner's money owed back at the contract's end refunded (退还) or handed to the next company (移交)
    ("finance", "exit_prepaid_refunded"): "exit_settlement",
    ("finance", "exit_prepaid_transferred"): "exit_settlement",
    # money collected on behalf of others (代收代缴): an owner's money for a payee, under the household; handed on
    ("finance", "pass_through_collected"): "pass_through_collection",
    ("finance", "pass_through_collection_reversed"): "pass_through_collection",  # typed wrong: beside it (h4)
    ("finance", "pass_through_remitted"): "pass_through_remittance",
    ("finance", "operating_expense_recorded"): "operating_expense",  # a cost of the disclosure's expenses
    ("finance", "operating_expense_reversed"): "operating_expense",  # kept beside the cost
    ("finance", "public_revenue_contract_registered"): "public_revenue_contract",  # a common part's use (公共收益)
    ("finance", "public_revenue_received"): "public_revenue_receipt",  # its income, the operator's and owners' parts
    ("finance", "public_revenue_reversed"): "public_revenue_receipt",  # typed wrong, taken back: beside the receipt
    ("finance", "public_revenue_contract_terminated"): "public_revenue_contract",  # ended early or cancelled
    ("finance", "public_revenue_refunded"): "public_revenue_contract",  # paid back after its early end: beside it
    ("finance", "fund_deposit_posted"): "fund_deposit",  # money into the special maintenance fund
    ("finance", "fund_deposit_reversed"): "fund_deposit",  # kept beside the deposit
    ("finance", "fund_use_requested"): "fund_use",  # a use of the special maintenance fund, asked for
    ("finance", "fund_use_approved"): "fund_use",  # its money paid out: kept beside the request
    ("finance", "fund_use_rejected"): "fund_use",  # kept beside the request
    ("finance", "day_settled_late"): "settlement",  # a cashier's day settled late (日清月结 missed): who closed it
    ("finance", "billing_run_finished"): "billing_run",  # a run's end: its period and counts, who started it
    ("security_patrol", "fire_check_overdue"): "fire_check",  # a facility that missed its check of the cycle
    ("security_patrol", "patrol_round_missed"): "patrol_round",  # a planned round nobody walked through
    # 停巡: a window whose planned rounds were owed by no one, and its withdrawal (owed again), each
    # naming the window: a missed-round notice raised before it for a slot in it is matched to it
    ("security_patrol", "patrol_suspended"): "patrol_suspension",
    ("security_patrol", "patrol_suspension_withdrawn"): "patrol_suspension",
    # 预警响应: an estate's emergency plan activated at a weather warning, and its stand-down (解除), kept
    # under the estate as one subject, the alert: when the plan stood, at which level, who raised it
    ("security_patrol", "emergency_alert_raised"): "emergency_alert",
    ("security_patrol", "emergency_alert_level_changed"): "emergency_alert",
    ("security_patrol", "emergency_alert_stood_down"): "emergency_alert",
    # DOMAIN.md "Archive": equipment archives, handover documents, notices, cancelled orders
    ("maintenance", "work_order_cancelled"): "work_order",
    ("maintenance", "equipment_registered"): "equipment",
    ("maintenance", "equipment_record_added"): "equipment",
    # 停运: a piece out of service (since when, why, the order it waits on) and back, on its archive
    ("maintenance", "equipment_out_of_service"): "equipment",
    ("maintenance", "equipment_back_in_service"): "equipment",
    # 报废 / 停用: a piece retired for good (its day, why, by whom), on its archive
    ("maintenance", "equipment_retired"): "equipment",
    # a retired piece's preventive plan cancelled with its scheduled inspections of that day on (h4), on its archive
    ("maintenance", "maintenance_plan_cancelled"): "equipment",
    # 年检合格证 coming due (expired or within the warning days), told once a certificate: on its archive
    ("maintenance", "equipment_certificate_due"): "equipment",
    # 备品备件: each receipt, issue, return and stocktake count of engineering's parts store, on the part's archive
    ("maintenance", "part_moved"): "spare_part",
    ("maintenance", "part_updated"): "spare_part",  # its name or minimum corrected (h2)
    ("customer_service", "notice_published"): "notice",
    ("customer_service", "notice_withdrawn"): "notice",  # taken off the board (撤下), kept beside it
    ("customer_service", "notice_revised"): "notice",  # 修订: a new restoration time, kept beside it
    ("security_patrol", "shift_handover_recorded"): "shift_handover",
    # the security team's month on duty (h7): its roll calls (考勤), spot checks of the posts (巡察), discipline
    # records, trainings and each guard's assessment (考核), one subject under the estate, each record its own id
    ("security_patrol", "roll_call_recorded"): "security_team",
    ("security_patrol", "post_spot_checked"): "security_team",
    ("security_patrol", "discipline_recorded"): "security_team",
    ("security_patrol", "training_recorded"): "security_team",
    ("security_patrol", "guard_assessed"): "security_team",
    # a move-in's or renovation's works window moved before the works (改期): who, when, why
    ("customer_service", "application_rescheduled"): "renovation_application",
    # 物品放行: the goods that left a flat on a pass, when, at which gate (h8)
    ("customer_service", "goods_release_pass_used"): "goods_release_pass",
    # 有偿增值服务: an order of a paid service done or cancelled, what it charged (h8)
    ("customer_service", "service_order_closed"): "service_order",
    # who was sent to do it, first or instead of another (h5): kept beside the order, under the household
    ("customer_service", "service_order_assigned"): "service_order",
    # 社区文化活动 (h7): an activity moved or cancelled (why, the households told), a wait-listed place
    # confirmed, the day held (its attendance and cost against the budget): one subject, the activity
    ("customer_service", "activity_moved"): "activity",
    ("customer_service", "activity_cancelled"): "activity",
    ("customer_service", "activity_signup_promoted"): "activity",
    ("customer_service", "activity_held"): "activity",
    # 环境卫生 / 绿化养护品质检查: a contractor's fault put right (late or not), and the month the manager
    # signed with the deduction from its fee (h6)
    ("customer_service", "upkeep_finding_put_right"): "upkeep_finding",
    ("customer_service", "contractor_month_signed"): "contractor_month",
    # the contractor edited (its fee, name, agreement) and retired (h2): kept on the contractor
    ("customer_service", "contractor_updated"): "contractor",
    ("customer_service", "contractor_retired"): "contractor",
    # 损失登记、理赔: a damage claim registered (the households' losses, who is responsible) and closed
    # (paid: by whom, to which household; or withdrawn), one subject under the estate
    ("customer_service", "damage_claim_registered"): "damage_claim",
    ("customer_service", "damage_claim_closed"): "damage_claim",
    # a meter read at a handover (交房抄表) or a sale's transfer (过户抄表): archive's own announcement
    ("archive", "meter_reading_recorded"): "meter_reading",
}

# Recorded events that also change an archive (DOMAIN.md "Changes to an archive are recorded when
# they happen (who, what, when)"): each is logged in the change log too, with what it did to the
# archive, so the change log holds updates and cancellations, not only creations.
ARCHIVE_CHANGES = {
    ("maintenance", "equipment_registered"): "created",
    ("maintenance", "equipment_record_added"): "updated",
    ("maintenance", "equipment_out_of_service"): "out_of_service",
    ("maintenance", "equipment_back_in_service"): "back_in_service",
    ("maintenance", "equipment_retired"): "retired",
    ("customer_service", "notice_published"): "created",
    ("customer_service", "notice_withdrawn"): "withdrawn",
    ("customer_service", "notice_revised"): "revised",
    ("security_patrol", "shift_handover_recorded"): "created",
    ("maintenance", "work_order_cancelled"): "cancelled",
    ("finance", "payment_reversed"): "reversed",
    ("finance", "operating_expense_reversed"): "reversed",
    ("finance", "fund_deposit_reversed"): "reversed",
    ("finance", "deposit_deductions_reversed"): "reversed",
    ("finance", "opening_credit_reversed"): "reversed",
    ("finance", "fund_use_approved"): "approved",
    ("finance", "fund_use_rejected"): "rejected",
    ("finance", "deposit_refund_approved"): "refund_approved",
    ("finance", "deposit_refund_rejected"): "refund_rejected",
}

# The events that close a subject: what the DOMAIN.md "closed records" are.
CLOSING_EVENTS = frozenset({"service_request_closed", "work_order_completed", "work_order_cancelled",
                            "patrol_round_finished", "incident_closed", "payment_posted"})

# Master-data events of archive's own, logged in the change log (who, what, when).
MASTER_DATA_EVENTS = {
    "estate_created": "estate",
    "estate_updated": "estate",
    "household_created": "household",
    "household_updated": "household",
}


def new_estate(data, now):
    code = data["code"].upper()
    estate_id = ids.natural_id("est", code)  # a second estate with the code collides on _id
    stamp = clock.to_iso(now)
    return {
        "_id": estate_id,
        "estate_id": estate_id,
        "code": code,
        "name": data["name"].strip(),
        "address": data["address"].strip(),
        # the estate's calendar (its days, months, due dates) in every service
        "timezone": calendar.checked_timezone(data.get("timezone", calendar.DEFAULT_TIMEZONE)),
        # the service centre's numbers (``ESTATE_PHONES``), kept only when given: an estate made
        # without them is stored and announced as before
        **{name: spaced(data[name]) for name in ESTATE_PHONES if data.get(name) is not None},
        # its developer (开发建设单位), a company's name, kept only when given (``ESTATE_DEVELOPER``)
        **({ESTATE_DEVELOPER: data[ESTATE_DEVELOPER].strip()} if data.get(ESTATE_DEVELOPER) else {}),
        "version": 1,
        "created_at": stamp,
        "updated_at": stamp,
    }


def estate_view(estate):
    """An estate as shown: one stored before estates had a timezone is on the default one."""
    return estate | {"timezone": calendar.timezone_of(estate)}


# The estate's service-centre phone (服务中心电话) and its 24-hour duty phone (24小时值班电话): the
# owner portal shows them on every page of the estate and tells a resident with an emergency (water,
# gas, power, a lift entrapment, fire) to phone (it had no number to give: a phone probe). The
# centre's numbers, not a person's: shown to anyone and announced to the copies; written as the API
# writes a phone (the contract's EstatePhone), and never logged (no payload is).
ESTATE_PHONES = ("service_phone", "duty_phone")

# The estate's developer (开发建设单位): the company that pays the property service fee of the units
# taken over (接管验收) and not yet handed over to their buyers (交房), 《物业服务收费管理办法》第十六条
# (finance ``payers``: its bills name it). A company's name, no personal data: announced to the
# copies; null removes it (the developer's bills then name no one).
ESTATE_DEVELOPER = "developer_name"

# What an estate's edit may change; the code is its identity (its _id), so it stays. A phone set to
# null is removed (kept as null, so that the copies, written field by field, remove it too).
ESTATE_EDITABLE = ("name", "address", "timezone") + ESTATE_PHONES + (ESTATE_DEVELOPER,)


def estate_changes(estate, data, now):
    """The ``$set`` of an edit (the next version), or {} when nothing would change."""
    wanted = {k: data[k] if data[k] is None else data[k].strip() for k in ESTATE_EDITABLE if k in data}
    wanted.update({k: spaced(wanted[k]) for k in ESTATE_PHONES if wanted.get(k) is not None})
    if "timezone" in wanted:
        calendar.checked_timezone(wanted["timezone"])
    changes = {k: v for k, v in wanted.items() if estate.get(k) != v}
    if not changes:
        return {}
    return changes | {"version": estate["version"] + 1, "updated_at": clock.to_iso(now)}


def retirement_changes(estate, retired, now, record=None, by=None):
    """The ``$set`` retiring the estate (its service contract ended: ``retired_at``, now) or
    reinstating it (``retired_at`` null, kept so that the copies, written field by field, clear it
    too), or {} when it is so already: a retirement keeps the moment it was first made.

    A retirement's ``record`` (the gateway's: the contract's last day ``as_of``, what the handover
    package found outstanding then, the operator admin's ``override_reason`` when it retired the
    estate all the same) is kept as ``retirement`` with who (``by``) and when; a reinstatement
    leaves it (the last retirement's, for good: ``retired_at`` null says the estate is in service)."""
    if bool(estate.get("retired_at")) == retired:
        return {}
    changes = {"retired_at": clock.to_iso(now) if retired else None, "version": estate["version"] + 1,
               "updated_at": clock.to_iso(now)}
    if retired and record is not None:
        changes["retirement"] = {"retired_at": changes["retired_at"], "by": by, "as_of": record.get("as_of"),
                                 "override_reason": record.get("override_reason"),
                                 "outstanding": list(record.get("outstanding") or [])}
    return changes


def area_in_hundredths(area_m2):
    """Floor area is kept to two decimals (0.01 m²); more precision is refused, not rounded away."""
    exact = Decimal(str(area_m2))
    if exact != exact.quantize(Decimal("0.01")):
        raise InvalidInput("area_m2 has more than two decimals",
                           [field_error("data.area_m2", "must have at most two decimals")])
    return exact


def household_id(estate_id, building, unit, room):
    return ids.natural_id("hh", estate_id, building.upper(), unit.upper(), room.upper())


def typed_household_id(estate_id, data):
    """The id a household typed with full-width characters had before its address parts were
    NFKC-read (``address_part``), when it differs from today's: such a household, stored then,
    is the same flat (its create is a 409, its import row is counted as there)."""
    typed = [str(data[k]).strip() for k in ("building", "unit", "room")]
    read = [address_part(part) for part in typed]
    return household_id(estate_id, *typed) if typed != read else None


ADDRESS = ("building", "unit", "room")


def address_key(household):
    """The flat a household (as ``new_household`` builds it, or as stored) is at, as the duplicate
    check compares flats: each part by its reading (``estate_common.text.address_key``: 3号楼,
    3栋, 3#, 三号楼 and 3 are one building, 2单元 the unit 2, 1201室 the room 1201), hashed with the
    estate's id. Kept on the household as ``_address_key`` (internal), unique per estate
    (``store.INDEXES``): 3栋-1-1201 beside 3-1-1201 was a second household for one flat. The id
    stays the flat's as written (every service holds it); this key is only compared."""
    return ids.natural_id("addr", household["estate_id"],
                          *(part_key(household[part], part) for part in ADDRESS))


# a run of digits in an address part, compared as a number (2 before 10): zero-padded this wide
ORDER_DIGITS = 12
_DIGITS = re.compile(r"[0-9]+")


def address_order(household):
    """Where a household stands in the list's address order (``sort=address``): building, unit,
    room, each read as the duplicate check reads it (3栋 is 3, 2单元 2: ``estate_common.text.
    address_key``) with its numbers in their natural order (a run of digits zero-padded: 2 before
    10, 1001 after 201), the parts joined by a separator that sorts before any character (3 before
    3A). Kept on the household as ``_address_order`` (internal), indexed with ``estate_id`` and
    ``_id``: an import's flats were listed in the file's order, by registration."""
    return "\x1f".join(_DIGITS.sub(lambda run: run.group().zfill(ORDER_DIGITS), part_key(household[part], part))
                        for part in ADDRESS)


def registered_otherwise(stored, household):
    """The 409 of a household (``household``) at the flat ``stored`` is registered at, written
    another way (``address_key``): naming ``stored`` by its id and its address as registered (no
    owner's data: an import's row keeps it in the job's result), on the first part written
    otherwise."""
    address = "-".join(stored[part] for part in ADDRESS)
    part = next((p for p in ADDRESS if address_part(household[p]).upper() != address_part(stored[p]).upper()), "room")
    named = stored["_id"]
    return Conflict(f"this flat is registered already, as {address} (household {named})",
                    [field_error(f"data.{part}", f"names the flat registered as {address} (household {named})")])


def new_household(estate_id, data, now, custom=None):
    """``custom``: its custom values, checked already (``estate_common.custom_fields.check_values``)."""
    area = area_in_hundredths(data["area_m2"])
    building, unit, room = (address_part(data[k]) for k in ("building", "unit", "room"))
    stamp = clock.to_iso(now)
    household = {
        # building/unit/room is unique within an estate: the natural key is the _id
        "_id": household_id(estate_id, building, unit, room),
        "estate_id": estate_id,
        "building": building,
        "unit": unit,
        "room": room,
        # the flat as compared (3栋 is 3): the duplicate check's, unique per estate (address_key)
        "_address_key": address_key({"estate_id": estate_id, "building": building, "unit": unit, "room": room}),
        # where it stands in the list's address order (sort=address: address_order)
        "_address_order": address_order({"building": building, "unit": unit, "room": room}),
        "area_m2": float(area),
        "status": data.get("status", "vacant"),
        "owner": {"name": data["owner"]["name"].strip(), "phone": data["owner"]["phone"].strip()},
        "custom": dict(custom or {}),
        "version": 1,
        "created_at": stamp,
        "updated_at": stamp,
    }
    # the numbers it is found by (the desk's search by phone: occupants.phone_keys)
    return household | {"_phones": occupants.phone_keys(household)}


# What a household's edit may change (``PATCH …/households/{id}``); building, unit and room are
# its identity (its _id), so they stay. The owner's details are edited in place (a typo, a new
# phone); who owns the unit changes by a transfer, which keeps the former owner (occupants).
HOUSEHOLD_STATUSES = ("vacant", "occupied", "renovating")


def household_changes(household, data, now, user=None, tz="UTC"):
    """The ``$set`` of a household edit (the next version), or {} when nothing would change. A
    new status is written in the status history as a correction by ``user`` on the day of
    ``now`` in the estate's ``tz`` (``occupants.status_corrected``).

    ``data.version``, when given, is the version the editor saw: an older one is a 409 (someone
    edited the household since), so an edit is never made on details the editor did not see."""
    seen = data.get("version")
    if seen is not None and seen != household["version"]:
        raise Conflict(f"the household is at version {household['version']}, not {seen}",
                       [field_error("data.version", "is not the household's current version")])
    wanted = {}
    if "area_m2" in data:
        wanted["area_m2"] = float(area_in_hundredths(data["area_m2"]))
    if "status" in data:
        wanted |= occupants.status_corrected(household, data["status"], now, user, tz)
    if "owner" in data:
        owner = dict(household["owner"])
        owner.update({k: v.strip() for k, v in data["owner"].items()})
        wanted["owner"] = owner
        people = occupants.owner_corrected(household, owner)  # the same person in …/occupants
        if people is not None:
            wanted["occupants"] = people
    if "custom" in data:  # checked already (operations.update_household)
        wanted["custom"] = custom_fields.merged(household.get("custom"), data["custom"])
    changes = {k: v for k, v in wanted.items() if household.get(k) != v}
    if not changes:
        return {}
    return changes | {"version": household["version"] + 1, "updated_at": clock.to_iso(now)}


# kept on the household, shown by ``…/households/{id}/occupants`` (occupants.py), not with it
HOUSEHOLD_PEOPLE_FIELDS = ("occupants", "status_history", "renovating_from")


def household_view(household):
    """A household as shown: its people and status history are read from its occupants."""
    return {k: v for k, v in household.items() if k not in HOUSEHOLD_PEOPLE_FIELDS}


# what every edit writes besides its fields: not "what changed" in the change log
BOOKKEEPING = frozenset({"version", "updated_at", "updated_by"})


# stored fields an edit writes, by the public field they are part of; its people are
# ``occupants`` (their own resource, …/occupants): a tenant added or gone was logged with no field
# at all (found by review)
PUBLIC_NAME = {"status_history": "status", "renovating_from": "status"}


def changed_names(changes):
    """The names of the public fields an edit wrote (``changes``), for its event's ``changed``:
    the change log listed every field of the copy, so an owner's new phone did not show as one
    (found by review). Storage keys are named by the field they belong to."""
    return sorted({PUBLIC_NAME.get(name, name) for name in changes
                   if not name.startswith("_") and name not in BOOKKEEPING})


def estate_event_data(estate, changes=None):
    """The estate as other services copy it (``estate_created`` and ``estate_updated`` alike: the
    whole estate at its version, so a copy is right whichever event arrives last); an edit's
    ``changes`` name its ``changed`` fields."""
    keys = ("estate_id", "code", "name", "address", "version", "created_at")
    # created_at: a period that ended before it owes no yearly plan, check or survey (KPIs)
    data = {k: estate[k] for k in keys} | {"id": estate["_id"], "timezone": calendar.timezone_of(estate)}
    # the centre's phones once one was given (null once removed): an estate without them as before
    data |= {k: estate[k] for k in ESTATE_PHONES if k in estate}
    # its developer once named (null once removed): an estate without one as before
    data |= {ESTATE_DEVELOPER: estate[ESTATE_DEVELOPER]} if ESTATE_DEVELOPER in estate else {}
    # once retired (null once reinstated): an estate never retired is announced as before
    data |= {"retired_at": estate["retired_at"]} if "retired_at" in estate else {}
    return data if changes is None else data | {"changed": changed_names(changes)}


def household_event_data(household, changes=None):
    """What other services may copy: no names, no phone numbers (``household_created`` and
    ``household_updated`` alike: the whole copy at its version, so a copy is right whichever
    event arrives last)."""
    keys = ("estate_id", "building", "unit", "room", "area_m2", "status", "version")
    # the months the household is billed (finance/standards.applies): from its handover (交房,
    # handovers.occupancy); null until one is recorded, and occupied_to null (see handovers.py)
    # created_at: months before it was registered owe no owner contact (customer-service's KPIs)
    data = {k: household[k] for k in keys} | {"id": household["_id"], "created_at": household["created_at"],
                                              "occupied_from": household.get("occupied_from"),
                                              "occupied_to": household.get("occupied_to"),
                                              "owner_ref": owner_ref(household),
                                              "owner_since": owner_since(household)}
    # the accepted takeover's day (接管验收, handovers.occupancy): finance bills the developer from it
    # until the handover; a household never taken over is announced as before
    data |= {"taken_over_on": household["taken_over_on"]} if household.get("taken_over_on") else {}
    return data if changes is None else data | {"changed": changed_names(changes)}


def owner_ref(household):
    """The current owner's entry's id (an opaque id, no personal data; None with no owner): only an
    owner's transfer changes it, not an edit of the owner's phone, so finance ends the owner's
    statement link (业主账单查询码) when the house is sold (found by a probe of an owner's year)."""
    if not household.get("owner") and not household.get("occupants"):
        return None
    owners = occupants.current(occupants.people(household), ("owner",))
    return owners[0]["id"] if owners else None



def owner_since(household):
    """The local day the current owner bought the flat (a sale's, 过户), None for the owner the
    household was registered with or one whose entry is no sale (``occupants.owner_since``): finance
    shows an owner's statement (业主账单查询码) from it, what came before being the seller's (found by
    review: a buyer's code showed the seller's payments and prepaid money), and splits the sale's month
    at it."""
    return occupants.owner_since(household)


# the events of several households (a damage claim: the flats that lost and the owner responsible), kept on
# each one's record as well as the estate's (``household_ids``; h5: an owner's record showed none of his claims)
OF_HOUSEHOLDS = frozenset({("customer_service", "damage_claim_registered"), ("customer_service", "damage_claim_closed")})


def households_named(event):
    """The households an event of several (``OF_HOUSEHOLDS``) names, each once in order; () for another."""
    if (event["source"], event["event_type"]) not in OF_HOUSEHOLDS:
        return ()
    data = event["data"]
    named = [affected.get("household_id") for affected in data.get("households") or ()]
    named.append((data.get("responsibility") or {}).get("household_id"))
    return tuple(dict.fromkeys(household_id for household_id in named if household_id))


def record_from_event(subject_type, event, now):
    """An immutable archive record of one event; its _id follows from the event's id. An event of several
    households (``households_named``) is on each one's record (``household_ids``)."""
    occurred_at, actor = _when_and_who(event)
    several = households_named(event)
    return ({"household_ids": list(several)} if several else {}) | {
        "_id": ids.natural_id("rec", event["event_id"]),
        "estate_id": event["estate_id"],
        "subject_type": subject_type,
        "subject_id": event["data"]["id"],
        "event_type": event["event_type"],
        "source": event["source"],
        "occurred_at": occurred_at,
        "recorded_at": clock.to_iso(now),
        "created_at": occurred_at,
        "household_id": event["data"].get("household_id"),
        "request_id": event.get("request_id"),
        "actor": actor,
        "data": event["data"],
    }


def _when_and_who(event):
    """When a recorded event happened and who did it: its envelope's, but a portal filing's
    registration is announced when the desk matches it, its time and actor the match's (they
    stay in its data: ``matched_at``, ``matched_by``). Its record is the filing's, at its
    ``created_at``, by its channel (``portal``: the filer has no account; the request's history
    names the portal so). An event without ``matched_at`` (sent before it) is recorded as it was:
    08:51 · the desk, where the owner filed at 08:49 (a cross-department probe)."""
    data = event["data"]
    if event["event_type"] == "service_request_created" and data.get("matched_at"):
        return data["created_at"], data["channel"]
    return event["occurred_at"], event.get("actor")


def records_search(filters, tz):
    """What a records search asks the store for: subject (or its ``number``), subject type and
    household, and the moments ``occurred_at`` lies between: ``occurred_from`` (inclusive), then ``occurred_before``
    (exclusive) for a day ``to``, which includes its whole day, or ``occurred_until`` (inclusive)
    for a moment. A day is the estate's local day in ``tz`` (``calendar.filter_window``: a ``to``
    before the ``from`` is a 400)."""
    search = {k: filters[k] for k in ("subject_id", "subject_type", "household_id") if k in filters}
    if "number" in filters:  # as stored (SR-2026-000042), however typed (sr-2026-42)
        search["number"] = numbering.canonical(filters["number"])
    lower, upper, inclusive = calendar.filter_window(filters, tz)
    if lower is not None:
        search["occurred_from"] = lower
    if upper is not None:
        search["occurred_until" if inclusive else "occurred_before"] = upper
    return search


def change_log_search(filters, tz):
    """What a change-log search asks the store for: equal on subject type, subject and ``actor``
    (who made the change), and the change's time between ``from`` and ``to`` (a day the estate's
    in ``tz``; ``calendar.filter_range``), on ``created_at``, which is its ``at``: an inspection asks
    what changed in a year and who changed it, and the log took a subject only (a probe of the
    archivist's year)."""
    search = {k: filters[k] for k in ("subject_type", "subject_id", "actor") if k in filters}
    window = calendar.filter_range(filters, tz)
    return search | ({"created_at": window} if window else {})


def readable_search(search, roles):
    """``search`` narrowed to the subject types ``roles`` read directly (``archive_access``): a
    keeper's is unchanged; asking for a type the caller may only borrow is a 403 that says so."""
    types = archive_access.direct_types(roles)
    if types is None:
        return search
    if "subject_type" in search and search["subject_type"] not in types:
        raise Forbidden(f"records of a {search['subject_type']} are read through an approved borrow request "
                        "(POST …/archive/borrow-requests)")
    return search | {"subject_types": types}


def change_from_event(subject_type, event):
    """A change-log entry (who, what, when) of a master-data event; personal data not copied."""
    return {
        "_id": ids.natural_id("chg", event["event_id"]),
        "estate_id": event["estate_id"],
        "subject_type": subject_type,
        "subject_id": event["data"]["id"],
        "action": event["event_type"],
        "actor": event.get("actor"),
        "at": event["occurred_at"],
        "created_at": event["occurred_at"],
        "request_id": event.get("request_id"),
        # an edit names what it wrote (``changed``); a creation wrote every field
        "fields": sorted(event["data"]["changed"]) if "changed" in event["data"] else sorted(event["data"]),
    }


def change_from_recorded_event(subject_type, event):
    """A change-log entry of a recorded event that changes an archive (``ARCHIVE_CHANGES``):
    ``action`` is its subject type and what it did (``ARCHIVE_CHANGES``: created, updated, cancelled,
    reversed, a deposit's refund_approved …: ``deposit_refund_approved``), ``fields`` what it says."""
    change = ARCHIVE_CHANGES[(event["source"], event["event_type"])]
    return change_from_event(subject_type, event) | {"action": f"{subject_type}_{change}"}


def correction_change(correction):
    """A correction updates the record it corrects: logged (who, when, which fields of its data)."""
    return {
        "_id": ids.natural_id("chg", correction["_id"]),
        "estate_id": correction["estate_id"],
        "subject_type": "record",
        "subject_id": correction["corrects"],
        "action": "record_corrected",
        "actor": correction["actor"],
        "at": correction["occurred_at"],
        "created_at": correction["occurred_at"],
        "request_id": correction["request_id"],
        "fields": sorted(correction["data"]) if isinstance(correction["data"], dict) else [],
    }


def closed_report(event):
    """A service's count of what it closed in a month, as archive keeps it (the newest wins)."""
    data = event["data"]
    return {"_id": ids.natural_id("closed", event["estate_id"], event["source"], data["period"]),
            "estate_id": event["estate_id"], "source": event["source"], "period": data["period"],
            "counts": data["counts"], "counted_at": data["counted_at"], "created_at": data["counted_at"]}


def change_from_archive_event(event):
    """A change-log entry of an ``archive_changed`` event (borrowing, check plans, checks, a
    takeover or handover, with its household's id: ``archive_changed_data``)."""
    data = event["data"]
    household = {"household_id": data["household_id"]} if data.get("household_id") else {}
    return change_from_event(data["subject_type"], event) | {"action": data["action"],
                                                             "fields": sorted(data["fields"])} | household


def archive_changed_data(subject_type, doc, action, fields):
    """What ``archive_changed`` says: which archive document changed how, and which fields (not their
    values); a unit's takeover or handover its household's id too, which names it in the change log
    (1-1-101 交房 2026-12-01): it showed its id, and no read finds one by it (review)."""
    household = {"household_id": doc["household_id"]} if doc.get("household_id") else {}
    return {"id": doc["_id"], "subject_type": subject_type, "action": action, "fields": sorted(fields)} | household


# -- the hash chain: corrections and verify (chain.py holds the chain itself) ----------------

CORRECTION = "record_corrected"
MAX_CORRECTION_DEPTH = 100  # corrections of corrections followed back to the first record


def correction_record(record_id, original, data, now, actor, request_id):
    """A correction: a new record about the same subject that points to the one it corrects
    (``corrects``); the original stays as it was. One of several households' records (``households_named``)
    is on each one's record as its original is: it was on none (found by r5 reviewing h5)."""
    stamp = clock.to_iso(now)
    return ({"household_ids": original["household_ids"]} if original.get("household_ids") else {}) | {
        "_id": record_id,
        "estate_id": original["estate_id"],
        "subject_type": original["subject_type"],
        "subject_id": original["subject_id"],
        "event_type": CORRECTION,
        "source": "archive",
        "occurred_at": stamp,
        "recorded_at": stamp,
        "created_at": stamp,
        "household_id": original.get("household_id"),
        "request_id": request_id,
        "actor": actor,
        "corrects": original["_id"],
        "reason": data["reason"].strip(),
        "data": data["data"],
    }


def masked_record(record, personal, roles):
    """``record`` with each field of its ``data`` in ``personal`` (``{field: kind}``, its event's
    contract marks) masked unless one of ``roles`` sees that kind in full; and a correction's
    ``reason``, free text the archivist wrote, masked as a resident's name for a role that does
    not see those (it may name the person the correction is about: found by review)."""
    hidden = {name: kind for name, kind in personal.items()
              if name in (record.get("data") or {}) and not personal_data.sees_in_full(kind, roles)}
    def sees(kind):
        return personal_data.sees_in_full(kind, roles)

    names = [found for name, kind in hidden.items()
             if kind in personal_data.NAMES
             and personal_data.name_masked_in_text(personal_data.NUMBERS_IN_TEXT, kind, sees)
             for found in personal_data.names_in(record["data"][name])]
    if record.get("event_type") == CORRECTION and record.get("reason") \
            and not personal_data.sees_in_full(personal_data.RESIDENT_NAME, roles):
        record = record | {"reason": personal_data.masked(personal_data.RESIDENT_NAME, record["reason"])}
    if hidden:
        record = record | {"data": record["data"] | {name: personal_data.masked(kind, record["data"][name])
                                                     for name, kind in hidden.items()}}
    if isinstance(record.get("data"), dict) and not personal_data.sees_in_full(personal_data.NUMBERS_IN_TEXT, roles):
        # the words of a record (a request's description, an incident's summary, a reason) hold the
        # phones and ID numbers owners typed into them, which the API masks for these roles
        # (numbers_in_text): a borrowing showed them in full (found by a personal-data probe)
        # and a name the record holds (an occupant's who signed) where its words repeat it, as the
        # gateway and the exports mask it (personal_data.name_masked_in_text; the last session's note)
        record = record | {"data": _numbers_masked(record["data"], names=names)}
    return record


def _numbers_masked(value, key="", names=()):
    """``value`` with each phone and ID number in its text masked as a phone is, and each of ``names``
    as a name is; ids, numbers and times as they are (a hex id may hold eleven digits in a row), as
    webhooks redact them."""
    if key in ("id", "number") or key.endswith(("_id", "_ids", "_at", "_number")):
        return value
    if isinstance(value, str):
        return personal_data.mask_numbers_in(personal_data.mask_names_in(value, names))
    if isinstance(value, dict):
        return {name: _numbers_masked(item, name, names) for name, item in value.items()}
    if isinstance(value, list):
        return [_numbers_masked(item, key, names) for item in value]
    return value


def record_view(record, corrected_by):
    """A record as shown: with the ids of the records correcting it (found at read: the record
    itself is never changed)."""
    return record | {"corrected_by": corrected_by}


def verify_window(filters):
    """``(first, last)`` seq numbers of a verify (None: from the first / to the last record)."""
    first, last = (_seq(filters.get(name), f"filters.{name}") for name in ("from", "to"))
    if first is not None and last is not None and last < first:
        raise InvalidInput("to is before from", [field_error("filters.to", "must not be below from")])
    return first, last


def _seq(text, field):
    if text is None:
        return None
    if not str(text).isdigit() or int(text) < 1:
        raise InvalidInput(f"{field} is not a record number", [field_error(field, "must be a seq number from 1")])
    return int(text)
