"""Exports of a resource's list as a CSV or XLSX file (导出): the one writer every service uses.

``POST /api/v1/estates/{id}/exports {resource, format, filters}`` starts a background job
(``estate_common.jobs``) in the service that owns the resource (:data:`RESOURCES`); the job
walks the resource's documents once (a cursor, never the whole list in memory), turns each
into a row with the resource's column list (one per resource, in its service's
``exports.py``) and writes the file into the job's store in chunks (``export_store``); the
finished job's result names the file and when its download link expires. The gateway serves
``GET /api/v1/estates/{id}/exports/{job_id}/file`` by reading the chunks over RPC
(``read_export``), checking at each download that the caller's roles may read the resource
and see the personal data the file holds in full.

- **Formula injection.** In a CSV, a text cell that starts with ``=``, ``+``, ``-``, ``@``, a
  tab or a carriage return is written with a leading ``'`` (:func:`escape`), so a spreadsheet
  shows it as text instead of running it: a CSV cell has no type, the spreadsheet guesses one.
  An XLSX cell has a type: text is written as a string cell (``inlineStr``, never a formula),
  which no spreadsheet evaluates, so it is written as it is (a ``'`` there would be data: an
  owner's phone ``+8613800000000`` read ``'+8613800000000``). Numbers stay numbers in both.
- **Personal data** follows the API's masking (``estate_common.personal_data``): a column
  holding a kind of personal data (``Column.personal``) is masked unless one of the roles of
  who started the export sees that kind in full (``params.full``). The job's result names the
  kinds the file holds in full (``personal_data_in_full``: a column written in full with at
  least one value its mask would change); a download by roles that do not see one of those in
  full is refused.
- **CSV** is UTF-8 with a byte order mark (Excel reads it as UTF-8), RFC 4180 quoting, CRLF.
  **XLSX** is written by openpyxl's ``write_only`` workbook (rows streamed to a temporary file,
  not kept as cells in memory).
- **Who reads which.** A CSV is for systems: amounts in cents and moments in UTC, as the API
  gives them. An XLSX is for people (:func:`for_people`): an amount ``x_cents`` is a column
  ``x_yuan`` of yuan with two decimals, a moment ``x_at`` a date and time on the estate's clock,
  its heading naming the timezone. An accountant opened an XLSX of bills and read 12000 for
  ¥120.00, and times eight hours off (a probe).
- **In the reader's language.** An export asked with a ``language`` (``zh`` or ``en``; none by
  default, and then the file is as above, byte for byte) is written for people in either format
  (:func:`in_language`): each heading is the field's name in that language and each code its
  label (``estate_common.labels``, which the console's pages read too: one place for each), a
  yes or no as such, an amount (``x_cents``) in yuan with two decimals (a ``Decimal``, never a
  float: the cents stay exact) under a heading naming the yuan, and a moment (``x_at``) on the
  estate's clock, ``2026-11-23 17:05:00`` in a CSV (a date and time cell in an XLSX), its heading
  naming the timezone. A text the service composed (a ledger record's ``completed (WO-…)``:
  ``Column.said``) is in that language too. Masking is the same: a masked value is masked text in any language. A
  front desk in Shanghai opened the CSV in Excel and read ``occupied``, ``amount_cents`` 21002 and
  times eight hours off (the brief of the change). The CSV keeps its byte order mark, which Excel
  needs to read it as UTF-8 rather than the system's code page (GBK on a Chinese Windows).
- **Custom fields.** ``custom_columns(keys)`` turns the keys of a document's ``custom:
  {key: value}`` into columns named ``custom.<key>``; each service's ``exports.py`` asks its
  ``custom_keys`` hook which keys to add after its own columns.
"""
import csv
import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Callable, Optional
from zoneinfo import ZoneInfo

from . import clock, custom_fields, labels, personal_data, retention
from .text import FORMULA_STARTS, formula_safe

