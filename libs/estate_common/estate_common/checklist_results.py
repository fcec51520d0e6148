"""Checklist results (巡检表): a result for each item of a checklist, checked against the item's kind,
and which items fail. Shared by maintenance's inspections and security_patrol's fire checks, so
that the same results fail alike wherever they are recorded. Plain functions.

An item is ``{code, label, kind: pass_fail|reading, min, max, unit}``; a result
``{code, passed?, reading?, note?}``: ``passed`` for a pass/fail item, ``reading`` for a reading
item. An item fails when not passed, or when its reading is outside ``min``/``max`` (the limits
themselves pass; either may be absent).
"""
from .errors import InvalidInput, field_error


def _result(where, item, result):
    if item["kind"] == "reading":
        if result.get("reading") is None:
            raise InvalidInput(f"item {item['code']} needs a reading",
                               [field_error(f"{where}.reading", f"is required for reading item {item['code']}")])
        if result.get("passed") is not None:
            raise InvalidInput(f"item {item['code']} is a reading",
                               [field_error(f"{where}.passed", f"is not for reading item {item['code']}")])
    else:
        if result.get("passed") is None:
            raise InvalidInput(f"item {item['code']} needs passed",
                               [field_error(f"{where}.passed", f"is required for pass/fail item {item['code']}")])
        if result.get("reading") is not None:
            raise InvalidInput(f"item {item['code']} is pass/fail",
                               [field_error(f"{where}.reading", f"is not for pass/fail item {item['code']}")])
    return {"code": item["code"], "passed": result.get("passed"), "reading": result.get("reading"),
            "note": (result.get("note") or "").strip()}


def checked_results(checked, results, field="data.results"):
    """The results in the order of the items of ``checked`` (a checklist, or an inspection that
    copied its items): one for every item, none for an unknown or repeated code (each a 400
    naming it, under ``field``)."""
    items = {item["code"]: item for item in checked["items"]}
    given = {}
    for index, result in enumerate(results):
        code = result["code"]
        if code not in items:
            raise InvalidInput(f"no item {code} on this checklist",
                               [field_error(f"{field}[{index}].code", f"no item {code} on this checklist")])
        if code in given:
            raise InvalidInput(f"item {code} has two results",
                               [field_error(f"{field}[{index}].code", f"{code} is repeated")])
        given[code] = _result(f"{field}[{index}]", items[code], result)
    missing = [code for code in items if code not in given]
    if missing:
        raise InvalidInput(f"no result for {', '.join(missing)}",
                           [field_error(field, f"no result for item {code}") for code in missing])
    return [given[code] for code in items]


def failed(item, result):
    """Not passed, or a reading outside the item's limits."""
    if item["kind"] == "pass_fail":
        return result["passed"] is False
    reading = result["reading"]
    return (item["min"] is not None and reading < item["min"]) or (item["max"] is not None and reading > item["max"])


def failure_text(item, result):
    """``Outlet pressure (P1) reading 0.2 MPa outside 0.3–0.6 MPa: note`` (``below 0.3 MPa`` with
    only a minimum, ``above 0.6 MPa`` with only a maximum), or ``… failed``."""
    if item["kind"] == "reading":
        unit = f" {item['unit']}" if item["unit"] else ""
        low, high = item["min"], item["max"]
        if low is not None and high is not None:
            limits = f"outside {low:g}–{high:g}{unit}"
        else:
            limits = f"below {low:g}{unit}" if low is not None else f"above {high:g}{unit}"
        what = f"reading {result['reading']:g}{unit} {limits}"
    else:
        what = "failed"
    note = f": {result['note']}" if result.get("note") else ""
    return f"{item['label']} ({item['code']}) {what}{note}"
