"""The numbers of security and patrol (秩序维护), with their defaults.

Each is a per-estate setting: an estate's overrides are stored in the
``settings`` collection and merged over these by ``estate_common.settings``.
The source documents (seeds/) ask for patrols by shift with check-ins at each
checkpoint ("a missed or late checkpoint is an exception"), monthly fire
checks (每月组织秩序维护员对消防设施、器材检查: the default of the estate's cycle of fire
checks, ``fire_check_interval_months``), parking fees collected for the
estate (停车费), but give no minutes or prices: the values below are this
project's defaults, to be set per estate.
"""
from estate_common import plausible, settings

DEFAULTS = {
    # 巡逻: a check-in later than its planned time by more than this is flagged late.
    # The sources name late check-ins an exception without a number; 10 minutes is the
    # slack a guard needs between two checkpoints of an ordinary route.
    "patrol_late_tolerance_minutes": 10,
    # 停车: a visit shorter than this is free (drop-offs, deliveries).
    "parking_free_minutes": 30,
    # 停车费: cents per started hour (from entry) once the free minutes are exceeded, while finance
    # has no approved per-charge parking standard in force: its amount is then the price
    # (gate.PRICED_BY_STANDARD, estate_common.fee_prices).
    "parking_cents_per_started_hour": 500,
    # 停车费: at most this much per started 24 hours.
    "parking_daily_cap_cents": 3000,
    # 车位已满: the spaces of the car park for cars without a resident's pass (临停, visitors' cars);
    # with them all taken by cars inside, the gate refuses the next such car (gate.refuse_when_full).
    # DOMAIN.md and the seeds give no number, and it is each estate's own car park: 0, the default,
    # counts none (the gate lets every car in, as before).
    "parking_spaces": 0,
    # 消防: every fire facility is checked once a cycle of this many months (DOMAIN.md "checked
    # monthly": 1, also its maximum: no cycle is shorter than a month, and an estate may not make
    # it longer). fire.py reads cycles aligned to the estate's calendar year (3: Jan-Mar, ...),
    # where a check recorded in any month of a cycle counts for it.
    "fire_check_interval_months": 1,
    # 消防: a cycle's checks are due by the end of its last local month; one not recorded this many
    # days after it raises fire_check_overdue, once per facility and cycle (0: the next day is late).
    # A check made in these days counts for the cycle before (fire.grace_period), so any grace lets
    # one visit on the 1st of every other month stand for two months' checks: DOMAIN.md's monthly
    # check allows none (MAXIMA 0).
    "fire_check_grace_days": 0,
    # 突发事件: an incident may be recorded after it happened (the guard deals with it first), up
    # to this many hours later; its occurred_at places it in its month's KPI. 72 h covers a
    # weekend. 0: recorded as it happens only.
    "incident_recorded_within_hours": 72,
    # 电梯困人解救: an entrapment's passengers are out within this many minutes of its report (the
    # incident's occurred_at); its release is recorded and reported against it (incidents.release_of,
    # the KPI entrapment_release_timeliness). DOMAIN.md tracks an entrapment's response without a
    # number: 30, the usual local rule (困人 30 分钟内解救); written on each entrapment when it opens.
    "entrapment_release_target_minutes": 30,
    # 消防演练: "drills organised" (DOMAIN.md; seeds: 组织消防宣传与演练, 定期开展安全检查和演练): the
    # drills a year the KPI fire_drills_year_to_date expects. DOMAIN.md gives no number: chosen, 1,
    # the yearly drill fire-safety rules ask of an ordinary unit (消防安全管理规定: 至少每年组织一次);
    # an estate drilling every half year sets 2. At least 1: a year without a drill is not a setting.
    "fire_drills_per_year": 1,
    # 访客车辆: a visitor's vehicle pass ends (valid_until is required) at most this many days after
    # it is made; the visited household pays its parking meanwhile. DOMAIN.md's visitor
    # registration gives no number: a week (a visit over a holiday) is chosen. Residents' passes
    # are not bounded (revoked when the owner leaves).
    "visitor_pass_max_days": 7,
    # 访客登记: 个人信息的保存期限应当为实现处理目的所必要的最短时间 (PIPL art. 19): a visitor's name,
    # phone and plate are masked for good this many days after he left (operations.erase_visitors).
    # DOMAIN.md and the seeds give no number: chosen, 90 (a quarter: an incident or a complaint about
    # a visit comes up within it, and the police's requests for a gate's record come sooner), a
    # product owner's decision. 1-3650.
    "visitor_retention_days": 90,
    # 记录: a record of what the guards did (a shift handover, a fire drill) is written up within
    # this many days of it (estate_common.plausible, its default: two weeks, the longest
    # public holiday and some room); one of 1900 was taken and counted in a KPI. 0: the same day only.
    "recorded_within_days": plausible.RECORDED_WITHIN_DAYS,
    # 停巡: a patrol suspension (suspensions.py: a typhoon's night, when the guards are kept indoors)
    # lasts at most this many hours and is declared at most this long before it starts. The sources
    # give no number: 72, a typhoon's landfall and its aftermath, and the warning's two or three
    # days ahead; at most a week (longer is a plan to stop, not a storm).
    "patrol_suspension_max_hours": 72,
    # 停巡 recorded after the fact: a window starting more than this many hours before it is
    # recorded is the operator admin's alone (suspensions.py). The sources give no number: 24, the
    # night before recorded in the morning; 0, none back for a manager.
    "patrol_suspension_backdate_hours": 24,
    # 预警响应: an alert is raised at most this many hours after the authority issued its warning
    # (emergency_alerts.new_alert: one of 1999 was taken, and reading it listed every incident since,
    # h2). The sources give no number: 24, a night's warning raised here by the morning's shift, as
    # patrol_suspension_backdate_hours; an estate whose warnings stand for days may widen it to two weeks.
    "alert_issued_back_hours": 24,
    # 排班: a duty roster is made at most this many days ahead (estate_common.plausible, a date to
    # come; one for 2030-01-01 was taken: a probe). DOMAIN.md gives no number: two months, a
    # month's roster made in the month before.
    "roster_days_ahead": 62,
    # 排班: each shift's hours on the estate's wall clock, the one definition the roster, handovers
    # and patrol plans share (``SHIFT_HOUR_SETTINGS`` names them, ``roster.shift_hours`` reads
    # them): its earliest start and latest end, as hours from midnight of the shift's day, so a
    # night's end is the next morning's (32: 08:00). The sources name the posts and the shifts,
    # not their hours; these are wide enough for most estates' own times (a day shift of
    # 07:00-15:00 or 08:00-18:00, an evening of 15:00-23:00, a night from 18:00, 20:00 or 22:00 to
    # the morning), and an estate whose night starts at 17:00 sets its own (its night plans from
    # 17:00 were refused). A handover of a shift not begun is refused, and a patrol plan's start
    # time lies within its shift's hours.
    "day_shift_start_hour": 6,
    "day_shift_end_hour": 18,
    "evening_shift_start_hour": 14,
    "evening_shift_end_hour": 24,
    "night_shift_start_hour": 18,
    "night_shift_end_hour": 32,
    # the team's assessment (考核, team.py): each component's weight in a guard's score (relative: a
    # component with no record in the period is left out and the others carry the score) and the
    # points a discipline record takes off its 100. Not in DOMAIN.md nor the seeds: chosen (h7)
    "assessment_weight_attendance": 40,
    "assessment_weight_punctuality": 15,
    "assessment_weight_posts_manned": 15,
    "assessment_weight_discipline": 20,
    "assessment_weight_training": 10,
    "discipline_points_per_record": 10,
    # a roll call (考勤, 班前点名) is taken from this many minutes before its shift's start on the estate's
    # clock (the evening's could be taken in the morning: h3). 30 chosen: the seeds' 班长 "主持岗前培训"
    # and the roll call come just before the shift; nothing names the minutes
    "roll_call_before_shift_minutes": 30,
}

