"""The developer's handover of an estate (开发商移交 / 承接查验), kept in the archive (DOMAIN.md
"Archive": handover documents; "Master data": shared facilities and equipment).

When the property company takes an estate on, the developer (开发商) hands over the estate's own
documents and its common areas and shared facilities; a unit's takeover (``handovers.py``) is the
checklist of one flat. A **handover session** is one record: its day, who handed over (the
developer's company and representative) and who received, the documents listed (each of a kind,
``received`` with its copies and reference, or ``missing``: listed but not delivered) and the common
areas and facilities inspected (each ``pass`` or ``fail`` with a note). Several sessions make up
the takeover (the documents come in batches); nothing is changed afterwards (a document received
later is a later session).

- **Chained and borrowed like every archive**: each session is also a record of the estate's hash
  chain (subject ``estate_handover``, event ``estate_handover_recorded``, source ``archive``): the
  keepers read it directly, anyone else through an approved borrowing of its ``subject_id``
  (``estate_common.archive_access``: a kind added later is the keepers' only), and verify covers it.
- **The keys received** (``keys``; 钥匙移交): the units' keys and the common areas' and equipment
  rooms' (``KEY_KINDS``), each line its kind, which keys (``label``), how many and who keeps them
  (``kept_by``: a person or the key cabinet), counted by kind on the session (``keys_by_kind``) and
  over the sessions on the checklist. A session recorded documents and areas only, and the keys
  the developer handed over were kept on paper (session 51's leftovers); a session may be keys alone.
- **The checklist** (``checklist``): of the kinds every estate's takeover needs
  (``REQUIRED_DOCUMENTS``), which were received (first day, copies, sessions) and which are still
  missing: ``missing`` (listed as not delivered) or ``not_handed_over`` (never listed). Its
  ``received`` ÷ ``required`` is the completeness of the estate's handover documents.
- Decision where DOMAIN.md is silent: the required kinds are those the seeds and the Property
  Management Regulations (物业管理条例 art. 29) name for a takeover; not a per-estate setting (a
  list of kinds, no number), ``other`` is never required.

Plain functions: no broker, no store.
"""
from estate_common import clock
from estate_common.errors import InvalidInput, field_error

SUBJECT_TYPE = "estate_handover"
EVENT_TYPE = "estate_handover_recorded"

# the documents every estate's takeover needs, in the checklist's order
REQUIRED_DOCUMENTS = (
    "as_built_drawings",     # 竣工总平面图、单体建筑、结构、设备竣工图, 配套设施、地下管网工程竣工图
    "completion_filing",     # 竣工验收备案 (竣工验收资料)
    "planning_permit",       # 建设工程规划许可证
    "construction_permit",   # 建筑工程施工许可证
    "equipment_manual",      # 设施设备的安装、使用和维护保养等技术资料 (设备说明书)
    "equipment_warranty",    # 物业质量保修文件 (设备保修)
    "owner_list",            # 业主清册 (业主名册)
)
KINDS = REQUIRED_DOCUMENTS + ("other",)
# the keys a developer hands over: the units' (房屋钥匙), the common areas' (公共区域: 大堂, 天台, 楼道门),
# the equipment rooms' (设备房: 水泵房, 配电房, 电梯机房), any other
KEY_KINDS = ("unit", "common_area", "equipment_room", "other")
CHANGED_FIELDS = ("date", "handed_over_by", "received_by", "documents", "common_areas")


def changed_fields(handover):
    """The fields ``archive_changed`` names for a session: its keys too when it lists some."""
    return CHANGED_FIELDS + (("keys",) if handover.get("keys") else ())


def _text(value):
    return (value or "").strip() or None


