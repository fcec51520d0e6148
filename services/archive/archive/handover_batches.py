"""A handover weekend's batch (集中交付, 批量交房): many flats handed to their owners in one job.

A new building's handover weekend hands some 240 flats to their owners in two days; the desk
recorded each with its own form (11–14 s a call through the API). A batch is a list of handovers
(JSON, ``POST …/handover-batches``) or a spreadsheet of them (CSV or XLSX, ``POST …/handovers/import``:
the household import's reader, ``import_files``), recorded by a background job (kind
``handover_batch``, ``estate_common.job_scopes``).

- **A row** names its flat (楼栋, 单元, 房号 as the household list reads them, or the household's
  id), the day (交房日期: as spreadsheets write it, 2026-11-21, 2026/11/21, 2026年11月21日), who
  received it (收房人; the co-owners of a flat bought by a couple, 共有产权人, or 张三、李四 in 收房人:
  the single handover's ``also_received_by``), the keys (钥匙数, 钥匙保管: 业主 / 前台) and the defects the owner found
  (验房问题, several split by ；, ; or a new line) and whether the owner took the flat with them
  listed (带问题收房: 是 / 否).
- **Each row is the single handover** (``operations.record_handover``, kind ``handover``): the
  checklist is one passing item (``INSPECTED``) when the owner found nothing, else one failed item
  per defect; the events, the keys into the desk's custody, the billing start and the repairs are
  the single handover's.
- **Once** (``item_id``): each row's handover is recorded under an id of the job and the household,
  so a job run again (its worker died, the service was redeployed) finds what it recorded and records
  nothing twice; the job itself is once per Idempotency-Key (``jobs.created_id``). A race the store
  lost on a row (a 409 with ``retry_after``) is that row tried again under its id, never its rejection. A flat named twice
  in one batch: the second row is rejected.
- **A row that cannot be handed over is rejected** with its row number, the field and a reason in
  Chinese (``reason``; ``code`` for a program): an unknown flat, one handed over already, one not
  taken over, a day that is none, ahead of today or before the takeover. The other rows proceed.
  A row's values are never repeated (the result is kept and read later; a name is personal data).

Plain functions: no broker, no store.
"""
import re
import unicodedata

from estate_common import contracts, exports, ids, job_scopes, sheet_dates
from estate_common.errors import BusinessRuleViolation, Conflict, DomainError, InvalidInput
from estate_common.text import address_part

from . import import_files

JOB_KIND = job_scopes.HANDOVER_BATCH
FORMATS = import_files.FORMATS
MAX_ROWS = 2000  # a weekend's building or two; a JSON batch's cap (openapi HandoverBatchCreate)
MAX_REPORTED_ERRORS = 500
RACE_ATTEMPTS = 3  # a row tried again when the store lost a race (a 409 with retry_after), not refused
PROGRESS_EVERY = 10

INSPECTED = "交房验房"  # the checklist's one item when the owner found nothing

COLUMNS = {
    "building": ("building", "楼栋", "楼号", "栋"),
    "unit": ("unit", "单元"),
    "room": ("room", "房号", "室号", "房间"),
    "date": ("date", "交房日期", "日期", "收房日期"),
    "received_by": ("received_by", "收房人", "业主", "业主姓名"),
    "also_received_by": ("also_received_by", "共有产权人", "共同收房人", "共有人"),
    "key_count": ("key_count", "keys", "钥匙数", "钥匙数量", "钥匙"),
    "keys_kept_by": ("keys_kept_by", "kept_by", "钥匙保管", "钥匙保管人"),
    "defects": ("defects", "验房问题", "问题", "缺陷"),
    "defects_accepted": ("defects_accepted", "带问题收房", "收房"),
}
REQUIRED = ("building", "unit", "room", "date")
KEPT_BY = {"业主": "owner", "owner": "owner", "前台": "front_desk", "客服前台": "front_desk", "托管": "front_desk",
           "front_desk": "front_desk", "物业": "front_desk"}
YES = {"是", "y", "yes", "true", "1", "√", "收房"}
NO = {"否", "n", "no", "false", "0", ""}
_DEFECT_SPLIT = re.compile(r"[；;\n]+")
_NAMES_SPLIT = re.compile(r"[、，,；;/\n]+")  # 张三、李四: a flat bought by a couple (共有产权)
_KEY_COUNT = re.compile(r"([0-9]+)(?:\.0+)?\s*(?:把|条|枚|套)?")  # 3, a workbook's 3.0, the desk's 3把

