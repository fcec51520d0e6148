"""Per-estate overrides of business-rule numbers."""
import pytest

from estate_common import settings
from estate_common.embedded_store import EmbeddedClient
from estate_common.errors import BusinessRuleViolation, InvalidInput

DEFAULTS = {"repair_due_hours": 24, "return_visit_days": 3, "max_open": 10}


def test_effective_without_overrides_is_the_defaults():
    assert settings.effective(DEFAULTS, None) == DEFAULTS
    assert settings.effective(DEFAULTS, {}) == DEFAULTS


def test_effective_merges_known_overrides_only():
    merged = settings.effective(DEFAULTS, {"repair_due_hours": 48, "unknown": 7})
    assert merged == {"repair_due_hours": 48, "return_visit_days": 3, "max_open": 10}
    assert DEFAULTS["repair_due_hours"] == 24  # the defaults are not changed


def test_a_setting_that_follows_another_takes_its_value_unless_set_itself():
    """One number split in several (customer service's recurring-cause threshold, one a kind of
    period: h5 of session 55): a part the estate did not set takes the value of the one it follows,
    set or default, so an estate that set the single number keeps it."""
    defaults = {"threshold": 3, "threshold_year": 3}
    follows = {"threshold_year": "threshold"}
    assert settings.effective(defaults, {}, follows=follows) == {"threshold": 3, "threshold_year": 3}
    assert settings.effective(defaults, {"threshold": 5}, follows=follows) == {"threshold": 5, "threshold_year": 5}
    assert settings.effective(defaults, {"threshold": 5, "threshold_year": 9}, follows=follows)["threshold_year"] == 9
    assert settings.effective(defaults, {"threshold_year": 9}, follows=follows) == {"threshold": 3, "threshold_year": 9}
    # one out of its bounds gives way as any does: to the value it follows
    assert settings.effective(defaults, {"threshold": 5, "threshold_year": 0}, follows=follows)["threshold_year"] == 5


def test_the_view_says_which_setting_follows_which_so_a_client_shows_what_a_blank_one_takes():
    """The settings' view gave a following setting's own default (3) where the estate's value of the one it
    follows applied (5), and nothing said it followed: a client showing "blank: 3", or sending what
    applies back as an override, ended the following for good (found by review r5)."""
    db = EmbeddedClient(tz_aware=True).db
    defaults, follows = {"threshold": 3, "threshold_year": 3}, {"threshold_year": "threshold"}
    assert "follows" not in settings.view(db, defaults, "est_1")  # a service with none says none
    settings.replace(db, "est_1", {"threshold": 5}, "2026-11-23T08:00:00.000Z", "wang")
    shown = settings.view(db, defaults, "est_1", follows=follows)
    assert shown["follows"] == {"threshold_year": "threshold"}
    assert shown["values"] == {"threshold": 5, "threshold_year": 5} and shown["overrides"] == {"threshold": 5}
    # the settings' history: a late read of before the change takes the value then, the following too
    settings.replace(db, "est_1", {"threshold": 7}, "2026-12-01T08:00:00.000Z", "li")
    assert settings.for_estate(db, defaults, "est_1", as_of="2026-11-30T00:00:00.000Z", follows=follows) == {
        "threshold": 5, "threshold_year": 5}
    assert settings.for_estate(db, defaults, "est_1", as_of="2026-11-01T00:00:00.000Z", follows=follows) == defaults


def test_check_overrides_accepts_whole_positive_numbers():
    assert settings.check_overrides(DEFAULTS, {"repair_due_hours": 1, "max_open": 500}) is None
    assert settings.check_overrides(DEFAULTS, {}) is None


def test_check_overrides_rejects_unknown_names():
    with pytest.raises(InvalidInput) as caught:
        settings.check_overrides(DEFAULTS, {"repair_due_hours": 12, "colour": 3})
    assert caught.value.errors == [{"field": "colour", "message": "is not a setting of this service"}]


