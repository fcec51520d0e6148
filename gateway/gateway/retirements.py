"""An estate retired by the operator admin (its service contract ended, or it was made by mistake):
``retired_at`` on archive's estate (``POST /api/v1/estates/{id}/retire``; ``…/reinstate`` undoes it).

Who may still hold it: no active staff account and no unrevoked API key. Retiring is refused (409)
while any does, naming each, so that the admin decides for each person (moved to another estate,
or deactivated: a leaver, whom staff turnover counts) and no one keeps the estate's access after
its contract ended; and a retired estate is given to no account that is active (or made active)
and no key (422). A deactivated account keeps what it held: its history. "Moved" is to another
estate: an active account of estate roles holds one at least (``users.refuse_an_estate_role_without_estates``),
so one whose only estate retires is given another or deactivated, and made active again it is given
one in service. A retirement and a giving of the estate at the same moment are taken one at a time
(``estate_guards``).

The KPIs side by side (``GET /api/v1/kpis``) show an estate for the periods it was in service in:
one retired before a period starts (on its own calendar) is left out of it and of the totals; its
own KPIs and records stay readable by id.

A retired estate takes no new work (``STARTS_WORK``: a service request, a work order's plan, a
patrol round, a billing run, a fee standard, a household...), refused with a 409 naming its
retirement (``refuse_new_work``), since nobody works there any more; what closes out its past
(``CLOSES_OUT``: a payment of an old bill and its reversal, open work completed or cancelled, the
archive borrowed, corrections, settings) is still taken. The gateway's own writes are in two tables
of their own: ``OWN_STARTS_WORK`` (the household import: new households) and ``OWN_CLOSES_OUT``
(exports, custom fields, the retirement undone). Every write of an estate, forwarded or the
gateway's own, is in one of the two of its kind (gateway/tests). The estate's state
is archive's, as the gateway knows it (``known_estates``, at most a minute old on another gateway
process): asked for the callers that may name any estate, the only ones that can reach a retired
one (no active account or key holds it). The services' timers leave a retired estate alone by
their copy of it (``estate_common.replica.in_service``).

Plain functions: no Flask, no store.
"""
from estate_common.errors import BusinessRuleViolation, Conflict, ServiceUnavailable, field_error


def refuse_while_held(usernames, keys):
    """409 naming each active account (``usernames``) and unrevoked key (``keys``: ``{_id, name}``,
    named by its id) that holds the estate."""
    if not usernames and not keys:
        return
    named = ", ".join([*usernames, *(key["_id"] for key in keys)])
    raise Conflict(f"the estate is still held by {named}: move each account to another estate or deactivate it, "
                   "and revoke each API key, before retiring it",
                   [field_error(f"users[{i}]", f"{name} holds the estate") for i, name in enumerate(usernames)]
                   + [field_error(f"api_keys[{i}]", f"{key['_id']} holds the estate") for i, key in enumerate(keys)])


def refuse_while_outstanding(outstanding, override_reason):
    """409 naming each thing the estate's handover package (``estate_handover.outstanding``) has
    not settled (money owed back, deposits held, open requests and work orders...), unless the
    operator admin gave an ``override_reason`` (an estate created by mistake), which the
    retirement's record keeps with them (found by h5: a retirement looked at none of it)."""
    if not outstanding or override_reason:
        return
    named = ", ".join(entry["item"] for entry in outstanding)
    raise Conflict(f"the estate's handover package has {named} outstanding: settle or hand over each first, "
                   "or give an override_reason (an estate created by mistake)",
                   [field_error(f"outstanding[{i}]", f"{entry['item']}: {entry['count']} outstanding")
                    for i, entry in enumerate(outstanding)])


def refuse_blind(unavailable):
    """503 while a service the handover package reads does not answer: an estate is not retired
    on a package with a part unread (its open work or money unknown), override or not."""
    if unavailable:
        raise ServiceUnavailable(f"the handover package could not be read, {', '.join(unavailable)} did not answer: "
                                 "the estate is not retired on a package unread; try again",
                                 [field_error(f"unavailable[{i}]", f"{service} did not answer")
                                  for i, service in enumerate(unavailable)])


def refuse_being_given(being_given):
    """409 while the estate is being given to an account or key (``estate_guards``: the holders'
    check could not see it yet)."""
    if being_given:
        raise Conflict("the estate is being given to an account or key at this moment: try again, then move the "
                       "account to another estate or revoke the key",
                       [field_error("estate_id", "is being given to an account or key")],
                       retry_after=1)  # it passes by itself: the giving ends within its request


def refuse_being_retired(estate_ids, being_retired):
    """422 naming each of ``estate_ids`` in ``being_retired`` (``estate_guards``: archive does not
    say retired yet, and will)."""
    errors = [field_error(f"estate_ids[{index}]", "is being retired")
              for index, estate_id in enumerate(estate_ids) if estate_id in being_retired]
    if errors:
        raise BusinessRuleViolation("retired estates are given to no active account or key", errors)