# the reasons a row is rejected (code -> Chinese), the one place they are written
REASONS = {
    "duplicate_flat": "同一房屋在本批中已有一行（第 {first} 行），本行未处理",
    "unknown_flat": "房屋未登记：请核对楼栋、单元、房号",
    "handed_over": "该房屋已于 {date} 交房，不能再次交房",
    "not_taken_over": "该房屋尚未接管验收（接管验收合格后才能交房）",
    "before_takeover": "交房日期早于该房屋的接管验收日期（{date}）",
    "bad_date": "交房日期无法识别，应为 2026-11-21、2026/11/21 或 2026年11月21日",
    "future_date": "交房日期晚于今天：交房完成后再登记",
    "too_early": "交房日期早于 1950-01-01",
    "bad_keys": "钥匙数应为 1–50 的整数，钥匙保管应为“业主”或“前台”",
    "bad_defects_accepted": "带问题收房应为“是”或“否”",
    "invalid": "本行内容不符合要求（{name}）",
    "refused": "该房屋不能交房（{name}）",
}


def reason(code, **values):
    return REASONS[code].format(**values)


def rejected(row, code, field, **values):
    """A rejected row as the job's result names it: never a value sent."""
    return {"row": row, "field": field, "code": code, "reason": reason(code, **values)}


def item_id(job_id, household_id):
    """The id a batch records its handover of ``household_id`` under (the single handover's
    ``_requested_as``): the same in every run of the job, another in another batch."""
    return ids.natural_id("handover", job_id, household_id)


# -- reading -------------------------------------------------------------------------------

def _header_map(header):
    wanted = {alias.strip().lower(): field for field, aliases in COLUMNS.items() for alias in aliases}
    found = {}
    for index, name in enumerate(header):
        field = wanted.get(str(name or "").strip().lower())
        if field and field not in found:
            found[field] = index
    missing = [field for field in REQUIRED if field not in found]
    if missing:
        raise import_files.bad_file("the first row must name the columns (楼栋, 单元, 房号, 交房日期); missing: "
                                    + ", ".join(missing))
    return found


def read_rows(file_format, content):
    """``(row_number, entry)`` of a file's data rows, as ``entry_of_cells`` reads them (row numbers
    as the file shows them; blank rows skipped). Call ``import_files.check`` first."""
    if file_format not in FORMATS:
        raise import_files.bad_file(f"format must be one of {', '.join(FORMATS)}")
    stream = import_files.rows(file_format, content)
    columns, header = import_files.header(stream, _header_map)
    for number, row in enumerate(stream, start=header + 1):
        if not import_files.blank(row):
            cells = {field: _cell(field, row[index] if index < len(row) else "") for field, index in columns.items()}
            yield number, entry_of_cells(cells)


def _cell(field, value):
    """A cell as the text ``entry_of_cells`` reads; 交房日期 of a workbook, a cell typed as a date or a number
    (an Excel date serial, 46347: refused as 交房日期无法识别, found by h2), as its day (``sheet_dates.cell_day``)."""
    value = exports.unescaped(value)
    if field == "date" and not isinstance(value, str):
        return sheet_dates.cell_day(value) or str(value).strip()
    return str(value).strip()


def check_rows(file_format, content):
    """Refuse a file of more than ``MAX_ROWS`` handovers before any is handed over, counted by reading
    it: for a workbook that declares no ``<dimension>``, which the start (``import_files.check``)
    cannot count and the reading caps at the household import's 20,000 only."""
    if sum(1 for _ in read_rows(file_format, content)) > MAX_ROWS:
        raise too_many()


def too_many():
    return import_files.bad_file(f"at most {MAX_ROWS} handovers in one batch")


def entry_of_cells(cells):
    """A spreadsheet row as a batch's entry (``HandoverBatchEntry``), what is not readable kept as
    typed for ``handover_data`` to reject by its field."""
    entry = {part: cells.get(part, "") for part in ("building", "unit", "room")}
    entry["date"] = cells.get("date", "")
    # the single handover's received_by and also_received_by: the first name who received it, the
    # others (a 共有产权人 column, or 张三、李四 in 收房人) its co-owners
    names = [n.strip() for n in _NAMES_SPLIT.split(cells.get("received_by", "")) if n.strip()]
    also = [n.strip() for n in _NAMES_SPLIT.split(cells.get("also_received_by", "")) if n.strip()]
    if names:
        entry["received_by"] = names[0]
    if names[1:] + also:
        entry["also_received_by"] = names[1:] + also
    count, kept_by = cells.get("key_count", ""), cells.get("keys_kept_by", "")
    counted = _KEY_COUNT.fullmatch(unicodedata.normalize("NFKC", count))
    if count or kept_by:
        entry["keys"] = {"count": int(counted.group(1)) if counted else count,
                         "kept_by": KEPT_BY.get(kept_by.lower(), kept_by or "owner")}
    defects = [d.strip() for d in _DEFECT_SPLIT.split(cells.get("defects", "")) if d.strip()]
    if defects:
        entry["defects"] = [{"item": defect[:200]} for defect in defects]
    taken = cells.get("defects_accepted", "").strip().lower()
    entry["defects_accepted"] = True if taken in YES else False if taken in NO else taken
    return entry


# -- deciding ------------------------------------------------------------------------------

def address_of(entry):
    """The flat's parts as ``domain.address_key`` reads them (NFKC: full-width digits)."""
    return {part: address_part(str(entry.get(part) or "")) for part in ("building", "unit", "room")}