@pytest.mark.parametrize("value", [0, -1, -24, True, False, 1.5, 2.0, "5", None, [3], {"v": 1}])
def test_check_overrides_rejects_values_that_are_not_whole_positive_numbers(value):
    with pytest.raises(InvalidInput) as caught:
        settings.check_overrides(DEFAULTS, {"return_visit_days": value})
    assert caught.value.errors == [{"field": "return_visit_days", "message": "must be a whole number of at least 1"}]


def test_check_overrides_reports_every_bad_field():
    with pytest.raises(InvalidInput) as caught:
        settings.check_overrides(DEFAULTS, {"repair_due_hours": 0, "max_open": "ten", "x": 1, "return_visit_days": 2})
    assert sorted(e["field"] for e in caught.value.errors) == ["max_open", "repair_due_hours", "x"]


def test_maxima_and_minima_bound_a_setting():
    maxima, minima = {"max_open": 100}, {"return_visit_days": 0}
    settings.check_overrides(DEFAULTS, {"max_open": 100, "return_visit_days": 0}, maxima, minima)
    with pytest.raises(InvalidInput) as caught:
        settings.check_overrides(DEFAULTS, {"max_open": 101, "return_visit_days": -1}, maxima, minima)
    assert sorted((e["field"], e["message"]) for e in caught.value.errors) == [
        ("max_open", "must be at most 100"), ("return_visit_days", "must be a whole number of at least 0")]


def test_an_estates_overrides_are_stored_shown_and_replaced_with_their_history():
    db = EmbeddedClient(tz_aware=True).db
    assert settings.view(db, DEFAULTS, "est_1") == {"estate_id": "est_1", "values": DEFAULTS, "overrides": {},
                                                    "defaults": DEFAULTS, "updated_at": None, "updated_by": None}
    settings.replace(db, "est_1", {"max_open": 4}, "2026-11-23T08:00:00.000Z", "wang")
    settings.replace(db, "est_1", {"return_visit_days": 2}, "2026-11-24T08:00:00.000Z", "li")
    shown = settings.view(db, DEFAULTS, "est_1")
    assert shown["overrides"] == {"return_visit_days": 2} and shown["updated_by"] == "li"
    assert settings.for_estate(db, DEFAULTS, "est_1") == {**DEFAULTS, "return_visit_days": 2}
    assert settings.for_estate(db, DEFAULTS, "est_2") == DEFAULTS
    assert [h["by"] for h in db.settings.find_one({"_id": "est_1"})["history"]] == ["wang", "li"]


@pytest.mark.parametrize("overrides, field, message", [
    ({"verify_days": 8}, "verify_days", "must not be more than reply_days (7)"),
    ({"reply_days": 0 + 1, "other": 3}, "reply_days", "must not be less than verify_days (2)"),
    ({"verify_days": 9, "reply_days": 8}, "verify_days", "must not be more than reply_days (8)"),
])
def test_settings_that_contradict_each_other_are_refused_by_the_one_overridden(overrides, field, message):
    """A verify deadline after the reply deadline was accepted (found by a settings probe)."""
    defaults = {"verify_days": 2, "reply_days": 7, "other": 1}
    with pytest.raises(BusinessRuleViolation) as refused:  # each valid alone: a rule between them (422)
        settings.check_overrides(defaults, overrides, ordered=(("verify_days", "reply_days"),))
    assert refused.value.errors == [{"field": field, "message": message}]
    settings.check_overrides(defaults, {"verify_days": 7}, ordered=(("verify_days", "reply_days"),))  # equal is fine
    settings.check_overrides(defaults, {"other": 9}, ordered=(("verify_days", "reply_days"),))