# resource -> the service that owns it and produces its rows
RESOURCES = {
    "households": "archive",
    "service_requests": "customer_service",
    "work_orders": "maintenance",
    "bills": "finance",
    "payments": "finance",
    "arrears": "finance",
    "patrol_rounds": "security_patrol",
    "incidents": "security_patrol",
    "visitors": "security_patrol",
    "shift_handovers": "security_patrol",
    "fire_inspections": "security_patrol",
    "owner_contacts": "customer_service",
    "vacant_inspections": "archive",
    "meter_readings": "archive",
    "equipment_records": "maintenance",
}
FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8",
                 "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
CHUNK_BYTES = 256 * 1024  # one stored document and one RPC answer (base64: ~342 KiB) each
BOM = "\ufeff"
PROGRESS_EVERY = 1000  # rows between progress reports (each also yields to other green threads)


ADDRESS = ("building", "unit", "room")
ADDRESS_BATCH = 500  # documents whose households' addresses are read at once


def with_addresses(docs, household_of, addresses):
    """``docs`` each with the building, unit and room of its household (``household_of(doc)``: its
    id, None for none), read ``ADDRESS_BATCH`` documents at a time by ``addresses(ids)`` (the
    service's store: ``{household_id: {building, unit, room}}`` of its copies; empty while a copy has
    not come): a bill's, a payment's or a visitor's flat, beside its id, in one read a batch."""
    batch = []
    for doc in docs:
        batch.append(doc)
        if len(batch) == ADDRESS_BATCH:
            yield from _addressed(batch, household_of, addresses)
            batch = []
    yield from _addressed(batch, household_of, addresses)


def _addressed(batch, household_of, addresses):
    found = addresses([household for household in map(household_of, batch) if household])
    for doc in batch:
        address = found.get(household_of(doc)) or {}
        yield {**doc, **{name: address.get(name) for name in ADDRESS}}


def job_kind(resource):
    """The job kind of an export of ``resource`` (``estate_common.job_scopes`` names its roles)."""
    return f"export_{resource}"


def resource_of(kind):
    return kind[len("export_"):] if kind.startswith("export_") and kind[len("export_"):] in RESOURCES else None


LANGUAGES = labels.LANGUAGES  # an export's ``language``, for people: none by default
LOCAL_TIME = "%Y-%m-%d %H:%M:%S"  # a moment on the estate's clock in a CSV written in a language


@dataclass(frozen=True)
class Column:
    """One column: its header, the value of a document (``value(doc)``), the kind of personal
    data it holds (``estate_common.personal_data``), if any, the group of ``estate_common.labels``
    that names its codes in a language (``labels``: ``wo_status``, ``fee``...), and the words of
    its heading where the field has none there (``words``: a custom field's ``{zh, en}`` label), or
    where the field's is another record's (a handover's ``accepted_at`` is no renovation's 验收)."""
    name: str
    value: Callable
    personal: Optional[str] = None
    labels: Optional[str] = None
    words: Optional[dict] = None
    # a text the service composed (``labels.RECORD_RESULTS``): ``(value, language) ->`` its words in a
    # file in that language (``labels.said``); a file with no language writes it as composed
    said: Optional[Callable] = None


def field(name, path=None, personal=None, labels=None):
    """A column of a stored field (``path``: a dotted path, the header by default); ``labels``:
    the group of ``estate_common.labels`` naming its codes."""
    steps = (path or name).split(".")

    def value(doc):
        for step in steps:
            if not isinstance(doc, dict):
                return None
            doc = doc.get(step)
        return doc
    return Column(name, value, personal, labels)


def custom_columns(keys, words=None):
    """The hook for custom fields: a column ``custom.<key>`` per key, from ``custom: {key: value}``;
    ``words``: each key's label (``{zh, en}``), which a heading in a language adds after it."""
    words = words or {}
    return [Column(f"custom.{key}", lambda doc, key=key: custom_fields.export_value((doc.get("custom") or {}).get(key)),
                   words=words.get(key))
            for key in keys]


