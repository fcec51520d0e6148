"""The developer's handover of the estate (开发商移交) on the archive's page, against the fake gateway:
the checklist of the documents the takeover needs, the sessions recorded, and the form that records one."""
from .conftest import ESTATE, csrf_of, problem, sign_in
from .test_registers import _only_documented

BASE = f"/api/v1/estates/{ESTATE}/archive/estate-handovers"
STAMP = "2026-12-01T08:00:00Z"
SESSION = {"id": "eho_1", "estate_id": ESTATE, "date": "2026-12-01", "handed_over_by": "Harbour Development Co.",
           "received_by": "李档案", "note": None, "created_at": STAMP, "created_by": "li",
           "documents": [{"number": 1, "kind": "as_built_drawings", "title": "竣工图 A", "status": "received",
                          "copies": 2, "reference": "AB-01", "note": None},
                         {"number": 2, "kind": "owner_list", "title": "业主清册", "status": "missing", "copies": 1,
                          "reference": None, "note": "promised by 12-20"}],
           "common_areas": [{"number": 1, "item": "pump room", "result": "fail", "note": "leaking valve"}],
           "documents_missing": [2], "failed_areas": [1]}
KINDS = ("as_built_drawings", "completion_filing", "planning_permit", "construction_permit", "equipment_manual",
         "equipment_warranty", "owner_list")
CHECKLIST = {"estate_id": ESTATE, "received": 1, "required": 7, "missing": list(KINDS[1:]), "items": [
    {"kind": kind, "status": "received" if kind == "as_built_drawings" else
     "missing" if kind == "owner_list" else "not_handed_over",
     "received_on": "2026-12-01" if kind == "as_built_drawings" else None,
     "copies": 2 if kind == "as_built_drawings" else 0,
     "handover_ids": ["eho_1"] if kind == "as_built_drawings" else [],
     "listed_missing_on": "2026-12-01" if kind == "owner_list" else None} for kind in KINDS]}


def _pages(fake):
    fake.on("GET", rf"{BASE}/checklist", CHECKLIST)
    fake.on("GET", BASE, {"items": [SESSION], "next_cursor": None})