@pytest.mark.parametrize("overrides, field, message", [
    ({"start_hour": 18}, "start_hour", "must be less than end_hour (18)"),
    ({"end_hour": 6}, "end_hour", "must be more than start_hour (6)"),
    ({"start_hour": 20, "end_hour": 19}, "start_hour", "must be less than end_hour (19)"),
])
def test_a_pair_ordered_strictly_may_not_be_equal_either(overrides, field, message):
    """A shift's end hour is after its start: one from 18:00 to 18:00 had no hour to start a plan in."""
    defaults, ordered = {"start_hour": 6, "end_hour": 18}, (("start_hour", "end_hour", settings.STRICTLY),)
    with pytest.raises(BusinessRuleViolation) as refused:
        settings.check_overrides(defaults, overrides, ordered=ordered)
    assert refused.value.errors == [{"field": field, "message": message}]
    settings.check_overrides(defaults, {"start_hour": 17}, ordered=ordered)
    settings.check_overrides(defaults, {"start_hour": 0, "end_hour": 1}, minima={"start_hour": 0}, ordered=ordered)


LINES = {"lines": ("power", "water", "cleaning")}


@pytest.mark.parametrize("value, problem", [
    ([], "must be a list of at least one of: power, water, cleaning"),
    ("power", "must be a list of at least one of: power, water, cleaning"),
    (["power", "lifts"], "may hold only: power, water, cleaning (not lifts)"),
    (["water", "water"], "must name each choice once"),
])
def test_a_list_valued_setting_holds_one_or_more_of_its_choices_each_once(value, problem):
    defaults = {"lines": ["power", "water"], "days": 3}
    with pytest.raises(InvalidInput) as refused:
        settings.check_overrides(defaults, {"lines": value}, choices=LINES)
    assert [(e["field"], e["message"]) for e in refused.value.errors] == [("lines", problem)]
    settings.check_overrides(defaults, {"lines": ["cleaning"], "days": 4}, choices=LINES)


def test_a_list_valued_setting_applies_and_its_choices_are_shown():
    db = EmbeddedClient(tz_aware=True).db
    defaults = {"lines": ["power", "water"], "days": 3}
    settings.replace(db, "est_1", {"lines": ["cleaning", "power"]}, "2026-01-01T00:00:00Z", "wang")
    assert settings.for_estate(db, defaults, "est_1", choices=LINES)["lines"] == ["cleaning", "power"]
    shown = settings.view(db, defaults, "est_1", choices=LINES)
    assert shown["choices"] == {"lines": ["power", "water", "cleaning"]}
    assert "choices" not in settings.view(db, {"days": 3}, "est_1")
    # one stored before a choice was withdrawn gives way to the default, as an out-of-bounds number does
    settings.replace(db, "est_2", {"lines": ["power", "gone"]}, "2026-01-01T00:00:00Z", "wang")
    assert settings.for_estate(db, defaults, "est_2", choices=LINES)["lines"] == ["power", "water"]


def test_a_number_named_in_allowed_takes_one_of_its_values_only():
    """A cycle of months must divide the year: 5 is between its bounds and still no cycle."""
    defaults, allowed = {"cycle_months": 1, "days": 3}, {"cycle_months": (1, 2, 3, 4, 6, 12)}
    bounds = {"cycle_months": 12}
    settings.check_overrides(defaults, {"cycle_months": 3, "days": 5}, bounds, allowed=allowed)
    for value in (5, 7, 13):
        with pytest.raises(InvalidInput) as refused:
            settings.check_overrides(defaults, {"cycle_months": value}, bounds, allowed=allowed)
        [error] = refused.value.errors
        assert error["field"] == "cycle_months"
        assert error["message"] == ("must be at most 12" if value > 12 else "must be one of 1, 2, 3, 4, 6, 12")
    # one stored before (or by hand) gives way to the default, as an out-of-bounds number does
    db = EmbeddedClient(tz_aware=True).db
    settings.replace(db, "est_1", {"cycle_months": 5, "days": 4}, "2026-01-01T00:00:00Z", "wang")
    assert settings.for_estate(db, defaults, "est_1", bounds, allowed=allowed) == {"cycle_months": 1, "days": 4}
    assert settings.view(db, defaults, "est_1", bounds, allowed=allowed)["overrides"] == {"days": 4}