def retired_errors(estate_ids, estates):
    """The errors naming each of ``estate_ids`` that ``estates`` (archive's, by id) say is retired."""
    return [field_error(f"estate_ids[{index}]", "is a retired estate") for index, estate_id in enumerate(estate_ids)
            if (estates.get(estate_id) or {}).get("retired_at")]


def _named(service, *rpcs):
    return frozenset((service, rpc) for rpc in rpcs)


STARTS_WORK = (
    _named("archive", "create_household", "add_occupant", "transfer_owner", "change_household_status",
           "record_vacant_inspection", "record_handover", "start_handover_batch", "record_estate_handover",
           "record_meter_reading")
    | _named("customer_service", "create_request", "reopen_request", "reclassify_request", "create_rectification",
             "create_survey", "answer_survey", "create_notice", "register_key", "lend_key", "register_custody_item",
             "lend_tool", "issue_goods_release_pass", "create_paid_service", "create_service_order",
             # a complaint about an order is a new service request (r8)
             "complain_about_service_order", "register_contractor", "update_contractor", "record_upkeep_finding", "register_damage_claim", "create_application", "start_works", "reschedule_application",
             # 社区文化活动 (h7): an activity planned, a sign-up, a new date, more places (or fewer) are new work
             "plan_activity", "sign_up_for_activity", "move_activity",
             "change_activity_capacity")
    | _named("maintenance", "create_maintenance_plan", "create_checklist", "update_checklist", "open_inspection", "create_equipment",
             "set_budget",
             # 备品备件: a new part and a delivery stock a store nobody will draw on, an edit keeps it
             "create_part", "receive_part", "update_part")
    | _named("finance", "create_fee_standard", "approve_fee_standard", "start_billing_run", "record_opening_balance",
             "record_opening_credit", "set_billing_cycle",
             "top_up_utility",
             "record_utility_usage", "fund_deposit", "request_fund_use",
             "register_revenue_contract",  # 公共收益: a new contract of the common parts is new work
             # 代收代缴: a new payee, its fee, an owner's money taken for it are new work
             "create_pass_through_payee", "set_pass_through_fee", "record_pass_through_collection")
    | _named("security_patrol", "create_patrol_route", "create_patrol_plan", "start_round", "create_fire_equipment",
             "record_fire_inspection", "record_fire_drill", "record_fire_lane_check", "open_incident",
             "set_emergency_plan", "create_vehicle_pass", "record_vehicle_entry", "register_visitor", "assign_duty",
             "record_shift_handover", "suspend_patrols", "raise_emergency_alert",
             # the team's month on duty (h7): a roll call, a spot check, a fault, a training are new duty
             "record_roll_call", "record_spot_check", "record_discipline", "record_training",
             "add_to_roll_call")  # an addendum: guards called for a shift, as the roll call is
    | _named("integrations", "create_webhook")
)