# the settings of each shift's hours: (start, end)
SHIFT_HOUR_SETTINGS = {shift: (f"{shift}_shift_start_hour", f"{shift}_shift_end_hour")
                       for shift in ("day", "evening", "night")}
# A night plan's round before this local hour is walked the morning after its day
# (``patrols.plan_slots``), and a night's handover is made then. Noon, not the night's end: a night
# plan stored before start times were checked against the shift's hours (one at 09:00 or 11:00) is
# read as it was read then. So a night starts at noon at the earliest and ends by the next noon
# (``MINIMA``, ``MAXIMA``).
NIGHT_HANDOVER_BEFORE_HOUR = 12

MINIMA = {
    **{f"assessment_weight_{c}": 0 for c in ("attendance", "punctuality", "posts_manned", "discipline", "training")},
    "discipline_points_per_record": 0, "roll_call_before_shift_minutes": 0, "fire_check_grace_days": 0, "parking_spaces": 0, "incident_recorded_within_hours": 0, "recorded_within_days": 0,
          "visitor_retention_days": 1, "patrol_suspension_max_hours": 1,
          "patrol_suspension_backdate_hours": 0, "alert_issued_back_hours": 0,
          # a day or evening shift may start at midnight; a night not before noon (and ends after it)
          "day_shift_start_hour": 0, "evening_shift_start_hour": 0,
          "night_shift_start_hour": NIGHT_HANDOVER_BEFORE_HOUR,
          "night_shift_end_hour": NIGHT_HANDOVER_BEFORE_HOUR + 1}