def test_the_overrides_in_force_at_a_moment_come_from_the_history():
    db = EmbeddedClient(tz_aware=True).db
    settings.replace(db, "est_1", {"max_open": 4}, "2026-03-01T00:00:00.000Z", "wang")
    settings.replace(db, "est_1", {"max_open": 6, "return_visit_days": 2}, "2026-06-01T00:00:00.000Z", "li")
    at = lambda moment: settings.for_estate(db, DEFAULTS, "est_1", as_of=moment)  # noqa: E731
    assert at("2026-02-28T23:59:59.999Z") == DEFAULTS  # before any change
    # a period ending at the change's moment closed before it
    assert at("2026-03-01T00:00:00.000Z") == DEFAULTS
    assert at("2026-03-01T00:00:00.001Z") == {**DEFAULTS, "max_open": 4}
    assert at("2026-05-31T00:00:00.000Z") == {**DEFAULTS, "max_open": 4}
    assert at("2026-07-01T00:00:00.000Z") == {**DEFAULTS, "max_open": 6, "return_visit_days": 2}
    assert settings.for_estate(db, DEFAULTS, "est_1") == at("2026-07-01T00:00:00.000Z")
    assert settings.for_estate(db, DEFAULTS, "est_2", as_of="2026-07-01T00:00:00.000Z") == DEFAULTS


def test_a_moment_before_a_bound_took_effect_reads_the_value_as_it_was_accepted_then():
    """A quarterly cycle read as monthly for quarters already closed made their unchecked months
    overdue, and rewrote last year's targets (found by review): a bound applies from its date."""
    db = EmbeddedClient(tz_aware=True).db
    settings.replace(db, "est_1", {"max_open": 40}, "2026-06-01T00:00:00.000Z", "li")  # before max_open ≤ 10
    at = lambda moment, since=None: settings.for_estate(  # noqa: E731
        db, DEFAULTS, "est_1", maxima={"max_open": 10}, as_of=moment, bounded_since=since)
    bound = {"max_open": "2026-12-05T00:00:00.000Z"}
    assert at("2026-11-30T16:00:00.000Z", bound)["max_open"] == 40  # a month closed before the bound
    assert at("2026-12-31T16:00:00.000Z", bound)["max_open"] == DEFAULTS["max_open"]  # one after it
    assert at("2026-11-30T16:00:00.000Z")["max_open"] == DEFAULTS["max_open"]  # a bound with no date: always
    assert settings.for_estate(db, DEFAULTS, "est_1", maxima={"max_open": 10},
                               bounded_since=bound)["max_open"] == DEFAULTS["max_open"]  # now: bounded


def test_a_change_made_twice_at_one_moment_takes_the_later_and_a_document_without_history_its_values():
    db = EmbeddedClient(tz_aware=True).db
    settings.replace(db, "est_1", {"max_open": 4}, "2026-03-01T00:00:00.000Z", "wang")
    settings.replace(db, "est_1", {"max_open": 5}, "2026-03-01T00:00:00.000Z", "li")
    assert settings.for_estate(db, DEFAULTS, "est_1", as_of="2026-04-01T00:00:00.000Z")["max_open"] == 5
    # restored from an older backup: values and when they were set, no history
    db.settings.insert_one({"_id": "est_3", "estate_id": "est_3", "values": {"max_open": 7},
                            "updated_at": "2026-03-01T00:00:00.000Z"})
    assert settings.for_estate(db, DEFAULTS, "est_3", as_of="2026-04-01T00:00:00.000Z")["max_open"] == 7
    assert settings.for_estate(db, DEFAULTS, "est_3", as_of="2026-02-01T00:00:00.000Z") == DEFAULTS