def escape(value):
    """A CSV cell value safe from formula injection (``text.formula_safe``: text starting with
    ``= + - @``, a tab or a carriage return gets a leading ``'``; numbers, booleans and None as they
    are). CSV only: an XLSX string cell is never run (``write_xlsx``), where the ``'`` would be part
    of the text."""
    return formula_safe(value)


def unescaped(value):
    """A cell of an exported file read back (the household import takes its own export): the
    ``'`` that ``escape`` put before a formula's first character taken off again (a CSV's, or an
    XLSX written before its text cells were typed as strings)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value


def cell(value):
    """What a cell holds: text, a number or empty; lists and objects as their compact text.
    Not escaped: each format keeps text from running its own way (``write_csv``, ``write_xlsx``)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    return str(value)


def full_kinds(columns, roles):
    """The kinds of personal data in ``columns`` that ``roles`` see in full (written unmasked)."""
    return sorted({c.personal for c in columns if c.personal and personal_data.sees_in_full(c.personal, roles)})


def row(columns, doc, full, written=None):
    """The cells of ``doc``: personal data masked unless its kind is in ``full``, a name the row holds
    masked too where its free text repeats it (``personal_data.name_masked_in_text``); the kinds
    actually written in full (a value its mask changes: not an empty cell, nor a description
    without a number) are added to ``written``."""
    values = [column.value(doc) for column in columns]
    names = [(value, column.personal) for column, value in zip(columns, values)
             if column.personal in personal_data.NAMES]
    cells = []
    for column, value in zip(columns, values):
        if column.personal:
            if column.personal not in full:
                if column.personal in personal_data.TEXTS and isinstance(value, str):
                    # a name the row holds, typed again into its text, masked as the API masks it there
                    value = personal_data.mask_names_in(value, [
                        found for name, kind in names
                        if personal_data.name_masked_in_text(column.personal, kind, full.__contains__)
                        for found in personal_data.names_in(name)])
                value = personal_data.masked(column.personal, value)
            elif (written is not None and column.personal not in written  # once known, not searched again
                  and personal_data.masked(column.personal, value) != value):
                written.add(column.personal)  # a value its mask changes: not an empty cell, nor a text
                                              # with no number in it
        cells.append(cell(value))
    return cells


def may_download(full, roles):
    """Whether ``roles`` see in full every kind the file was written with in full."""
    return all(personal_data.sees_in_full(kind, roles) for kind in full)


class Chunks:
    """A binary sink that hands ``save(n, data)`` a chunk each ``CHUNK_BYTES``."""

    def __init__(self, save, size=CHUNK_BYTES):
        self.save, self.size = save, size
        self.buffer, self.count, self.bytes = bytearray(), 0, 0
        self.digest = hashlib.sha256()

    def write(self, data):
        self.buffer += data
        self.bytes += len(data)
        self.digest.update(data)
        while len(self.buffer) >= self.size:
            self._flush(self.size)
        return len(data)

    def _flush(self, size):
        self.save(self.count, bytes(self.buffer[:size]))
        del self.buffer[:size]
        self.count += 1

    def close(self):
        if self.buffer or self.count == 0:
            self._flush(len(self.buffer))


def _csv_cell(value):
    """A cell of a CSV written in a language: a moment as the estate's clock reads it, an amount's
    ``Decimal`` as its digits (not escaped: ``-12.50`` is a number, not a formula)."""
    if isinstance(value, datetime):
        return value.strftime(LOCAL_TIME)
    return "" if value is None else escape(value)


