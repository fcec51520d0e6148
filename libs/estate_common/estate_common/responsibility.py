"""Who is responsible for a fault or a loss (责任方), as a damage claim (customer service's 损失登记) and
the work order that fixed the fault (maintenance's cause on completion, h5's burst pipe) both say it: the
owner of a flat (his own part after his meter, 业主自用部位: the flat named), the operator (a shared part,
共用部位: the building's riser), a third party (a contractor, named), or, on a claim alone, undetermined
(before the cause is found). One rule for both, so a claim reads the order's cause as it is.

Plain functions: no broker, no store.
"""
from .errors import BusinessRuleViolation, field_error

# the parties a cause found names (a claim's may also be "undetermined")
PARTIES = ("owner", "operator", "third_party")


def _text(data, name):
    value = data.get(name)
    value = value.strip() if isinstance(value, str) else value
    return value or None


def named(data, field):
    """``{party, household_id, third_party, note}`` from ``data``: an owner names his flat (``household_id``,
    422 without it), a third party its name (``third_party``); the others name neither (422 naming the
    field under ``field``). Whether the flat is the estate's is the caller's check (its store)."""
    party = data["party"]
    household_id, name = data.get("household_id"), _text(data, "third_party")
    if party == "owner" and not household_id:
        raise BusinessRuleViolation("an owner's responsibility names his flat",
                                    [field_error(f"{field}.household_id", "is required when the party is owner")])
    if party != "owner" and household_id:
        raise BusinessRuleViolation("only an owner's responsibility names a flat",
                                    [field_error(f"{field}.household_id", "is for the party owner")])
    if party == "third_party" and not name:
        raise BusinessRuleViolation("a third party's responsibility names it",
                                    [field_error(f"{field}.third_party", "is required when the party is third_party")])
    if party != "third_party" and name:
        raise BusinessRuleViolation("only a third party's responsibility names one",
                                    [field_error(f"{field}.third_party", "is for the party third_party")])
    return {"party": party, "household_id": household_id, "third_party": name, "note": _text(data, "note")}
