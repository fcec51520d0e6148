"""The numbers of customer service, with their DOMAIN.md defaults.

Each is a per-estate setting: an estate's overrides are stored in the
``settings`` collection and merged over these by ``estate_common.settings``
(read and changed with ``GET/PUT …/settings/customer-service``). Values are
whole numbers from 1 (or their ``MINIMA``) to their ``MAXIMA``. Where DOMAIN.md states a
limit, the bound is that limit: an estate may be stricter, not looser.

Numbers that DOMAIN.md does not give are marked "(chosen)": they are the
project's defaults, to be set per estate.
"""
from estate_common import plausible

DEFAULTS = {
    # 投诉: remedial action and a reply to the owner within 7 days at most (the request's due_at).
    "complaint_reply_days": 7,
    # 投诉: investigated and verified the same day. 1 = by the end of the local calendar day of
    # registration, 2 = by the end of the next day, ...; later is recorded as verified_late.
    # "Local" is the estate's calendar: its timezone (estate master data, see
    # estate_common.calendar), which store.rules_for adds to these numbers.
    "complaint_verify_days": 1,
    # 报修: the owner is told the expected time limit (promised_by = due_at of a repair). DOMAIN.md
    # says "within the set time" and gives none (chosen: a day).
    "repair_response_hours": 24,
    # 开发商保修: a repair of a defect the owner found at the handover (交房验房, its request naming
    # handover_defect) is the developer's contractors' warranty work, put right within a rectification
    # period, not the desk's day: its due time (and promise, and its order's) is this many local days
    # after it was opened (a handover weekend's 2,000 went overdue the next day: review r3 of h3).
    # DOMAIN.md and the seeds give none (the seeds' steward "跟进后期整改", "质量缺陷整改的跟踪"):
    # chosen, 30 days, the rectification period developers commonly give a handover's defects
    # (交付后三十日内整改); an emergency found there stays an emergency (emergency_response_minutes).
    "handover_defect_response_days": 30,
    # 抢险: an emergency repair's response, promised to the owner (maintenance keeps the same
    # number for the emergency work order's deadline: set both alike). DOMAIN.md: "response time
    # tracked", no number (chosen).
    "emergency_response_minutes": 30,
    # 咨询: a consultation is answered within a day. DOMAIN.md and the seeds set no time (耐心解答业主咨询)
    # (chosen).
    "consultation_answer_hours": 24,
    # 建议: a suggestion gets an answer within a week. DOMAIN.md sets no time (chosen: as a
    # complaint's reply).
    "suggestion_answer_days": 7,
    # 复诉: a complaint is reopened within this many days of its close (or of its reply while it is
    # not closed); later, the matter raised again is a new complaint (chosen: DOMAIN.md gives no limit;
    # a month, as the seeds' monthly owner contact would hear of it).
    "complaint_reopen_days": 30,
    # 回访: a return visit within 3 days after a repair is completed.
    "return_visit_days": 3,
    # 回访: a problem found is notified in writing to maintenance within 24 hours.
    "follow_up_notice_hours": 24,
    # 重复维修: a repair of the same household and category within this many days of an
    # earlier one is a repeated repair and always gets a return visit (chosen).
    "repeat_repair_days": 30,
    # 装修管理费: renovation management fee per m² of the household's floor area, in cents (chosen: 5 CNY/m²).
    "renovation_management_fee_cents_per_m2": 500,
    # 装修押金: renovation deposit, a fixed amount in cents (chosen: 2,000 CNY), refunded outside this service.
    "renovation_deposit_cents": 200000,
    # KPI targets: return-visit rate 100 %, valid-complaint rate below 1 % (in percent).
    "return_visit_rate_target_percent": 100,
    "valid_complaint_rate_target_percent": 1,
    # 投诉分析: a household with at least this many complaints in the analysed period is a
    # repeat complainant (chosen: 2).
    "repeat_complainant_complaints": 2,
    # 投诉分析: "recurring causes get a rectification plan" (DOMAIN.md): a cause found behind at
    # least this many complaints of the analysed period is recurring (chosen: 3).
    "recurring_cause_complaints": 3,
    # ... one for each kind of period analysed (h5 of session 55: three complaints of one cause in a
    # month are a pattern, three in a year may not be): a month's, a quarter's (also whether a closed
    # plan's cause recurred, quarter by quarter) and a year's. Each follows the one above (FOLLOWS):
    # not set, it is the estate's recurring_cause_complaints (3 unless the estate set it), so an
    # estate that set the single threshold keeps it for every kind it does not set apart (chosen: 3).
    "recurring_cause_complaints_month": 3,
    "recurring_cause_complaints_quarter": 3,
    "recurring_cause_complaints_year": 3,
    # 业主联系: the steward contacts each owner once a month (DOMAIN.md; seeds 003:
    # 保持每月与业主有效联系一次): contacts a month that count a household as contacted.
    "owner_contacts_per_month": 1,
    # 回访: every repair gets a return visit (DOMAIN.md); one whose occupant cannot be reached is
    # closed without it only after this many recorded attempts (…/return-visit-attempts) (chosen).
    "return_visit_attempts_before_close": 3,
    # ... each counted only this long after the attempt counted before it (chosen): three calls
    # in one second met the rule, and a repair closed unvisited within a minute (found by a probe)
    "return_visit_attempt_gap_minutes": 60,
    # 经理走访: the manager visits 1–2 owners a year in person (DOMAIN.md): the visits a year
    # the KPI expects (the lower bound; an estate may ask for 2).
    "manager_visits_per_year": 1,
    # 满意度调查: at least once a year per estate, per service line (DOMAIN.md): the surveys a year
    # the KPI expects (each names the service lines it asks about).
    "surveys_per_year": 1,
    # 满意度调查 … per service line (power, water, fire/security, cleaning, …: DOMAIN.md): the lines
    # each of which the year's surveys must ask about, surveys_per_year times (the KPI
    # survey_lines_year_to_date). An estate with lifts or heating adds them.
    "surveyed_service_lines": ["power", "water", "fire_security", "cleaning"],
    # 装修: an application's works start within this many days of the application and last at
    # most renovation_works_max_days (estate_common.plausible: works to 2999 were taken, and the
    # application blocked the household's next one). DOMAIN.md gives no period: chosen, a season
    # each, as estates' renovation rules (装修管理规定) commonly limit the works to 90 days.
    "renovation_start_within_days": 90,
    "renovation_works_max_days": 90,
    # 便民工具: a tool is lent for at most this many days (its due_back_at; one due back in 2999
    # was taken). DOMAIN.md gives none: chosen, a week, as archive's borrowing (borrow_due_days).
    "tool_loan_max_days": 7,
    # 物品放行条: a goods release pass is good for one local day, issued at most this many days ahead
    # (a Saturday's move-out issued on the Monday before). DOMAIN.md gives none: chosen, a week.
    "goods_pass_valid_days": 7,
    # 有偿增值服务: an order cancelled less than this many hours before its start pays the cancellation
    # fee, service_cancel_fee_percent of the amount ordered (half up to the cent). DOMAIN.md gives none:
    # chosen, a day's notice (the cleaner's day planned the evening before) and half the price.
    "service_cancel_window_hours": 24,
    "service_cancel_fee_percent": 50,
    # an order is taken for a day at most this many local days ahead (h5: a start in 2099 was taken).
    # DOMAIN.md and the seeds give none: chosen, a quarter (90 days), as far as a provider's diary or
    # a contractor's monthly agreement is planned
    "service_order_max_days_ahead": 90,
    # 社区文化活动 (activities.py; the seed's 组织开展社区文化活动 gives no numbers, all chosen): sign-ups close
    # this many hours before an activity starts unless its organiser sets the deadline
    "activity_signup_close_hours": 24,
    # a household signs up at most this many people (a family; the capacity is in people)
    "activity_people_per_household_max": 4,
    # a household present rates the activity within this many days of its end (a week: remembered)
    "activity_rating_days": 7,
    # 公告: a notice is shown on the owner portal's board through its last day (until), at most this
    # many days ahead (estate_common.plausible). DOMAIN.md gives none: chosen, a year (a notice of the
    # year's fee standards); a notice with no last day stays until it is withdrawn.
    "notice_shown_max_days": 365,
    # 计划停水停电: a planned cut's notice goes out at least this many hours before the cut starts
    # (its outage's notice_on_time). DOMAIN.md gives none; the 城市供水条例 has the water company
    # tell a planned cut 24 hours ahead (the electricity rules 7 days, to the estate): chosen, 24,
    # the least an owner needs to store water; an estate promising 3 days sets 72 (h7's probe).
    "outage_notice_lead_hours": 24,
    # 业主评价: an owner's portal rating at or below this owes a call back from the desk (on its start
    # page until a contact about the request, or a return visit after the rating, is recorded). DOMAIN.md
    # counts 4-5 of 5 as satisfied and gives no call back; chosen: 1-2 (the dissatisfied, 不满意), as a
    # 3 is "fair"; an estate may call back every rating short of satisfied (3), not a satisfied one.
    "rating_call_back_max_score": 2,
    # 业主联系: a contact is logged within this many days of it (estate_common.plausible: two
    # weeks, the longest public holiday and some room; one of 1900 was taken). 0: the same day only.
    "recorded_within_days": plausible.RECORDED_WITHIN_DAYS,
    # 环境卫生 / 绿化养护品质检查 (upkeep.py): a fault found on the walk is put right by its contractor
    # within this many hours (its due_at). DOMAIN.md and the seeds give none: chosen, a day, the
    # desk's day for a repair's response.
    "upkeep_fix_hours": 24,
    # ... the contractor's month: 100 less these points (chosen, as estates' 考核细则 commonly score a
    # cleaning contractor): each finding, each put right late (more), each not put right past its
    # deadline (more). 0: a finding costs nothing by itself.
    "upkeep_points_per_finding": 1,
    "upkeep_points_late": 2,
    "upkeep_points_unfixed": 5,
    # ... a score at or above this takes nothing off the fee; each point short takes this percent of
    # the monthly fee, at most the cap in all (chosen: 90, 1 %, 20 %).
    "upkeep_pass_score": 90,
    "upkeep_deduction_percent_per_point": 1,
    "upkeep_deduction_cap_percent": 20,
}

