"""The numbers of the archive (档案管理), with their defaults.

Each is a per-estate setting: an estate's overrides are stored in the
``settings`` collection and merged over these by ``estate_common.settings``.
"""
from estate_common import plausible

DEFAULTS = {
    # 档案检查: "每年初制订档案检查计划,定期检查,每年检查次数不少于两次" (seeds/001):
    # a check plan made at the start of the year, at least two checks a year.
    "min_checks_per_year": 2,
    # 档案检查计划: "每年初制订" (seeds/001), made at the start of the year: the days into the
    # estate's year by which the year's plan is made (chosen: 31, within January), the KPI
    # archive_check_plan_on_time.
    "check_plan_due_days": 31,
    # the next year's plan asked for from this many days before the estate's year ends (chosen: 31,
    # all of December): "每年初制订" left nothing to remind the archivist in December, and the start
    # page asked for a plan once its year had begun (a probe of the archivist's year)
    "next_check_plan_reminder_days": 31,
    # 借阅: borrowings are tracked until returned (DOMAIN.md); the sources set no term.
    # A borrowed file is due back after this many days unless the request names a date.
    "borrow_due_days": 7,
    # 查阅: a file taken out to be viewed is due back the next day.
    "view_due_days": 1,
    # 空置房巡检: a steward's vacant-unit inspection is recorded within this many days of it
    # (estate_common.plausible: two weeks, the longest public holiday and some room; one of 1900 was taken). 0: the
    # same day only.
    "recorded_within_days": plausible.RECORDED_WITHIN_DAYS,
    # 空置房定期巡察: the steward inspects the vacant units regularly (DOMAIN.md: the steward's
    # vacant-unit inspection; seeds 001: 对空置房定期巡察, 003: 进行空置房的管理). DOMAIN.md and the
    # seeds give no number: chosen, 30, a monthly round (每月巡查, the common practice of property
    # companies, as the steward's monthly owner contact): a vacant unit is due an inspection this
    # many days after its last one, or after it became vacant or was registered
    # (occupants.inspections_due, GET …/vacant-inspections/due). 1-365: an estate may inspect
    # weekly (7) or each quarter (90); a year without one is the most.
    "vacant_inspection_interval_days": 30,
    # 个人信息的保存期限应当为实现处理目的所必要的最短时间 (PIPL art. 19): a tenant's or family
    # member's name, phone and ID number are masked for good (occupants.erased) this many days
    # after the day they left. DOMAIN.md and the seeds give no number: chosen, 1095 (three years,
    # the Civil Code's limitation period for a claim, art. 188: a deposit or a damage disputed
    # after the tenancy), a product owner's decision. An owner's entry is ownership: kept.
    "former_resident_retention_days": 1095,
}

# The highest value an estate may set (``estate_common.settings``): a borrowing due beyond the
# calendar's end made every approval a 500.
MAXIMA = {"min_checks_per_year": 365, "check_plan_due_days": 365,
          "next_check_plan_reminder_days": 365, "borrow_due_days": 365, "view_due_days": 30,
          "recorded_within_days": plausible.RECORDED_WITHIN_DAYS_MAX, "vacant_inspection_interval_days": 365,
          "former_resident_retention_days": 3650}
# The lowest: "at least twice a year" (DOMAIN.md; 每年检查次数不少于两次): an estate may check more
# often, not less (one set 1 and was counted complete on one check: a probe).
MINIMA = {"min_checks_per_year": 2, "recorded_within_days": 0, "next_check_plan_reminder_days": 1,
          "former_resident_retention_days": 1}

# KPI months and years are the estate's calendar: its ``timezone`` (estate master data, see
# estate_common.calendar), which store.rules_for adds to these numbers.


# When the bound DOMAIN.md sets took effect: a year closed before is judged by the estate's value as
# it was accepted then (``estate_common.settings.for_estate``)
BOUNDED_SINCE = {"min_checks_per_year": "2026-12-05T00:00:00.000Z"}
