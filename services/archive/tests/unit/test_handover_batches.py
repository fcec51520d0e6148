"""A handover weekend's rows read and decided (archive/handover_batches.py): plain functions."""
import pytest

from archive import handover_batches as hb
from estate_common.errors import BusinessRuleViolation, Conflict, DomainError, InvalidInput, field_error


def test_a_sheets_row_reads_its_keys_defects_and_whether_the_owner_took_the_flat():
    entry = hb.entry_of_cells({"building": "3栋", "unit": "1", "room": "1201", "date": "2026/11/21",
                               "received_by": "张三", "key_count": "3", "keys_kept_by": "前台",
                               "defects": "客厅墙面裂缝；卫生间地漏堵塞\n阳台门关不严", "defects_accepted": "是"})
    assert entry["keys"] == {"count": 3, "kept_by": "front_desk"}
    assert [d["item"] for d in entry["defects"]] == ["客厅墙面裂缝", "卫生间地漏堵塞", "阳台门关不严"]
    data, problem = hb.handover_data(2, entry)
    assert problem is None
    assert (data["kind"], data["date"], data["defects_accepted"]) == ("handover", "2026-11-21", True)
    assert [i["result"] for i in data["items"]] == ["fail"] * 3


def test_a_flat_with_nothing_found_is_one_passing_inspection_and_the_batchs_day_fills_a_row_without_one():
    data, problem = hb.handover_data(1, {"building": "3", "unit": "1", "room": "1201"}, default_date="2026年11月20日")
    assert problem is None
    assert (data["date"], data["items"]) == ("2026-11-20", [{"item": hb.INSPECTED, "result": "pass"}])
    assert "defects_accepted" not in data  # nothing to take it with


@pytest.mark.parametrize("entry, code, field", [
    ({"date": "2026-02-30"}, "bad_date", "date"),
    ({"date": ""}, "bad_date", "date"),
    ({"date": "2026-11-21", "keys": {"count": "两把", "kept_by": "owner"}}, "bad_keys", "keys"),
    ({"date": "2026-11-21", "keys": {"count": 2, "kept_by": "邻居"}}, "bad_keys", "keys"),
    ({"date": "2026-11-21", "defects_accepted": "也许"}, "bad_defects_accepted", "defects_accepted"),
])
def test_a_row_that_cannot_be_read_is_rejected_in_chinese_by_its_field_never_repeating_it(entry, code, field):
    data, problem = hb.handover_data(7, entry)
    assert data is None
    assert (problem["row"], problem["code"], problem["field"]) == (7, code, field)
    assert problem["reason"] == hb.REASONS[code]
    assert "两把" not in str(problem) and "邻居" not in str(problem)


def test_the_single_handovers_refusals_are_named_in_chinese():
    handed = Conflict("the unit's handover (交房) was accepted on 2026-11-10",
                      [field_error("data.kind", "handover accepted already")])
    assert hb.refusal(4, handed)["reason"] == "该房屋已于 2026-11-10 交房，不能再次交房"
    untaken = BusinessRuleViolation("a unit is handed to its owner only after an accepted takeover (接管验收)",
                                    [field_error("data.kind", "the unit has no accepted takeover")])
    assert hb.refusal(4, untaken)["code"] == "not_taken_over"
    early = BusinessRuleViolation("the handover cannot be before the takeover (2026-11-01)",
                                  [field_error("data.date", "is before the unit's takeover")])
    assert hb.refusal(4, early)["reason"] == "交房日期早于该房屋的接管验收日期（2026-11-01）"
    ahead = BusinessRuleViolation("2026-12-01 is after today", [field_error("data.date", "is in the future")])
    assert hb.refusal(4, ahead)["code"] == "future_date"
    other = InvalidInput("bad", [field_error("data.also_received_by", "needs received_by")])
    assert hb.refusal(4, other)["reason"] == "该房屋不能交房（共有产权人）"


def test_the_item_id_is_the_jobs_and_the_households():
    assert hb.item_id("job_archive_1", "hh_1") == hb.item_id("job_archive_1", "hh_1")
    assert hb.item_id("job_archive_1", "hh_1") != hb.item_id("job_archive_2", "hh_1")
    assert hb.item_id("job_archive_1", "hh_1") != hb.item_id("job_archive_1", "hh_2")


def test_a_file_without_the_flats_or_the_day_is_refused_whole():
    content = "楼栋,单元,房号,收房人\n3,1,1201,张三\n".encode()
    with pytest.raises(InvalidInput) as refused:
        list(hb.read_rows("csv", content))
    assert "date" in refused.value.detail


def test_a_flat_bought_by_a_couple_names_its_co_owners_as_the_single_handover_does():
    """共有产权: the single handover names the co-owners beside who received it (also_received_by);
    the sheet wrote both in 收房人 as one name (review r3)."""
    entry = hb.entry_of_cells({"building": "3", "unit": "1", "room": "1201", "date": "2026-11-21",
                               "received_by": "张三、李四"})
    assert (entry["received_by"], entry["also_received_by"]) == ("张三", ["李四"])
    entry = hb.entry_of_cells({"building": "3", "unit": "1", "room": "1201", "date": "2026-11-21",
                               "received_by": "张三", "also_received_by": "李四，王五"})
    data, problem = hb.handover_data(2, entry)
    assert problem is None and (data["received_by"], data["also_received_by"]) == ("张三", ["李四", "王五"])
    content = "楼栋,单元,房号,交房日期,收房人,共有产权人\n3,1,1201,2026-11-21,张三,李四\n".encode()
    [(_, read)] = list(hb.read_rows("csv", content))
    assert read["also_received_by"] == ["李四"]


@pytest.mark.parametrize("typed, count", [("3", 3), ("3.0", 3), ("3把", 3), ("３", 3)])
def test_a_key_count_as_a_workbook_or_the_desk_writes_it(typed, count):
    entry = hb.entry_of_cells({"building": "3", "unit": "1", "room": "1201", "date": "2026-11-21",
                               "key_count": typed, "keys_kept_by": "前台"})
    assert entry["keys"] == {"count": count, "kept_by": "front_desk"}


def test_a_race_lost_every_time_fails_the_job_and_a_refusal_rejects_the_row():
    calls = []

    def racing(household, data):
        calls.append(household["_id"])
        raise Conflict("it kept changing while it was being written: read it again and retry", retry_after=1)

    def refused(household, data):
        raise Conflict("the unit's handover (交房) was accepted on 2026-11-10",
                       [field_error("data.kind", "handover accepted already")])
    entry = {"building": "3", "unit": "1", "room": "1201", "date": "2026-11-21"}
    with pytest.raises(DomainError) as failed:
        hb.run([(1, entry)], lambda e: {"_id": "hh_1"}, racing, lambda *a: None)
    assert not isinstance(failed.value, Conflict) and calls == ["hh_1"] * hb.RACE_ATTEMPTS
    result = hb.run([(1, entry)], lambda e: {"_id": "hh_1"}, refused, lambda *a: None)
    assert [e["code"] for e in result["errors"]] == ["handed_over"]