def write_csv(columns, docs, full, sink, progress=None, written=None, language=None, timezone=None):
    """``docs`` as CSV rows into ``sink`` (a binary ``write``): UTF-8 with a BOM. Rows written.
    With a ``language``, for people (:func:`in_language`, on the clock of ``timezone``); without,
    for systems: the API's names, codes, cents and UTC."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\r\n")
    text.write(BOM)
    shown = [in_language(c, language, timezone) for c in columns] if language else None
    writer.writerow([escape(how.heading) for how in shown] if shown else [escape(c.name) for c in columns])
    count = 0
    for doc in docs:
        values = row(columns, doc, full, written)
        if shown:
            writer.writerow([_csv_cell(how.value(v)) for how, v in zip(shown, values)])
        else:
            writer.writerow(["" if v is None else escape(v) for v in values])
        count += 1
        if text.tell() >= CHUNK_BYTES:
            sink.write(text.getvalue().encode("utf-8"))
            text.seek(0)
            text.truncate()
        if progress and count % PROGRESS_EVERY == 0:
            progress(count)
    sink.write(text.getvalue().encode("utf-8"))
    return count


@dataclass(frozen=True)
class Shown:
    """How an XLSX shows a column: its heading, its cells' number format, and each value."""
    heading: str
    number_format: Optional[str]
    value: Callable


def _as_is(value):
    return value


def for_people(name, timezone):
    """How an XLSX, read by people, shows the column ``name``: an amount in cents as yuan with
    two decimals (``_yuan``), a moment (``_at``, ISO in UTC) on the estate's clock (``timezone``),
    anything else as it is. A custom field's column is its value as written by its type
    (``custom_fields.export_value``), under the heading the household import reads back: a custom
    ``deposit_cents`` was headed ``_yuan`` over cents, and a date ``x_at`` moved a day west of UTC
    (found by review)."""
    if name.startswith("custom."):  # text written by the field's type; the import reads its heading back
        return Shown(name, None, _as_is)
    if name.endswith("_cents"):
        return Shown(name[:-len("_cents")] + "_yuan", "#,##0.00",
                     lambda v: Decimal(v) / 100 if isinstance(v, int) and not isinstance(v, bool) else v)
    if name.endswith("_at") and timezone:
        return Shown(f"{name} ({timezone})", "yyyy-mm-dd hh:mm:ss", _on_clock(timezone))
    return Shown(name, None, _as_is)


def _on_clock(timezone):
    """A moment (ISO, UTC) as the date and time of the estate's clock: a spreadsheet's date cell
    has no timezone, so the estate's own, named in the heading; anything else as it is."""
    zone = ZoneInfo(timezone)

    def local(value):
        if not isinstance(value, str):
            return value
        try:
            return clock.parse_iso(value).astimezone(zone).replace(tzinfo=None)
        except ValueError:
            return value
    return local


CENT = Decimal("0.01")


def _yuan(value):
    """Cents as yuan with two decimals, exact (a ``Decimal``); anything else as it is."""
    if isinstance(value, int) and not isinstance(value, bool):
        return (Decimal(value) / 100).quantize(CENT)
    return value


def _is_amount(name):
    """Whether a column holds cents: ``x_cents``, or a price's ``cents_per_m2``."""
    return "cents" in name.rsplit(".", 1)[-1].split("_")


def in_language(column, language, timezone):
    """How a file written in ``language`` shows ``column`` (either format): its heading the field's
    name in that language (``estate_common.labels``; a field it does not name, as it is), its codes
    their labels and a yes or no as such, an amount in yuan with two decimals (its heading names the
    yuan), a moment on the estate's clock (``timezone``, named in the heading). A custom field's
    heading is ``custom.<key> (label)``, which the household import reads back; its cells as its
    type writes them (``custom_fields.export_value``)."""
    name = column.name
    if name.startswith("custom."):
        words = (column.words or {}).get(language)
        return Shown(f"{name} ({words})" if words else name, None, _as_is)
    heading = (column.words or {}).get(language) or labels.field(name, language)
    if _is_amount(name):
        return Shown(heading, "#,##0.00", _yuan)
    if name.endswith("_at"):
        timezone = timezone or "UTC"
        zone_named = f"（{timezone}）" if language == "zh" else f" ({timezone})"
        return Shown(heading + zone_named, "yyyy-mm-dd hh:mm:ss", _on_clock(timezone))
    if column.said:
        return Shown(heading, None, lambda value: column.said(value, language))
    return Shown(heading, None, lambda value: labels.code(column.labels, value, language))


