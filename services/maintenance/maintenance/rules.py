"""The numbers of maintenance, with their defaults.

Each is a per-estate setting: an estate's overrides are stored in the
``settings`` collection and merged over these by ``estate_common.settings``
(read and changed through ``GET/PUT …/settings/maintenance``).
"""
DEFAULTS = {
    # 报修响应: a repair is started (technician on site) within the time the owner was promised
    # (DOMAIN.md, seeds: "规定时间内"). An order from a service request keeps the request's promise
    # (its due_at, from customer_service's setting of the same name); this one is for orders that
    # come with none (a follow-up's, an inspection finding's).
    "repair_response_hours": 24,
    # 开发商保修: an order of a defect found at the handover (交房验房, naming handover_defect) keeps
    # its request's promise (customer service's setting of the same name); one that came with none
    # (a follow-up of such an order, a request of before the setting) is due this many local days
    # after its report. Chosen: 30, as customer service's (its rules.py says why): set both alike.
    "handover_defect_response_days": 30,
    # 抢险: water mains, gas, power, flooding, elevator entrapment are top priority. DOMAIN.md
    # says "response time tracked" without a number: 30 minutes is this project's default.
    "emergency_response_minutes": 30,
    # 到场时间补录: a technician's arrival recorded afterwards (POST …/work-orders/{id}/start
    # started_at: a typhoon night's, whose hands were in the flooded garage) is at most this many hours
    # back. Not in DOMAIN.md: chosen, a night shift's 12 hours, so that the night's arrivals are
    # recorded in the morning and an older miss is not rewritten on the KPI.
    "start_recorded_within_hours": 12,
    # Labour cost of a job: labour minutes x this rate (cents per hour). Not in DOMAIN.md:
    # a project default of 50 CNY an hour, set per estate to the real rate.
    "labour_rate_cents_per_hour": 5000,
    # Preventive maintenance: a plan's scheduled work order opens this many days before it is due.
    "plan_open_days_ahead": 1,
    # 预约: an appointment with the occupant (or a new one) is at most this many days ahead
    # (estate_common.plausible: one for 2999 was taken). Not in DOMAIN.md: chosen, a month.
    "appointment_within_days": 30,
    # 人工: the most labour minutes one completion may record (the sum of every technician's minutes
    # on the job). Not in DOMAIN.md: chosen, five technician-days of 8 hours (a job several hands
    # worked on over days). 100,000 minutes (69 days) were taken on an order started seconds
    # before, and costed at the labour rate (a probe). Not bound to the time since the start: the
    # start is recorded when the technician taps it, which for a job done before it was filed is
    # moments before its completion, and helpers' minutes add up within the same hours.
    "completion_labour_max_minutes": 2400,
    # 预算: a month's budget is set (or corrected) at most this many months before the current one,
    # and at most ``budget_months_ahead`` after it (estate_common.plausible's idea for a month; one
    # for 2025-01, before the estate was kept here, and one for 2099-12 were taken: a probe). Back
    # as far as finance's catch-up window (its catch_up_months, default 12), so a closed month's
    # budget stays correctable a year; ahead a year: the next year's budget is made in the autumn.
    "budget_months_back": 12,
    "budget_months_ahead": 12,
    # 年检合格证: a piece's annual inspection certificate is due (GET …/equipment?certificate_due=true)
    # this many days before it expires. Not in DOMAIN.md: chosen, a month, time to book the inspector.
    "certificate_warn_days": 30,
    # 预警响应: while one of security's weather alerts stands (emergency_alerts), a failed inspection
    # item's order opens as an emergency, due within emergency_response_minutes, if the alert is of
    # one of these kinds and at one of these levels when the item failed (domain.weather_emergency,
    # the one place the rule is read). Not in DOMAIN.md, which names flooding among the emergencies
    # (抢险: water mains, gas, power, flooding, elevator entrapment): typhoon, rainstorm and flood,
    # which flood a garage or a pump room, from yellow up (a blue warning is a notice to be ready);
    # heat and cold are not (a blue heat warning standing for weeks made the month's failed items
    # emergencies, h2). An estate names its own kinds and levels (the levels each listed: yellow,
    # orange, red is "from yellow up").
    "weather_emergency_kinds": ["typhoon", "rainstorm", "flood"],
    # 电梯困人 heard first at the desk (h10): an incident whose emergency order would open joins the desk's
    # open order for the same lift (domain.desk_order_joined_by) when the call was reported within this
    # many minutes of the incident's opening, either side. Not in DOMAIN.md: chosen, two hours, a
    # typhoon night's rush; an older call about the lift is another breakdown.
    "incident_join_window_minutes": 120,
    "weather_emergency_levels": ["yellow", "orange", "red"],
    # 退库 after the sign-off: an unused part brought back to the store after its order was signed off
    # (the engineer back the next day with the tap he did not fit) is taken back within this many calendar days
    # of the sign-off, the store credited and the order's period given a cost correction (parts.give_back);
    # later, refused (409). Not in DOMAIN.md: chosen, a week (h2), time for a job done on a Friday to be
    # returned on the Monday, short enough that the part is still the order's; 0: none after the sign-off.
    "part_late_return_days": 7,
    # 计划停水停电 (h9): a planned cut's preparation order (valves or breakers off, the lift maintenance
    # told, the tanks filled) is started this many hours before the cut's start (a cut told later is
    # prepared by its start); its restart check is due at the cut's end. Not in DOMAIN.md: chosen, two
    # hours, time to shut the valves and fill the tanks before the water company cuts the main.
    "outage_prep_lead_hours": 2,
}

# security's alert kinds and its levels (气象预警级别, the mildest first), as its events carry them
ALERT_KINDS = ("typhoon", "rainstorm", "flood", "heat", "cold", "other")
ALERT_LEVELS = ("blue", "yellow", "orange", "red")
# the list-valued settings and what each may hold (estate_common.settings)
CHOICES = {"weather_emergency_kinds": ALERT_KINDS, "weather_emergency_levels": ALERT_LEVELS}

# The highest value an estate may set (``estate_common.settings``): a deadline a year or more away
# is no deadline, and one past the calendar's end broke every order it was computed for.
MAXIMA = {
    "repair_response_hours": 720,
    "handover_defect_response_days": 180,
    "emergency_response_minutes": 1440,
    "start_recorded_within_hours": 72,
    "labour_rate_cents_per_hour": 1_000_000,
    "plan_open_days_ahead": 31,
    "appointment_within_days": 365,
    "completion_labour_max_minutes": 100_000,  # the most the contract's labour_minutes carries
    "budget_months_back": 120,  # finance's catch_up_months at most: ten years
    "budget_months_ahead": 36,
    "certificate_warn_days": 365,
    "incident_join_window_minutes": 1440,
    "part_late_return_days": 31,  # a month: an older part is another job's
    "outage_prep_lead_hours": 72,
}

# The lowest value an estate may set (1 unless named): a cap under an hour refuses ordinary jobs;
# a budget window of 0 months back or ahead is the current month only.
MINIMA = {"completion_labour_max_minutes": 60, "budget_months_back": 0, "budget_months_ahead": 0,
          "part_late_return_days": 0}

# KPI and cost months are the estate's calendar months: its ``timezone`` (estate master data,
# see estate_common.calendar), which store.rules_for adds to these numbers.