CLOSES_OUT = (
    _named("archive", "update_estate", "start_restatement", "update_household", "end_occupant_stay", "correct_record",
           "create_borrow_request", "approve_borrow_request", "reject_borrow_request", "return_borrow_request",
           "withdraw_borrow_request", "create_check_plan", "move_check_plan_date", "record_archive_check",
           "update_settings")
    | _named("customer_service", "verify_request", "escalate_request", "reply_request", "close_request",
             "withdraw_request", "judge_request", "record_return_visit_attempt", "record_return_visit", "match_request_household",
             "rate_request", "set_service_request_custom", "rectification_action_done", "update_settings",
             "record_owner_contact", "return_key", "release_key", "sign_off_custody_item", "return_tool",
             "use_goods_release_pass", "cancel_goods_release_pass", "update_paid_service", "assign_service_order",
             "complete_service_order", "cancel_service_order", "fix_upkeep_finding", "recheck_upkeep_finding",
             "sign_contractor_month", "retire_contractor",
             # 社区文化活动 (h7): one planned before the estate retired is still called off, held and rated
             "cancel_activity", "cancel_activity_signup", "record_activity_attendance", "rate_activity",
             # 损失登记: a claim registered before the estate retired is still settled
             "decide_damage_claim_responsibility", "report_damage_claim", "assess_damage_claim",
             "refuse_damage_claim", "negotiate_damage_claim", "pay_damage_claim", "withdraw_damage_claim",
             "record_acceptance", "withdraw_application", "transfer_request", "withdraw_notice",
             "revise_notice", "join_request")
    | _named("maintenance", "assign_work_order", "appoint_work_order", "reappoint_work_order", "start_work_order",
             "quote_work_order", "consent_work_order", "complete_work_order", "request_help", "hold_work_order", "add_helper",
             "resume_work_order", "mark_emergency",
             "cancel_work_order", "set_work_order_custom", "stop_maintenance_plan", "complete_inspection",
             "decide_renovation_review", "update_settings", "set_equipment_custom", "set_equipment_certificate",
             "move_equipment_certificate",
             "add_equipment_record",
             # the piece an open order is about, and 停运 and back: the ledger's state as its records are
             "set_work_order_equipment", "take_equipment_out_of_service", "return_equipment_to_service",
             "retire_equipment",
             # 备品备件: parts issued to and returned from the open orders still finished, the store counted at
             # the hand-over (its last stocktake)
             "issue_part", "return_part", "count_part")
    | _named("finance", "reject_fee_standard", "create_payment", "reverse_payment", "reverse_opening_credit", "refund_deposit",
             # a refund asked before the estate retired is approved or rejected, its deductions reversed
             "approve_deposit_refund", "reject_deposit_refund", "reverse_deposit_deductions",
             # 公共收益: the money of a contract signed before the estate retired is still received
             "record_revenue_receipt",
             # and a receipt typed wrong reversed, a contract ended early or cancelled
             "reverse_revenue_receipt", "terminate_revenue_contract", "refund_revenue_contract",
             "refund_seller_prepaid", "carry_over_seller_prepaid",
             "refund_exit_prepaid", "transfer_exit_prepaid",  # 撤场: the owners' money owed back paid out
             "remit_pass_through",  # 代收代缴: the money collected before the estate retired still handed on
             "reverse_pass_through_collection",  # and one recorded by mistake taken back (h4)
             "reverse_utility_top_up", "record_utility_owner_notice", "request_invoice", "void_invoice", "reverse_fund_deposit", "approve_fund_use",
             "reject_fund_use", "settle_day", "record_operating_expense", "reverse_operating_expense",
             "publish_disclosure", "send_reminder", "update_settings",
             "issue_owner_access",  # a retired estate's owners still read what they owe (collecting it)
             "confirm_bank_match", "explain_bank_line")  # 银行对账: its last months' bank reconciled
    | _named("security_patrol", "stop_patrol_plan", "check_in", "finish_round", "retire_fire_equipment",
             "clear_fire_lane", "record_incident_step", "reclassify_incident", "close_incident", "revoke_vehicle_pass",
             "record_vehicle_exit", "close_parking_session", "record_visitor_departure", "cancel_duty",
             "accept_shift_handover",
             "record_assessment",  # a guard's assessment of a period over: the past closed out (h7)
             "correct_roll_call",  # a roll call's entry made right, the shift over: the past (h3)
             "withdraw_patrol_suspension", "update_settings",
             "change_emergency_alert_level", "stand_down_emergency_alert")  # 预警响应: one raised before it retired
    | _named("integrations", "update_webhook", "delete_webhook", "rotate_webhook_secret", "redeliver", "redeliver_failed",
             "update_settings")
)


# the gateway's own routes that start new work (uploads.py: new households), by their rule: refused in a
# retired estate (access.authorize reads it) and marked x-starts-work in the served OpenAPI (docs.py)
OWN_STARTS_WORK = frozenset({("POST", "/api/v1/estates/<estate_id>/households/import"),
                             ("POST", "/api/v1/estates/<estate_id>/opening-balances/import"),
                             ("POST", "/api/v1/estates/<estate_id>/opening-credits/import"),
                             ("POST", "/api/v1/estates/<estate_id>/equipment/import"),
                             ("POST", "/api/v1/estates/<estate_id>/handovers/import")})

# the gateway's own writes of an estate that a retired estate still takes: its retirement undone, its
# custom fields (settings, as the services' own settings), an export (a read of its records). Every
# own write of an estate is in one of the two (gateway/tests), as every forwarded one is
OWN_CLOSES_OUT = frozenset({
    ("POST", "/api/v1/estates/<estate_id>/retire"), ("POST", "/api/v1/estates/<estate_id>/reinstate"),
    ("POST", "/api/v1/estates/<estate_id>/custom-fields"),
    ("PATCH", "/api/v1/estates/<estate_id>/custom-fields/<resource>/<key>"),
    ("DELETE", "/api/v1/estates/<estate_id>/custom-fields/<resource>/<key>"),
    ("POST", "/api/v1/estates/<estate_id>/exports"),
    # a read (an occupant's request to see his data, subject_access.py): answered for a retired estate too
    ("POST", "/api/v1/estates/<estate_id>/personal-data/search"),
    # 银行对账: the bank's statement of its last months uploaded to reconcile them (uploads.py)
    ("POST", "/api/v1/estates/<estate_id>/bank-statements/import"),
})


def starts_work(route):
    """Whether the forwarded ``route`` starts new work, which a retired estate refuses."""
    return route.method != "GET" and (route.service, route.rpc) in STARTS_WORK


def refuse_new_work(retired_at):
    """409 when the estate was retired (``retired_at``, archive's), naming its retirement."""
    if retired_at:
        raise Conflict(f"the estate was retired at {retired_at}: it takes no new work, only what closes out its "
                       "past (payments, reversals, open work, its archive) until the operator admin reinstates it",
                       [field_error("estate_id", "is a retired estate")])
