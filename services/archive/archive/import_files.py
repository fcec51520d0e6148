"""Reading an uploaded owner list (CSV or XLSX) without letting the file decide the cost.

Two steps, kept apart on purpose:

- :func:`check` runs in the RPC that accepts the upload and parses nothing. A CSV is
  capped by its bytes and its lines; an XLSX is a zip, so its central directory is read
  (no entry is inflated) and refused when the entries' declared uncompressed sizes add up
  to more than the cap, when one of them inflates more than ``MAX_RATIO`` times, or when
  a worksheet's ``<dimension>`` (the first bytes of the sheet) declares more rows than the
  cap. Python's ``zipfile`` never inflates an entry past its declared size, so the declared
  sizes are what the parser can be made to read. A zip bomb is thus a 400 at once, in
  constant memory, and never reaches a parser.
- :func:`rows` runs in the import job: rows are streamed one at a time (``csv.reader`` over
  a text stream, openpyxl ``read_only``), and the row cap is enforced again while reading
  (a CSV's quoted line breaks and a workbook without ``<dimension>`` escape the first count).
  An XML entity bomb inside a sheet is refused by expat's amplification limit (expat ≥ 2.4,
  which Python 3.11 has), and reported as an unreadable sheet.

The caps are deployment configuration (what a worker can afford), not estate rules:
``IMPORT_MAX_BYTES`` (uncompressed; 16 MiB), ``IMPORT_MAX_ROWS`` (20,000 households),
``IMPORT_MAX_RATIO`` (100:1 for an XLSX entry). Plain functions: no broker, no store.
"""
import codecs
import csv
import io
import re
import zipfile

from estate_common import config, sheet_dates
from estate_common.errors import InvalidInput, field_error

MAX_BYTES = config.env_int("IMPORT_MAX_BYTES", 16 * 1024 * 1024)
MAX_ROWS = config.env_int("IMPORT_MAX_ROWS", 20_000)
MAX_RATIO = config.env_int("IMPORT_MAX_RATIO", 100)
MAX_ZIP_ENTRIES = 1_000  # a workbook has a few dozen; a central directory of millions is an attack
RATIO_FLOOR = 64 * 1024  # entries smaller than this inflate as they like (tiny XML compresses well)
DIMENSION_BYTES = 4096   # <dimension> sits in the first few hundred bytes of a worksheet
FORMATS = ("csv", "xlsx")

_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="[A-Z]+[0-9]+(?::[A-Z]+([0-9]+))?"')
_WORKSHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")


def bad_file(message):
    return InvalidInput(f"the file cannot be imported: {message}", [field_error("(file)", message)])


def _too_many_rows():
    return bad_file(f"at most {MAX_ROWS} households in one import")


def _too_large():
    return bad_file(f"the file is larger than {MAX_BYTES} bytes uncompressed")


def check(file_format, content):
    """Refuse a file over the caps before anything parses it; the number of data rows it
    announces (an estimate for the job's progress: CSV lines with text, or the first
    worksheet's ``<dimension>``; None when a workbook does not say)."""
    if file_format not in FORMATS:
        raise bad_file(f"format must be one of {', '.join(FORMATS)}")
    if not content:
        raise bad_file("the file is empty")
    if file_format == "csv":
        return _check_csv(content)
    return _check_xlsx(content)


def _check_csv(content):
    """Non-empty lines less the header, counted on the bytes before any decoding: an upper bound
    of the rows ``rows`` yields (a line of commas only, or a quoted cell spanning lines, counts
    here and not there), so a file refused here for ``MAX_ROWS`` is one with that many lines."""
    if len(content) > MAX_BYTES:
        raise _too_large()
    lines = sum(1 for line in io.BytesIO(content) if line.strip())
    if lines - 1 > MAX_ROWS:
        raise _too_many_rows()
    return max(lines - 1, 0)


def _check_xlsx(content):
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise bad_file("not an .xlsx workbook") from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise bad_file("not an .xlsx workbook (too many parts)")
        if sum(entry.file_size for entry in entries) > MAX_BYTES:
            raise _too_large()
        for entry in entries:
            if entry.file_size > RATIO_FLOOR and entry.file_size > MAX_RATIO * max(entry.compress_size, 1):
                raise bad_file(f"a part of the workbook inflates more than {MAX_RATIO} times")
        names = {entry.filename for entry in entries}
        if "[Content_Types].xml" not in names or not any(name.endswith("workbook.xml") for name in names):
            # a zip of anything else was taken (202) and failed in its job (found by a probe)
            raise bad_file("not an .xlsx workbook")
        sheets = sorted((e for e in entries if _WORKSHEET.match(e.filename)), key=lambda e: e.filename)
        declared = [_declared_rows(archive, sheet) for sheet in sheets]
    if any(rows is not None and rows - 1 > MAX_ROWS for rows in declared):
        raise _too_many_rows()
    first = declared[0] if declared else None
    return None if first is None else max(first - 1, 0)


def _declared_rows(archive, sheet):
    """The last row a worksheet's ``<dimension ref="A1:F2001"/>`` names, or None."""
    try:
        with archive.open(sheet) as stream:
            head = stream.read(DIMENSION_BYTES)
    except (zipfile.BadZipFile, NotImplementedError, OSError, EOFError, ValueError):
        raise bad_file("not an .xlsx workbook") from None
    found = _DIMENSION.search(head)
    if found is None:
        return None
    return int(found.group(1) or 1)


# -- in the job: one row at a time -------------------------------------------------------

HEADER_WITHIN = 5  # a sheet printed for people has a title, at times a note or a blank line, above its column names