# The service lines a survey may ask about (the contract's ServiceLine).
SERVICE_LINES = ("power", "water", "heating", "elevator", "fire_security", "cleaning", "greening", "parking",
                 "repairs", "front_desk", "community_activities")

# 计划停水停电: what a planned cut's notice may cut (its outage's utility; the contract's OutageUtility)
OUTAGE_UTILITIES = ("water", "power", "gas", "heating")

# List-valued settings and what each may hold (estate_common.settings).
CHOICES = {"surveyed_service_lines": SERVICE_LINES}

MAXIMA = {
    "complaint_reply_days": 7,  # "within 7 days at most" (DOMAIN.md): an estate may promise sooner, not later
    "complaint_verify_days": 1,  # "investigate and verify the same day" (DOMAIN.md): not the day after
    "repair_response_hours": 720,
    "handover_defect_response_days": 180,  # half a year: beyond it the defect waits on the warranty claim, not a repair
    "emergency_response_minutes": 1440,
    "consultation_answer_hours": 720,
    "suggestion_answer_days": 60,
    "complaint_reopen_days": 365,
    "return_visit_days": 3,  # "within 3 days" (DOMAIN.md), the KPI compared across estates: sooner, not later
    "follow_up_notice_hours": 24,  # "within 24 hours" (DOMAIN.md): quicker, not slower
    "repeat_repair_days": 365,
    "renovation_management_fee_cents_per_m2": 100_000,
    "renovation_deposit_cents": 100_000_000,
    "return_visit_rate_target_percent": 100,
    "valid_complaint_rate_target_percent": 1,  # "< 1 %" (DOMAIN.md): the rate is to stay below it, so lower, not higher
    "repeat_complainant_complaints": 50,
    "recurring_cause_complaints": 1000,
    "recurring_cause_complaints_month": 1000,
    "recurring_cause_complaints_quarter": 1000,
    "recurring_cause_complaints_year": 1000,
    "owner_contacts_per_month": 31,
    "return_visit_attempts_before_close": 20,
    "return_visit_attempt_gap_minutes": 1440,
    "manager_visits_per_year": 365,
    "surveys_per_year": 12,
    "renovation_start_within_days": 365,
    "renovation_works_max_days": 365,  # a year of works is a building site, not a flat's renovation
    "tool_loan_max_days": 90,
    "goods_pass_valid_days": 30,
    "service_cancel_window_hours": 168,
    "service_cancel_fee_percent": 100,
    "service_order_max_days_ahead": 365,  # a year: an annual agreement's, no further
    "activity_signup_close_hours": 720,
    "activity_people_per_household_max": 20,
    "activity_rating_days": 60,
    "notice_shown_max_days": 1095,
    "outage_notice_lead_hours": 720,  # a month: beyond it a notice is read too early to be remembered
    "recorded_within_days": plausible.RECORDED_WITHIN_DAYS_MAX,
    "upkeep_fix_hours": 168,  # a week: a fault left longer is no day's walk
    "upkeep_points_per_finding": 100,
    "upkeep_points_late": 100,
    "upkeep_points_unfixed": 100,
    "upkeep_pass_score": 100,
    "upkeep_deduction_percent_per_point": 100,
    "upkeep_deduction_cap_percent": 100,  # a deduction is at most the fee
    "rating_call_back_max_score": 4,  # SATISFIED_SCORE - 1: a satisfied owner (4-5) is not called back
}

