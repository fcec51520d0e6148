"""Timestamps as sortable ISO text; a movable clock; opaque ids."""
import random
import re
import time
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, strategies as st

from estate_common import clock, ids

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def test_to_iso_format():
    moment = datetime(2026, 3, 4, 5, 6, 7, 89_999, tzinfo=timezone.utc)
    assert clock.to_iso(moment) == "2026-03-04T05:06:07.089Z"
    assert ISO.match(clock.now_iso())


def test_to_iso_writes_every_year_with_four_digits():
    assert clock.to_iso(datetime(999, 1, 2, 3, 4, 5, tzinfo=timezone.utc)) == "0999-01-02T03:04:05.000Z"
    assert clock.to_iso(datetime(1, 1, 1, tzinfo=timezone.utc)) == "0001-01-01T00:00:00.000Z"


@given(st.datetimes(timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=8)),
                                                 timezone(timedelta(hours=-5, minutes=-30))]),
                    min_value=datetime(1000, 1, 2), max_value=datetime(9999, 12, 30)))
def test_to_iso_reads_back_as_the_same_moment_to_the_millisecond(moment):
    text = clock.to_iso(moment)
    assert ISO.match(text)
    exact = moment.astimezone(timezone.utc)
    assert clock.parse_iso(text) == exact.replace(microsecond=exact.microsecond // 1000 * 1000)


def test_to_iso_converts_to_utc():
    shanghai = timezone(timedelta(hours=8))
    moment = datetime(2026, 1, 1, 7, 30, 0, 500_000, tzinfo=shanghai)
    assert clock.to_iso(moment) == "2025-12-31T23:30:00.500Z"


def test_round_trip_with_parse_iso():
    moment = datetime(2026, 11, 23, 13, 9, 40, 123_000, tzinfo=timezone.utc)
    parsed = clock.parse_iso(clock.to_iso(moment))
    assert parsed == moment
    assert parsed.tzinfo is not None and parsed.utcoffset() == timedelta(0)
    text = "2026-11-23T13:09:40.123Z"
    assert clock.to_iso(clock.parse_iso(text)) == text


def test_text_order_is_time_order():
    base = datetime(2026, 12, 31, 23, 59, 58, tzinfo=timezone.utc)
    steps = [timedelta(milliseconds=n) for n in (0, 1, 9, 10, 99, 100, 999, 1000, 1001, 2500, 86_400_000)]
    moments = [base + step for step in steps]
    texts = [clock.to_iso(m) for m in moments]
    assert sorted(texts) == texts
    assert len(set(texts)) == len(texts)
    shuffled = list(reversed(moments))
    assert sorted(clock.to_iso(m) for m in shuffled) == [clock.to_iso(m) for m in sorted(shuffled)]


def test_now_is_utc_and_live():
    before = datetime.now(timezone.utc)
    now = clock.now()
    after = datetime.now(timezone.utc)
    assert before <= now <= after
    assert now.utcoffset() == timedelta(0)


def test_freeze_advance_reset():
    moment = datetime(2026, 5, 1, 8, 0, tzinfo=timezone.utc)
    clock.freeze(moment)
    assert clock.now() == moment
    time.sleep(0.01)
    assert clock.now() == moment
    clock.advance(timedelta(hours=2))
    assert clock.now() == moment + timedelta(hours=2)
    assert clock.now_iso() == "2026-05-01T10:00:00.000Z"
    clock.reset()
    assert abs(clock.now() - datetime.now(timezone.utc)) < timedelta(seconds=1)


def test_advance_a_live_clock_adds_an_offset():
    clock.advance(timedelta(days=3))
    expected = datetime.now(timezone.utc) + timedelta(days=3)
    assert abs(clock.now() - expected) < timedelta(seconds=1)
    clock.advance(timedelta(days=1))
    assert abs(clock.now() - (datetime.now(timezone.utc) + timedelta(days=4))) < timedelta(seconds=1)
    clock.reset()
    assert abs(clock.now() - datetime.now(timezone.utc)) < timedelta(seconds=1)


def test_natural_id_is_deterministic():
    first = ids.natural_id("hh", "est_1", "A", "2", "301")
    assert first == ids.natural_id("hh", "est_1", "A", "2", "301")
    assert re.match(r"^hh_[0-9a-f]{24}$", first)


@pytest.mark.parametrize("left, right", [
    (("est_1", "A", "2", "301"), ("est_1", "A", "2", "302")),
    (("a:b", "c"), ("a", "b:c")),
    (("a_b", "c"), ("a", "b_c")),
    (("ab", "c"), ("a", "bc")),
    (("a", ""), ("a",)),
    (("1",), (1.0,)),
])
def test_natural_id_differs_for_different_parts(left, right):
    assert ids.natural_id("x", *left) != ids.natural_id("x", *right)


def test_natural_id_differs_for_parts_that_contain_the_separator():
    """Parts are free text (a household's building/unit/room): no choice of them may make two
    different keys share an id."""
    assert ids.natural_id("hh", "est_1", "A\x1fB", "C", "1") != ids.natural_id("hh", "est_1", "A", "B\x1fC", "1")


def test_natural_id_prefix_is_part_of_the_id():
    assert ids.natural_id("est", "x").startswith("est_")
    assert ids.natural_id("est", "x")[4:] == ids.natural_id("hh", "x")[3:]  # same key, other kind


def test_new_id_is_unique_and_time_ordered(monkeypatch):
    from types import SimpleNamespace

    from bson import ObjectId, objectid

    earlier = [ids.new_id("sr") for _ in range(50)]
    # an ObjectId's time part has a resolution of one second: the later ones are made 1.05 s on,
    # by bson's clock alone (the test slept that long)
    monkeypatch.setattr(objectid, "time", SimpleNamespace(time=lambda: time.time() + 1.05))
    later = [ids.new_id("sr") for _ in range(50)]
    made = earlier + later
    assert all(re.match(r"^sr_[0-9a-f]{24}$", i) for i in made)
    assert len(set(made)) == len(made)
    assert max(earlier) < min(later)
    assert sorted(made) == made  # one process: ordered within a second too (ObjectId's counter)
    born = ObjectId(later[0][len("sr_"):]).generation_time
    assert abs(born - datetime.now(timezone.utc)) < timedelta(seconds=3)


def _id_as_first_written(prefix, *parts):
    """natural_id as it was first written: every id already stored was made this way."""
    import hashlib
    import json
    key = json.dumps([str(p) for p in parts], ensure_ascii=False)
    return f"{prefix}_{hashlib.sha1(key.encode()).hexdigest()[:24]}"


@pytest.mark.parametrize("parts", [
    ("est_1", "hh_1", "property_service", "2026-11"),
    ("物业", "3栋", "2单元", "1201"),
    ('say "hi"', "back\\slash", "tab\there", "line\nbreak", "\x00\x1f\x7f", "\u2028"),
    ("", " ", 12, 1.5, None),
])
def test_natural_id_stays_the_id_already_stored(parts):
    assert ids.natural_id("bill", *parts) == _id_as_first_written("bill", *parts)


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",))), min_size=1, max_size=5))
def test_natural_id_stays_the_id_already_stored_for_any_text(parts):
    assert ids.natural_id("x", *parts) == _id_as_first_written("x", *parts)


def test_a_content_digest_ignores_key_order_and_keeps_the_digests_already_stored():
    import hashlib
    import json
    body = {"room": "1202", "description": "漏水", "building": "3"}
    assert ids.content_digest(body) == ids.content_digest(dict(reversed(list(body.items()))))
    assert ids.content_digest(body) != ids.content_digest({**body, "room": "1203"})
    # what the gateway's idempotency records and the portal's filings stored before it was shared
    assert ids.content_digest(body) == hashlib.sha256(
        json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@pytest.mark.parametrize("before, part, after", [
    (("est_1",), "hh_0001", ("property_service", "2026-11")),
    ((), "only", ()),
    (("est_1", 7), 42, ("x",)),
    (("est_1",), 'a "quoted" \\ part', ("item", "2026-11")),   # the varying part escaped
    (('est "odd"',), "hh_1", ("item\n", "2026-11")),           # a fixed part escaped
    (("业主",), "张三", ("物业费",)),
])
def test_natural_ids_makes_the_ids_natural_id_makes(before, part, after):
    assert ids.natural_ids("bill", before, after)(part) == ids.natural_id("bill", *before, part, *after)


def test_to_iso_writes_each_moment_as_formatting_field_by_field_did():
    rng = random.Random(15)
    for _ in range(2000):
        moment = datetime(rng.randint(1, 9999), rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23),
                          rng.randint(0, 59), rng.randint(0, 59),
                          rng.choice([0, 999, 1000, 999999, rng.randint(0, 999999)]),
                          tzinfo=timezone.utc)
        assert clock.to_iso(moment) == (
            f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T{moment.hour:02d}:{moment.minute:02d}:"
            f"{moment.second:02d}.{moment.microsecond // 1000:03d}Z")