def header(stream, columns_of):
    """``(columns_of(row), its row number)`` of the first of a file's first ``HEADER_WITHIN`` rows
    that names the columns (``columns_of`` raises the refusal of a row that does not): a title above
    them (锦绣花园业主清单, 3号楼集中交付登记表) is passed over. None naming them: the first row's refusal."""
    refused = None
    for number, row in enumerate(stream, start=1):
        if not blank(row):
            try:
                return columns_of(row), number
            except InvalidInput as error:
                refused = refused or error
        if number >= HEADER_WITHIN:
            break
    raise refused or bad_file("the file is empty")


def blank(row):
    """A row with nothing in any cell: not counted, not imported."""
    return not any(str(cell).strip() for cell in row)


def rows(file_format, content):
    """The file's rows as lists of cells, streamed; a data row past ``MAX_ROWS`` (blank rows
    not counted) stops the reading with a 400-kind error."""
    source = _csv_rows(content) if file_format == "csv" else _xlsx_rows(content)
    data_rows = -1  # the first row is the header
    for row in source:
        if not blank(row):
            data_rows += 1
            if data_rows > MAX_ROWS:
                raise _too_many_rows()
        yield row


def _encoding(content):
    """UTF-8 (with or without BOM), else GB18030 (spreadsheets saved as CSV on Chinese
    Windows): decided by decoding in chunks, without a second copy of the file."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(content), 65536):
                decoder.decode(content[start:start + 65536])
            decoder.decode(b"", final=True)
            return encoding
        except UnicodeDecodeError:
            continue
    raise bad_file("CSV must be UTF-8 or GB18030 text")


def _csv_rows(content):
    text = io.TextIOWrapper(io.BytesIO(content), encoding=_encoding(content), newline="")
    reader = csv.reader(text)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:  # a cell over csv's field size limit, a NUL byte...: the file's fault
            raise bad_file(f"the CSV cannot be read at line {reader.line_num}") from None
        yield row


def _another_sheet_has_rows(book):
    """Whether a sheet after the first holds a cell with a value (an empty workbook of three
    empty sheets, as older Excel makes, is an empty file: a review)."""
    for sheet in book.worksheets[1:]:
        try:
            for row in sheet.iter_rows(values_only=True):
                if any(value not in (None, "") for value in row):
                    return True
        except Exception:  # a malformed later sheet: the first one was empty all the same
            continue
    return False


def _xlsx_rows(content):
    import openpyxl  # only imports need it
    from openpyxl.utils.datetime import CALENDAR_MAC_1904
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise bad_file("not an .xlsx workbook") from None
    try:
        if not book.worksheets:
            raise bad_file("the workbook has no sheet")
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        # old Mac Excel's workbooks count their date serials from 1904 (workbook.xml's date1904): their numbers
        # marked so (``sheet_dates.in_1904_system``), a 交房日期 serial was read four years early (r2 reviewing h2)
        date1904 = book.epoch == CALENDAR_MAC_1904
        merges = iter(_merged_down(content, getattr(sheet, "_worksheet_path", None)))
        merge = next(merges, None)
        down = {}  # column -> (the merge's last row, its first cell's value), while the rows below read it
        number = 0
        read = False
        while True:
            try:
                row = next(rows)
            except StopIteration:
                if not read and _another_sheet_has_rows(book):  # it said "the file is empty" (a probe)
                    raise bad_file("the workbook's first sheet is empty: the households are read from the first sheet")
                return
            except Exception:  # a malformed sheet, or expat refusing an entity bomb (billion laughs)
                raise bad_file("the workbook's first sheet cannot be read") from None
            read = True
            number += 1
            cells = ["" if value is None else sheet_dates.in_1904_system(value) if date1904 else value
                     for value in row]
            for column, (last, value) in list(down.items()):
                if number > last:
                    del down[column]
                elif column <= len(cells):
                    cells[column - 1] = value
            while merge is not None and merge[0] <= number:
                first, last, column = merge
                if first == number and last > first:
                    down[column] = (last, cells[column - 1] if column <= len(cells) else "")
                merge = next(merges, None)
            yield cells
    finally:
        book.close()


MAX_MERGED = 20_000  # a building's 楼栋 merged down its flats: a few hundred in a workbook
_MERGED = re.compile(r"([A-Z]{1,3})([0-9]+):[A-Z]{1,3}([0-9]+)")


def _merged_down(content, sheet_path):
    """``(first row, last row, column)`` of the first sheet's merged cells (``<mergeCell
    ref="A2:A40"/>``, after its rows), by their first row: each row of a merge reads the value of its
    first cell in the merge's first column (楼栋 merged down a building's flats is that building on
    each), never across (a merge over two columns is one answer, the first column's). openpyxl's
    streaming reader does not read them: the sheet is read once more, streamed, its rows dropped as
    parsed; at most ``MAX_MERGED``, and one a column at a time as the rows are read (merges do not
    overlap), so a file of merges costs what its rows do."""
    if not sheet_path:
        return []
    from xml.etree.ElementTree import ParseError, iterparse

    from openpyxl.utils import column_index_from_string
    found = []
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive, archive.open(sheet_path.lstrip("/")) as stream:
            for _, element in iterparse(stream):
                tag = element.tag.rsplit("}", 1)[-1]
                if tag == "mergeCell":
                    ref = _MERGED.fullmatch(element.get("ref") or "")
                    if ref:
                        found.append((int(ref[2]), int(ref[3]), column_index_from_string(ref[1])))
                        if len(found) >= MAX_MERGED:
                            break
                if tag in ("row", "mergeCell"):
                    element.clear()
    except (ParseError, KeyError, zipfile.BadZipFile, OSError, ValueError):
        return []  # the rows' reading says what is wrong with the sheet
    return sorted(found)