# The lowest value an estate may set where it is not 1: "return-visit rate 100 %" (DOMAIN.md), a
# target an estate may raise no further and may not lower (a probe set 1 %); a record made the
# same day it happened (recorded_within_days 0)
MINIMA = {"return_visit_rate_target_percent": 100, "recorded_within_days": 0,
          "activity_signup_close_hours": 0,  # sign-ups open until the start
          # a finding, a late fix, a pass score or a deduction may count nothing (0)
          "upkeep_points_per_finding": 0, "upkeep_points_late": 0, "upkeep_points_unfixed": 0,
          "upkeep_pass_score": 0, "upkeep_deduction_percent_per_point": 0, "upkeep_deduction_cap_percent": 0,
          # an estate that charges no cancellation fee (有偿服务): no window, or 0 %
          "service_cancel_window_hours": 0, "service_cancel_fee_percent": 0}

# (lower, upper): the first may not be more than the second, as they apply (a complaint verified
# after its reply is due; the bounds keep it now, the verification being the same day)
ORDERED = (("complaint_verify_days", "complaint_reply_days"),)

# A setting the estate did not set takes the value of the one it follows (estate_common.settings):
# the recurring-cause threshold of each kind of period, the single one as the estate set it
RECURRING_CAUSE_PERIOD_KINDS = ("month", "quarter", "year")
FOLLOWS = {f"recurring_cause_complaints_{kind}": "recurring_cause_complaints" for kind in RECURRING_CAUSE_PERIOD_KINDS}


def recurring_cause_threshold(rules, period):
    """The estate's recurring-cause threshold (``rules``: its numbers) for ``period`` (YYYY-MM,
    YYYY-Qn or YYYY): its kind's."""
    kind = "quarter" if "-Q" in period else "month" if "-" in period else "year"
    return rules[f"recurring_cause_complaints_{kind}"]


# A satisfied answer scores at least this (4–5 of 5). A definition shared by every estate, so
# that the owner-satisfaction KPIs of different estates can be compared side by side.
SATISFIED_SCORE = 4


# When the bounds DOMAIN.md sets took effect (the versions that set them): a closed period before
# is judged by the estate's value as it was accepted then (``estate_common.settings.for_estate``)
BOUNDED_SINCE = {name: "2026-12-05T00:00:00.000Z" for name in (
    "complaint_verify_days", "return_visit_days", "follow_up_notice_hours",
    "return_visit_rate_target_percent", "valid_complaint_rate_target_percent")}
