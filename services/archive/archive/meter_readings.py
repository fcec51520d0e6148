"""Meter readings at a flat's handover (交房抄表), at a sale's transfer (过户抄表) and at a tenant's
move-out (退租抄表), kept in the archive.

The steward reads the flat's water, electricity and gas meters when the unit is handed to its
owner (入住交房) and when it is sold (the owner transfer), so the previous party's use is not charged
to the new one: the developer's (or the seller's) use ends at that figure, the new party's begins.

- A reading: the meter's kind (``water``, ``electricity``, ``gas``), its number (表号, as on its
  plate), the figure read, the local day it was read (not after the estate's today, at most the
  estate's ``recorded_within_days`` ago, as any steward's record), the occasion (``handover`` 交房,
  ``transfer`` 过户 or ``move_out`` 退租: a tenant's final figures), a photo's reference (optional: the photo is kept where photos are, the
  reading names it) and a note. Once per Idempotency-Key.
- **A meter goes forward.** A flat has one meter of each kind; its readings are in read order
  (day, then when recorded). A reading lower than the meter's last one is refused (422 naming
  ``data.reading``), and so is one naming another meter number (``data.meter_number``), unless it
  is marked ``replacement`` (换表: the meter was changed, the new one starts from its own figure).
  One dated before the last one's day is refused, a replacement too (``data.read_on``): the new
  meter is fitted after the old one's last reading, and dated before it, it was not the meter's
  last, so the new meter's next reading read as another meter's (found by review r7). The previous figure is kept on
  the reading (``previous_reading``) so the use between the two is read off it. Two readings of
  one meter at once: the one that claims the place after the last (``store.claim_next_reading``)
  lands, the other is a 409, judged against it when sent again.
- Announced ``meter_reading_recorded`` in the write (webhooks offer it); archive's own consumer
  chains it in the archive's record under its household (subject ``meter_reading``,
  ``domain.RECORDED_EVENTS``), once per event.
- **Prepaid utilities.** Finance keeps a water or electricity reading on the household's prepaid
  account as its meter's base (``finance/utilities.meter_change``). Its balances are drawn down by
  a usage priced by its caller (cents, with a reading id): finance holds no unit price per m³ or
  kWh, and there is no gas account, so a reading cannot price a usage by itself. The reading's id
  is what a usage's ``reading_id`` names (one deduction per reading); no tariff is invented here.

Plain functions: no broker, no store.
"""
from decimal import Decimal

from estate_common import calendar, clock, plausible
from estate_common.errors import BusinessRuleViolation, Conflict, field_error
from estate_common.wording import counted

from .occupants import not_after_today

SUBJECT_TYPE = "meter_reading"
EVENT_TYPE = "meter_reading_recorded"
METER_KINDS = ("water", "electricity", "gas")
# move_out (退租抄表): a tenant leaving, whose use the owner settles from the final figures (h8)
OCCASIONS = ("handover", "transfer", "move_out")


def figure(value):
    """A reading as compared: its decimal value (a JSON number read as written)."""
    return Decimal(str(value))


def last_of(readings):
    """The last reading of a meter's ``readings`` (read order: day, then recording), or None."""
    return max(readings, key=lambda r: (r["read_on"], r["created_at"], r["_id"]), default=None)


def new_reading(reading_id, household, data, last, now, user, tz, within):
    """The reading as stored; ``last`` is the flat's last reading of that kind of meter (None for
    its first). 422 for a day ahead or too long ago, and for a meter going back (module docstring)."""
    not_after_today(data["read_on"], now, tz, "data.read_on")
    plausible.recent(data["read_on"], calendar.local_date(now, tz), within, "data.read_on",
                     f"a meter reading is recorded within {counted(within, 'day')} of it")
    kind, number = data["meter_kind"], data["meter_number"].strip()
    replacement = bool(data.get("replacement"))
    if last is not None and data["read_on"] < last["read_on"]:  # a replacement too: it follows the old meter's last
        raise BusinessRuleViolation(
            f"the {kind} meter was last read on {last['read_on']}: a reading is not dated before it",
            [field_error("data.read_on", f"is before the meter's last reading ({last['read_on']})")])
    if last is not None and not replacement:
        if number != last["meter_number"]:
            raise BusinessRuleViolation(
                f"the flat's {kind} meter is No. {last['meter_number']}: a new meter is recorded as a replacement",
                [field_error("data.meter_number", f"is not the flat's {kind} meter ({last['meter_number']}); "
                                                  "mark the reading as a meter replacement")])
        if figure(data["reading"]) < figure(last["reading"]):
            raise BusinessRuleViolation(
                f"the {kind} meter No. {number} read {last['reading']} on {last['read_on']}: a meter does not go back",
                [field_error("data.reading", f"is lower than the meter's last reading ({last['reading']} on "
                                             f"{last['read_on']}); mark it as a meter replacement if the meter "
                                             "was changed")])
    stamp = clock.to_iso(now)
    return {
        "_id": reading_id,
        "estate_id": household["estate_id"],
        "household_id": household["_id"],
        "occasion": data["occasion"],
        "meter_kind": kind,
        "meter_number": number,
        "reading": data["reading"],
        "read_on": data["read_on"],
        "replacement": replacement,
        "previous_reading": None if last is None else last["reading"],
        "previous_read_on": None if last is None else last["read_on"],
        "photo_ref": (data.get("photo_ref") or "").strip() or None,
        "note": (data.get("note") or "").strip() or None,
        "recorded_by": user,
        "created_at": stamp,
    }


def read_meanwhile(kind):
    """The 409 of a reading whose meter was read by another while it was being recorded (its claim,
    ``store.claim_next_reading``, held by that one): sent again, it is judged against that reading."""
    return Conflict(f"the flat's {kind} meter was read by another meanwhile: send this reading again to have it "
                    "judged against that one",
                    [field_error("data.reading", "the meter was read meanwhile; send it again")], retry_after=1)


EVENT_FIELDS = ("estate_id", "household_id", "occasion", "meter_kind", "meter_number", "reading", "read_on",
                "replacement", "previous_reading", "previous_read_on", "photo_ref", "recorded_by")


def event_data(reading):
    """``meter_reading_recorded``: the reading less its note (free text); no personal data."""
    return {"id": reading["_id"], **{name: reading[name] for name in EVENT_FIELDS}}