def write_xlsx(columns, docs, full, sink, progress=None, written=None, title="export", timezone=None, language=None):
    """``docs`` as one sheet of an XLSX workbook into ``sink``, shown as people read them
    (:func:`for_people`, on the clock of ``timezone``; with a ``language``, :func:`in_language`).
    Rows written.

    Text goes in as string cells, as it is (no ``'``): openpyxl would make a formula of text
    starting with ``=`` (and an error cell of ``#N/A``), so the cell's type is set, not guessed."""
    import openpyxl  # services only (requirements/services.in)

    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    shown = [in_language(c, language, timezone) if language else for_people(c.name, timezone) for c in columns]

    def cells(values):
        return [text(value) if isinstance(value, str) else value for value in values]

    def typed(values):
        out = []
        for how, value in zip(shown, values):
            value = how.value(value)
            if isinstance(value, str):
                out.append(text(value))
            elif how.number_format and value is not None:
                formatted = WriteOnlyCell(sheet, value)
                formatted.number_format = how.number_format
                out.append(formatted)
            else:
                out.append(value)
        return out

    def text(value):
        # A control character in a name (a paste) made openpyxl refuse the whole file: dropped.
        # What is left may start with "=" ("\x01=HYPERLINK(...)" from the owner portal): still
        # a string cell, never a formula.
        written_as = WriteOnlyCell(sheet, ILLEGAL_CHARACTERS_RE.sub("", value))
        written_as.data_type = "s"
        return written_as

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])
    sheet.append(cells(how.heading for how in shown))
    count = 0
    for doc in docs:
        sheet.append(typed(row(columns, doc, full, written)))
        count += 1
        if progress and count % PROGRESS_EVERY == 0:
            progress(count)
    handle, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(handle)
    try:
        book.save(path)
        with open(path, "rb") as written:
            for block in iter(lambda: written.read(CHUNK_BYTES), b""):
                sink.write(block)
    finally:
        os.unlink(path)
    return count


WRITERS = {"csv": write_csv, "xlsx": write_xlsx}


def filename(resource, file_format, now):
    return f"{resource}-{now.strftime('%Y%m%dT%H%M%SZ')}.{file_format}"


def run(job, columns, docs, save_chunk, progress, timezone=None):
    """The work of an export job: the file written in chunks (``save_chunk(n, data, expires)``),
    then the job's result; an XLSX, and a file in a language (``params.language``), shows times on
    the estate's clock (``timezone``). The link is
    valid ``EXPORT_LINK_SECONDS`` from the start of the run; the chunks expire then too
    (``retention``), so the file does not outlive its link."""
    params, started = job["params"], clock.now()
    expires = retention.expire_at(retention.EXPORT_SECONDS, started)
    sink, written = Chunks(lambda n, data: save_chunk(n, data, expires)), set()
    people = {"timezone": timezone} if params["format"] == "xlsx" else {}
    if params.get("language"):
        people = {"timezone": timezone, "language": params["language"]}
    count = WRITERS[params["format"]](columns, docs, params["full"], sink, progress, written, **people)
    sink.close()
    progress(count, count)
    return {"rows": count, "bytes": sink.bytes, "chunks": sink.count, "sha256": sink.digest.hexdigest(),
            "filename": filename(params["resource"], params["format"], started),
            "content_type": CONTENT_TYPES[params["format"]], "expires_at": clock.to_iso(expires),
            "personal_data_in_full": sorted(written),
            "download": f"/api/v1/estates/{job['estate_id']}/exports/{job['_id']}/file"}


def expired(job, now=None):
    return clock.parse_iso(job["result"]["expires_at"]) <= (now or clock.now())