def new_handover(doc_id, estate_id, data, now, user):
    """A handover session as kept; nothing in it (no document, no area) is a 400."""
    documents = [{"number": index + 1, "kind": doc["kind"], "title": doc["title"].strip(),
                  "status": doc.get("status", "received"), "copies": doc.get("copies", 1),
                  "reference": _text(doc.get("reference")), "note": _text(doc.get("note"))}
                 for index, doc in enumerate(data.get("documents") or [])]
    areas = [{"number": index + 1, "item": area["item"].strip(), "result": area["result"],
              "note": _text(area.get("note"))} for index, area in enumerate(data.get("common_areas") or [])]
    keys = [{"number": index + 1, "kind": key["kind"], "label": _text(key.get("label")), "count": key["count"],
             "kept_by": key["kept_by"].strip(), "note": _text(key.get("note"))}
            for index, key in enumerate(data.get("keys") or [])]
    if not documents and not areas and not keys:
        raise InvalidInput("a handover lists the documents, the common areas or the keys handed over",
                           [field_error("data.documents", "list at least one document, common area or key")])
    stamp = clock.to_iso(now)
    return {
        "_id": doc_id,
        "estate_id": estate_id,
        "date": data["date"],
        "handed_over_by": data["handed_over_by"].strip(),
        "received_by": data["received_by"].strip(),
        "documents": documents,
        "common_areas": areas,
        "keys": keys,
        "keys_by_kind": keys_by_kind(keys),
        "documents_missing": [d["number"] for d in documents if d["status"] == "missing"],
        "failed_areas": [a["number"] for a in areas if a["result"] == "fail"],
        "note": _text(data.get("note")),
        "created_at": stamp,
        "created_by": user,
    }


def record_of(handover, request_id):
    """The session's record in the estate's chain (``store.chain_record``): its natural ``_id``,
    so a retry after a crash between the two writes links it once."""
    content = {k: handover[k] for k in ("date", "handed_over_by", "received_by", "documents", "common_areas",
                                        "documents_missing", "failed_areas", "note")}
    if handover.get("keys"):  # added later: a session without keys is chained as before
        content["keys"] = handover["keys"]
    return {
        "_id": f"rec_{handover['_id']}",
        "estate_id": handover["estate_id"],
        "subject_type": SUBJECT_TYPE,
        "subject_id": handover["_id"],
        "event_type": EVENT_TYPE,
        "source": "archive",
        "occurred_at": handover["created_at"],
        "recorded_at": handover["created_at"],
        "created_at": handover["created_at"],
        "household_id": None,
        "request_id": request_id,
        "actor": handover["created_by"],
        "data": content,
    }


def keys_by_kind(keys):
    """``{kind: keys received}`` of the lines ``keys`` (the kinds with none left out), in ``KEY_KINDS``' order."""
    counted = {}
    for key in keys:
        counted[key["kind"]] = counted.get(key["kind"], 0) + key["count"]
    return {kind: counted[kind] for kind in KEY_KINDS if kind in counted}


def view(handover):
    """A session as the API shows it: one kept before keys were has none."""
    return {"keys": [], "keys_by_kind": {}, **handover}


def checklist(handovers):
    """Each required kind of document: ``received`` (its first day, the copies received in all,
    the sessions that brought it), else ``missing`` (listed as not delivered: the last day so
    listed) or ``not_handed_over``; with the kinds still missing and received ÷ required."""
    ordered = sorted(handovers, key=lambda h: (h["date"], h["created_at"], h["_id"]))
    items = []
    for kind in REQUIRED_DOCUMENTS:
        received = [(h, d) for h in ordered for d in h["documents"] if d["kind"] == kind and d["status"] == "received"]
        listed_missing = [h for h in ordered for d in h["documents"] if d["kind"] == kind and d["status"] == "missing"]
        status = "received" if received else "missing" if listed_missing else "not_handed_over"
        items.append({
            "kind": kind,
            "status": status,
            "received_on": received[0][0]["date"] if received else None,
            "copies": sum(d["copies"] for _, d in received),
            "handover_ids": sorted({h["_id"] for h, _ in received}, key=[h["_id"] for h in ordered].index),
            "listed_missing_on": listed_missing[-1]["date"] if listed_missing and not received else None,
        })
    missing = [item["kind"] for item in items if item["status"] != "received"]
    return {"items": items, "missing": missing, "received": len(items) - len(missing),
            "required": len(REQUIRED_DOCUMENTS),
            "keys_by_kind": keys_by_kind([key for h in ordered for key in h.get("keys") or ()])}