MAXIMA = {
    **{f"assessment_weight_{c}": 100 for c in ("attendance", "punctuality", "posts_manned", "discipline", "training")},
    "discipline_points_per_record": 100,
    "roll_call_before_shift_minutes": 240,  # four hours: earlier is no roll call of the guards come for it
    # "every fire facility is checked monthly" (DOMAIN.md): an estate may not check less often nor
    # count a check made after the month for it (a probe set a yearly cycle and 27 grace days).
    # An override stored before these bounds applies as the default.
    "fire_check_grace_days": 0,
    "fire_check_interval_months": 1,
    "incident_recorded_within_hours": 720,
    "entrapment_release_target_minutes": 120,  # two hours: longer is no target for people shut in a lift
    "fire_drills_per_year": 12,  # a drill a month at most: more is training, not the year's drills
    "patrol_late_tolerance_minutes": 1440,
    "parking_free_minutes": 1440,
    "parking_cents_per_started_hour": 100_000,
    "parking_daily_cap_cents": 1_000_000,
    "parking_spaces": 100_000,
    "visitor_pass_max_days": 90,  # a quarter: longer is a resident's pass
    "visitor_retention_days": 3650,
    "recorded_within_days": plausible.RECORDED_WITHIN_DAYS_MAX,
    "roster_days_ahead": 366,  # a year: longer is no roster
    "patrol_suspension_max_hours": 168,
    "patrol_suspension_backdate_hours": 336,  # two weeks, as recorded_within_days' default
    "alert_issued_back_hours": 336,  # two weeks: a warning standing longer is a season, not an alert
    # a day or an evening shift ends by midnight; only a night crosses it, ending by the next noon
    "day_shift_start_hour": 23, "day_shift_end_hour": 24,
    "evening_shift_start_hour": 23, "evening_shift_end_hour": 24,
    "night_shift_start_hour": 23, "night_shift_end_hour": 24 + NIGHT_HANDOVER_BEFORE_HOUR,
}

# (lower, upper): an hour's parking may not cost more than the day's cap (two minutes cost the cap);
# (lower, upper, STRICTLY): a shift ends after it starts (one from 18:00 to 18:00 has no hour to
# start a plan in)
ORDERED = (("parking_cents_per_started_hour", "parking_daily_cap_cents"),
           *((start, end, settings.STRICTLY) for start, end in SHIFT_HOUR_SETTINGS.values()))

# numbers that take only some values between their bounds: none now (the cycle of fire checks,
# which had to divide the year, is a month at most); any other is a 400 naming the setting
ALLOWED = {}

# Patrol plans give their start time ("HH:MM") on the estate's wall clock, and the same
# local calendar decides which month (and cycle) a fire check or a round belongs to: the estate's
# ``timezone`` (estate master data, see estate_common.calendar), which store.rules_for adds
# to these numbers. Timestamps are UTC.


# When the bounds DOMAIN.md sets took effect (the version that set them): a closed period before is
# judged by the estate's value as it was accepted then (``estate_common.settings.for_estate``)
BOUNDED_SINCE = {"fire_check_interval_months": "2026-12-05T00:00:00.000Z", "fire_check_grace_days": "2026-12-05T00:00:00.000Z"}