def test_the_page_shows_which_documents_are_still_missing_and_each_session(client, fake, documented_routes):
    sign_in(client, fake, username="li", roles=("archivist",))
    _pages(fake)
    page = client.get("/archive/estate-handovers", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    assert "开发商移交资料" in page and "竣工验收备案" in page and "业主清册" in page
    assert 'data-document="owner_list" data-status="missing"' in page and "未移交" in page
    assert "1 / 7" in page and "竣工图 A" in page and "leaking valve" in page and "Harbour Development Co." in page
    assert "/archive/estate-handovers" in client.get("/", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    _only_documented(fake, documented_routes)


def test_a_session_sends_its_documents_and_areas_and_shows_a_refusal(client, fake, documented_routes):
    sign_in(client, fake, username="li", roles=("archivist",))
    _pages(fake)
    fake.on("POST", BASE, (201, SESSION))
    answer = client.post("/archive/estate-handovers", data={
        "csrf_token": csrf_of(client), "date": "2026-12-01", "handed_over_by": "Harbour Development Co.",
        "received_by": "李档案", "doc_kind": ["as_built_drawings", "owner_list", "other"],
        "doc_title": ["竣工图 A", "业主清册", ""], "doc_status": ["received", "missing", "received"],
        "doc_copies": ["2", "", ""], "doc_reference": ["AB-01", "", ""],
        "area_item": ["pump room", ""], "area_result": ["fail", "pass"], "area_note": ["leaking valve", ""]})
    assert answer.status_code == 302
    [sent] = [c for c in fake.calls if c["method"] == "POST" and c["path"] == BASE]
    assert sent["json"] == {"date": "2026-12-01", "handed_over_by": "Harbour Development Co.", "received_by": "李档案",
                            "documents": [{"kind": "as_built_drawings", "title": "竣工图 A", "status": "received",
                                           "copies": 2, "reference": "AB-01"},
                                          {"kind": "owner_list", "title": "业主清册", "status": "missing"}],
                            "common_areas": [{"item": "pump room", "result": "fail", "note": "leaking valve"}]}
    fake.on("POST", BASE, problem(422, "2026-12-09 is after today (2026-12-06 in the estate's timezone): a change "
                                       "is recorded once it has happened", "", "business_rule",
                                  [{"field": "date", "message": "is in the future"}]))
    refused = client.post("/archive/estate-handovers", data={
        "csrf_token": csrf_of(client), "date": "2026-12-09", "handed_over_by": "Harbour", "received_by": "li",
        "doc_kind": ["completion_filing"], "doc_title": ["备案表"], "doc_status": ["received"], "doc_copies": [""],
        "doc_reference": [""]}, headers={"Accept-Language": "zh"})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and 'value="备案表"' in text and "不能是将来的时间" in text
    assert 'id="eho-date" type="date" name="date" required value="2026-12-09" aria-invalid="true"' in text
    _only_documented(fake, documented_routes)


def test_the_change_log_names_a_developers_handover_by_its_day_and_developer(client, fake, documented_routes):
    """The change log's line of a session read ``eho_…``, its internal id, where every other
    archive document is named as people know it (found by review): named by its record's data,
    its day and who handed over."""
    sign_in(client, fake, username="ada", roles=("archivist",))
    record = {"id": "rec_eho_1", "subject_id": "eho_1", "subject_type": "estate_handover",
              "event_type": "estate_handover_recorded", "source": "archive", "occurred_at": STAMP,
              "recorded_at": STAMP, "corrected_by": [],
              "data": {k: SESSION[k] for k in ("date", "handed_over_by", "received_by", "documents", "common_areas",
                                               "documents_missing", "failed_areas", "note")}}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/archive/records", {"items": [record], "next_cursor": None})
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/archive/change-log", {"items": [
        {"id": "chg_1", "subject_type": "estate_handover", "subject_id": "eho_1",
         "action": "estate_handover_recorded", "actor": "li", "at": STAMP, "fields": ["date"]}],
        "next_cursor": None})
    rows = client.get("/archive/change-log", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    rows = rows.split("<tbody>")[1]
    assert "<td>2026-12-01 Harbour Development Co.</td>" in rows and ">eho_1<" not in rows
    _only_documented(fake, documented_routes)


def test_a_developers_handover_record_reads_in_the_words_of_the_handover(client, fake):
    """Its record on the archive's record page read 接收业主 (the owner who received a flat) for the
    company's receiver, 收费项目 (a fee item) for a common area, and the codes owner_list, missing,
    fail, documents_missing, failed_areas as stored (found by review)."""
    sign_in(client, fake, username="ada", roles=("archivist",))
    data = {k: SESSION[k] for k in ("date", "handed_over_by", "received_by", "documents", "common_areas",
                                    "documents_missing", "failed_areas", "note")}
    record = {"id": "rec_eho_1", "estate_id": ESTATE, "subject_id": "eho_1", "subject_type": "estate_handover",
              "event_type": "estate_handover_recorded", "source": "archive", "occurred_at": STAMP,
              "recorded_at": STAMP, "seq": 1, "hash": "ab" * 32, "corrected_by": [], "data": data}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/archive/records", {"items": [record], "next_cursor": None})
    page = client.get("/archive/records?subject_type=estate_handover", headers={"Accept-Language": "zh"})
    shown = page.get_data(as_text=True).split("<tbody>")[1].split("<form")[0]
    for word in ("接收人", "部位/设施: pump room", "业主清册", "缺失", "不合格", "竣工图"):
        assert word in shown, word
    for code in ("接收业主", "收费项目", "owner_list", "as_built_drawings", ": missing", ": fail", "documents_missing",
                 "failed_areas"):
        assert code not in shown, code
    correction = page.get_data(as_text=True).split("<tbody>")[1].split("<form")[1]  # its fields, to correct
    assert "接收人" in correction and "接收业主" not in correction
    en = client.get("/archive/records?subject_type=estate_handover", headers={"Accept-Language": "en"})
    shown = en.get_data(as_text=True).split("<tbody>")[1].split("<form")[0]
    assert "Owners&#39; list" in shown and "Area or facility: pump room" in shown and "owner_list" not in shown


KEYED = {**SESSION, "keys": [{"number": 1, "kind": "unit", "label": "3栋 全部房屋", "count": 240, "kept_by": "前台钥匙柜",
                              "note": None},
                             {"number": 2, "kind": "equipment_room", "label": "水泵房", "count": 2, "kept_by": "李工",
                              "note": "含备用"}],
         "keys_by_kind": {"unit": 240, "equipment_room": 2}}


def test_the_keys_received_are_recorded_and_shown_by_kind_with_who_keeps_them(client, fake, documented_routes):
    """The developer's handover recorded documents and areas, no keys (钥匙移交: the units', the common
    areas', the equipment rooms'; session 51's leftovers): the form sends lines of keys (kind, which,
    how many, who keeps them), a count that is not a whole number refused at its box; the page shows
    each session's keys and the keys received by kind over the sessions."""
    sign_in(client, fake, username="li", roles=("archivist",))
    fake.on("GET", rf"{BASE}/checklist", {**CHECKLIST, "keys_by_kind": {"unit": 240, "equipment_room": 2}})
    fake.on("GET", BASE, {"items": [KEYED], "next_cursor": None})
    page = client.get("/archive/estate-handovers", headers={"Accept-Language": "zh"}).get_data(as_text=True)
    received = page.split('id="keys-received"')[1].split("</section>")[0]
    assert "房屋钥匙" in received and "240" in received and "设备房钥匙" in received
    session = page.split('data-estate-handover="eho_1"')[1].split("</article>")[0]
    assert "3栋 全部房屋" in session and "×240" in session and "前台钥匙柜" in session and "含备用" in session
    assert 'name="key_kind"' in page and 'name="key_count"' in page and 'name="key_kept_by"' in page
    fake.on("POST", BASE, (201, KEYED))
    answer = client.post("/archive/estate-handovers", data={
        "csrf_token": csrf_of(client), "date": "2026-12-01", "handed_over_by": "Harbour Development Co.",
        "received_by": "李档案", "doc_kind": ["other"], "doc_title": [""], "doc_status": ["received"],
        "doc_copies": [""], "doc_reference": [""],
        "key_kind": ["unit", "equipment_room", "other"], "key_label": ["3栋 全部房屋", "水泵房", ""],
        "key_count": ["240", "2", ""], "key_kept_by": ["前台钥匙柜", "李工", ""], "key_note": ["", "含备用", ""]})
    assert answer.status_code == 302
    [sent] = [c for c in fake.calls if c["method"] == "POST" and c["path"] == BASE]
    assert sent["json"] == {"date": "2026-12-01", "handed_over_by": "Harbour Development Co.", "received_by": "李档案",
                            "keys": [{"kind": "unit", "label": "3栋 全部房屋", "count": 240, "kept_by": "前台钥匙柜"},
                                     {"kind": "equipment_room", "label": "水泵房", "count": 2, "kept_by": "李工",
                                      "note": "含备用"}]}
    _only_documented(fake, documented_routes)
    refused = client.post("/archive/estate-handovers", data={
        "csrf_token": csrf_of(client), "date": "2026-12-01", "handed_over_by": "Harbour Development Co.",
        "received_by": "李档案", "key_kind": ["unit"], "key_label": ["3栋"], "key_count": ["两百"],
        "key_kept_by": ["前台"], "key_note": [""]}, headers={"Accept-Language": "zh"})
    assert refused.status_code == 400
    assert 'aria-invalid="true"' in refused.get_data(as_text=True).split('id="eho-key-count-0"')[1].split(">")[0]


def test_a_session_from_before_keys_were_kept_shows_none(client, fake):
    sign_in(client, fake, username="li", roles=("archivist",))
    _pages(fake)  # no keys, no keys_by_kind: an older gateway's answer
    page = client.get("/archive/estate-handovers", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "keys-received" in page and "No keys received yet" in page


def test_a_developers_handover_record_names_its_keys_in_the_handovers_words(client, fake):
    """A session's keys on its archive record read as the handover names them (移交钥匙, 房屋钥匙,
    设备房钥匙), not as stored (unit, equipment_room) nor as a unit's handover's 交房钥匙."""
    sign_in(client, fake, username="ada", roles=("archivist",))
    data = {**{k: SESSION[k] for k in ("date", "handed_over_by", "received_by", "documents", "common_areas",
                                       "documents_missing", "failed_areas", "note")}, "keys": KEYED["keys"]}
    record = {"id": "rec_eho_1", "estate_id": ESTATE, "subject_id": "eho_1", "subject_type": "estate_handover",
              "event_type": "estate_handover_recorded", "source": "archive", "occurred_at": STAMP,
              "recorded_at": STAMP, "seq": 1, "hash": "ab" * 32, "corrected_by": [], "data": data}
    fake.on("GET", rf"/api/v1/estates/{ESTATE}/archive/records", {"items": [record], "next_cursor": None})
    page = client.get("/archive/records?subject_type=estate_handover", headers={"Accept-Language": "zh"})
    shown = page.get_data(as_text=True).split("<tbody>")[1].split("<form")[0]
    for word in ("移交钥匙", "房屋钥匙", "设备房钥匙", "前台钥匙柜", "3栋 全部房屋"):
        assert word in shown, word
    for code in ("交房钥匙", "equipment_room", ": unit"):
        assert code not in shown, code


def test_a_refused_line_of_keys_is_shown_on_the_row_it_was_typed_on(client, fake):
    """The form's rows are sent without the blank ones, and a refusal named the line by its place in
    what was sent: a bad count typed on the third row (a blank one above it) was marked on the second,
    the blank one, and so was the gateway's 400 naming that line (found by review r1). Each refusal is
    shown on the row it was typed on, for the keys, the documents and the areas alike."""
    sign_in(client, fake, username="li", roles=("archivist",))
    _pages(fake)
    form = {"csrf_token": csrf_of(client), "date": "2026-12-01", "handed_over_by": "Harbour", "received_by": "李档案",
            "key_kind": ["unit", "common_area", "equipment_room", "other"], "key_label": ["", "", "水泵房", ""],
            "key_count": ["", "", "两", ""], "key_kept_by": ["", "", "李工", ""], "key_note": ["", "", "", ""]}

    def marked(html, box):
        return [n for n in range(6) if f'id="{box}-{n}"' in html
                and 'aria-invalid="true"' in html.split(f'id="{box}-{n}"')[1].split(">")[0]]
    refused = client.post("/archive/estate-handovers", data=form, headers={"Accept-Language": "zh"})
    assert refused.status_code == 400 and marked(refused.get_data(as_text=True), "eho-key-count") == [2]
    fake.on("POST", BASE, problem(400, "Invalid input", "keys[0].kept_by: the value must not be blank",
                                  "invalid_input", [{"field": "keys[0].kept_by", "message": "must not be blank"},
                                                    {"field": "documents[0].title", "message": "too long"},
                                                    {"field": "common_areas[0].item", "message": "too long"}]))
    refused = client.post("/archive/estate-handovers", data={
        **form, "key_count": ["", "", "2", ""], "key_kept_by": ["", "", " ", ""],
        "doc_kind": ["other", "other"], "doc_title": ["", "说明书"], "doc_status": ["received", "received"],
        "doc_copies": ["", ""], "doc_reference": ["", ""],
        "area_item": ["", "", "天台"], "area_result": ["pass", "pass", "pass"], "area_note": ["", "", ""]},
        headers={"Accept-Language": "zh"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert marked(html, "eho-key-kept") == [2] and marked(html, "eho-title") == [1] and marked(html, "eho-area") == [2]
