"""The numbers of customer service, with their DOMAIN.md defaults.

Each is a per-estate setting: an estate's overrides are stored in the
``settings`` collection and merged over these by ``estate_common.settings``.
"""
DEFAULTS = {
    # 投诉: remedial action and a reply to the owner within 7 days at most.
    "complaint_reply_days": 7,
    # 报修: the owner is told the expected time limit; maintenance starts within it.
    "repair_response_hours": 24,
    # 咨询: a consultation is answered the same day.
    "consultation_answer_hours": 24,
    # 建议: a suggestion gets an answer within a week.
    "suggestion_answer_days": 7,
    # 回访: a return visit within 3 days after a repair is completed.
    "return_visit_days": 3,
}