def handover_data(row, entry, default_date=None):
    """``(HandoverCreate data, None)`` of an entry, or ``(None, rejected row)``."""
    typed = entry.get("date") or default_date or ""
    day = sheet_dates.day(str(typed)) if typed else None
    if day is None:
        return None, rejected(row, "bad_date", "date")
    keys = entry.get("keys")
    if keys is not None and (not isinstance(keys.get("count"), int) or not 1 <= keys["count"] <= 50
                             or keys.get("kept_by") not in ("owner", "front_desk")):
        return None, rejected(row, "bad_keys", "keys")
    if not isinstance(entry.get("defects_accepted", False), bool):
        return None, rejected(row, "bad_defects_accepted", "defects_accepted")
    defects = entry.get("defects") or []
    items = ([{"item": d["item"], "result": "fail", **({"note": d["note"]} if d.get("note") else {})}
              for d in defects] or [{"item": INSPECTED, "result": "pass"}])
    data = {"kind": "handover", "date": day, "items": items}
    for name in ("received_by", "also_received_by", "keys"):
        if entry.get(name):
            data[name] = entry[name]
    if entry.get("defects_accepted") and defects:
        data["defects_accepted"] = True
    found = contracts.load().errors("openapi.yaml#/components/schemas/HandoverCreate", data)
    if found:
        field = found[0]["field"]
        return None, rejected(row, "invalid", field, name=_field_name(field))
    return data, None


def refusal(row, error):
    """The rejected row of a single handover's refusal (``handovers.new_handover``,
    ``occupants.historical_day``), its reason in Chinese."""
    fields = [e.get("field", "") for e in (error.errors or [])]
    field = fields[0].removeprefix("data.") if fields else ""
    when = re.search(r"\d{4}-\d{2}-\d{2}", str(error.detail))
    if isinstance(error, Conflict):
        return rejected(row, "handed_over", "kind", date=when.group(0) if when else "")
    if isinstance(error, BusinessRuleViolation) and field == "kind":
        return rejected(row, "not_taken_over", "kind")
    if field == "date":
        notes = " ".join(e.get("message", "") for e in error.errors)
        if "future" in notes:
            return rejected(row, "future_date", "date")
        if "takeover" in notes:
            return rejected(row, "before_takeover", "date", date=when.group(0) if when else "")
        return rejected(row, "too_early", "date")
    return rejected(row, "refused", field, name=_field_name(field))


def _field_name(field):
    """A field named in Chinese where the desk knows it (labels), else as the API names it."""
    head = field.split(".")[0].split("[")[0]
    return {"received_by": "收房人", "also_received_by": "共有产权人", "keys": "钥匙", "items": "验房问题",
            "documents": "资料", "date": "交房日期", "defects_accepted": "带问题收房"}.get(head, field)


def _recorded(record, household, data):
    """``record``'s outcome, tried again while the store loses a race (a 409 with ``retry_after``: the
    household kept changing between the handover and its day, which a caller of the single handover
    retries under its key): the row's id finds what it recorded and dates the household. Still
    losing, the race is the job's failure (run again, it records nothing twice), never the row's
    "handed over already"."""
    for attempt in range(1, RACE_ATTEMPTS + 1):
        try:
            return record(household, data)
        except Conflict as error:
            if not error.retry_after:  # a refusal (handed over already), not a race
                raise
            if attempt == RACE_ATTEMPTS:
                raise DomainError(error.detail) from error


def run(entries, find, record, progress, default_date=None, expected=None):
    """Hand over each entry's flat: ``entries`` ``(row, entry)``; ``find(entry)`` the household at
    its flat or None; ``record(household, data)`` the single handover (its outcome), raising its
    refusal. The result: counts, the handovers recorded and the rejected rows (the first
    ``MAX_REPORTED_ERRORS``)."""
    handed = defects = rejected_rows = done = 0
    errors, seen = [], {}
    progress(0, expected)

    def reject(problem):
        nonlocal rejected_rows
        rejected_rows += 1
        if len(errors) < MAX_REPORTED_ERRORS:
            errors.append(problem)

    for row, entry in entries:
        data, problem = handover_data(row, entry, default_date)
        household = find(entry) if problem is None else None
        if problem is None and household is None:
            problem = rejected(row, "unknown_flat", "room")
        if problem is None and household["_id"] in seen:
            problem = rejected(row, "duplicate_flat", "room", first=seen[household["_id"]])
        if problem is None:
            seen[household["_id"]] = row
            try:
                outcome = _recorded(record, household, data)
            except (BusinessRuleViolation, Conflict, InvalidInput) as error:
                problem = refusal(row, error)
            except DomainError:
                raise
            else:
                handed += outcome == "accepted"
                defects += outcome == "defects_found"
        if problem is not None:
            reject(problem)
        done += 1
        if done % PROGRESS_EVERY == 0:
            progress(done, max(done, expected or 0))
    progress(done, done)
    return {"rows": done, "handed_over": handed, "defects_found": defects, "rejected": rejected_rows,
            "errors": errors}

