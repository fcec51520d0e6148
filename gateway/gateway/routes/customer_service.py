"""customer_service routes: the service desk, surveys, notices, the front-desk registers,
move-in and renovation applications, and the estate's customer-service settings.

Desk actions are the front desk's (agent, steward, manager, operator admin): a technician
reads requests but does not handle them. The service checks again where it matters (an
escalated complaint is a manager's; settings are a manager's)."""
from .. import assignees, policy, references
from . import ESTATE, PUBLIC, Route

SR = f"{ESTATE}/service-requests"
SR_ID = f"{SR}/<request_id>"
DESK = policy.FRONT_DESK
READERS = policy.SERVICE_DESK_READERS


def desk_action(path, rpc, id_param, roles=DESK, idempotent=None):
    return Route("POST", path, "customer_service", rpc, roles, body=True, id_param=id_param, idempotent=idempotent)


def desk_create(path, rpc, roles=DESK, id_param=None):
    return Route("POST", path, "customer_service", rpc, roles, status=201, body=True, idempotent=True,
                 id_param=id_param)


def desk_read(path, rpc, id_param, roles=DESK):
    """One record of a list by its id, with the list's roles (an integrator reads back what it created)."""
    return Route("GET", path, "customer_service", rpc, roles, id_param=id_param)


def desk_list(path, rpc, filters, roles=DESK, custom_filters=False):
    return Route("GET", path, "customer_service", rpc, roles, paged=True, filters=filters,
                 custom_filters=custom_filters)


ROUTES = [
    # -- service requests ------------------------------------------------------
    desk_create(SR, "create_request"),
    desk_list(SR, "list_requests", ("kind", "status", "household_id", "channel", "from", "to", "overdue",
                                    "return_visit_overdue", "follow_up_overdue", "escalated", "judged", "verified", "department", "number",
                                    "urgency", "matched", "call_back", "handler", "closed", "updated_since", "q",
                                    "joins_work_order_id"), roles=READERS,
              custom_filters=True),
    Route("GET", SR_ID, "customer_service", "get_request", READERS, id_param="request_id"),
    desk_action(f"{SR_ID}/verify", "verify_request", "request_id"),
    desk_action(f"{SR_ID}/escalate", "escalate_request", "request_id"),
    desk_action(f"{SR_ID}/reply", "reply_request", "request_id"),
    desk_action(f"{SR_ID}/close", "close_request", "request_id"),
    desk_action(f"{SR_ID}/judge", "judge_request", "request_id", roles=policy.COMPLAINT_ANALYSTS),
    desk_action(f"{SR_ID}/return-visit-attempts", "record_return_visit_attempt", "request_id"),
    desk_action(f"{SR_ID}/reopen", "reopen_request", "request_id"),
    # 撤诉: the owner gives his complaint up before its close
    desk_action(f"{SR_ID}/withdraw", "withdraw_request", "request_id"),
    # 改类: registered as the wrong kind, it takes the kind it is (a repair's order opens from it)
    desk_action(f"{SR_ID}/reclassify", "reclassify_request", "request_id"),
    # 并入故障工单: a repair registered before the fault's order existed joins it (its own cancelled)
    desk_action(f"{SR_ID}/join", "join_request", "request_id"),
    # 转交: to a colleague of the desk the gateway finds in its accounts (the service refuses another)
    Route("POST", f"{SR_ID}/transfer", "customer_service", "transfer_request", DESK, body=True,
          id_param="request_id", facts=assignees.front_desk_fact),
    desk_create(f"{SR_ID}/return-visits", "record_return_visit", id_param="request_id"),
    desk_action(f"{SR_ID}/household", "match_request_household", "request_id"),
    # the owner's own rating an owner app sends (its key: the desk's role), once the work is done
    desk_action(f"{SR_ID}/rating", "rate_request", "request_id"),
    desk_action(f"{SR_ID}/custom", "set_service_request_custom", "request_id"),
    # -- the complaint analysis (投诉分析) -------------------------------------------
    Route("GET", f"{ESTATE}/reports/complaints", "customer_service", "complaint_report", policy.COMPLAINT_ANALYSTS,
          filters=("period",)),
    Route("GET", f"{ESTATE}/reports/complaint-results", "customer_service", "complaint_results",
          policy.COMPLAINT_RESULT_READERS, filters=("period", "department")),
    # 客服周报: the desk's own week (its supervisor's weekly meeting), an ISO week on the estate's calendar
    Route("GET", f"{ESTATE}/reports/desk-week", "customer_service", "desk_week_report", DESK, filters=("week",)),
    # the year's satisfaction surveys per service line and the manager's visits, owed and made: the
    # manager's (DOMAIN.md: he sees the KPIs and visits owners himself), as the complaint analysis is
    Route("GET", f"{ESTATE}/reports/year-obligations", "customer_service", "year_obligations",
          policy.COMPLAINT_ANALYSTS, filters=("year",)),
    # -- rectification plans (整改计划) ----------------------------------------------
    desk_create(f"{ESTATE}/complaint-rectifications", "create_rectification", roles=policy.RECTIFICATION_PLANNERS),
    desk_list(f"{ESTATE}/complaint-rectifications", "list_rectifications",
              ("status", "period", "overdue", "recurred_after_close"), roles=policy.RECTIFICATION_PLANNERS),
    Route("GET", f"{ESTATE}/complaint-rectifications/<plan_id>", "customer_service", "get_rectification",
          policy.RECTIFICATION_PLANNERS, id_param="plan_id"),
    Route("POST", f"{ESTATE}/complaint-rectifications/<plan_id>/actions/<n>/done", "customer_service",
          "rectification_action_done", policy.RECTIFICATION_PLANNERS, body=True, id_param="plan_id", item_param="n"),
    # -- the estate's settings -------------------------------------------------
    Route("GET", f"{ESTATE}/settings/customer-service", "customer_service", "get_settings", policy.MANAGEMENT),
    Route("PUT", f"{ESTATE}/settings/customer-service", "customer_service", "update_settings", policy.MANAGEMENT,
          body=True),
    # -- satisfaction surveys ----------------------------------------------------
    desk_create(f"{ESTATE}/surveys", "create_survey"),
    desk_list(f"{ESTATE}/surveys", "list_surveys", ("year",)),
    Route("GET", f"{ESTATE}/surveys/<survey_id>", "customer_service", "get_survey", DESK, id_param="survey_id"),
    desk_create(f"{ESTATE}/surveys/<survey_id>/answers", "answer_survey", id_param="survey_id"),
    Route("GET", f"{ESTATE}/surveys/<survey_id>/results", "customer_service", "survey_results", DESK,
          id_param="survey_id"),
    # -- notices and the front-desk registers --------------------------------------
    desk_create(f"{ESTATE}/notices", "create_notice"),
    desk_list(f"{ESTATE}/notices", "list_notices", ("building", "current", "incident_id", "work_order_id",
                                                            "fault_done"), roles=policy.STAFF),
    desk_read(f"{ESTATE}/notices/<notice_id>", "get_notice", "notice_id", roles=policy.STAFF),
    # 撤下: a notice off the portal's board at once, with its reason (the desk's list keeps it)
    desk_action(f"{ESTATE}/notices/<notice_id>/withdraw", "withdraw_notice", "notice_id"),
    # 修订: a new restoration time, last day or text, with its reason (kept in the notice's revisions)
    desk_action(f"{ESTATE}/notices/<notice_id>/revise", "revise_notice", "notice_id"),
    # the steward's monthly contact with each owner, the manager's visits (owner_contacts.py)
    desk_create(f"{ESTATE}/owner-contacts", "record_owner_contact"),
    desk_list(f"{ESTATE}/owner-contacts", "list_owner_contacts", ("household_id", "kind", "newest_first",
                                                                          "period")),
    desk_read(f"{ESTATE}/owner-contacts/<contact_id>", "get_owner_contact", "contact_id"),
    # whom the steward has still to contact this month, or who fell short in a past one: the
    # contacts' readers (no owner's name or phone in it, as in the contacts' list)
    desk_list(f"{ESTATE}/owner-contacts/due", "owner_contacts_due", ("period", "building")),
    desk_create(f"{ESTATE}/keys", "register_key"),
    desk_list(f"{ESTATE}/keys", "list_keys", ("status", "household_id")),
    desk_read(f"{ESTATE}/keys/<key_id>", "get_key", "key_id"),
    desk_action(f"{ESTATE}/keys/<key_id>/lend", "lend_key", "key_id"),
    desk_action(f"{ESTATE}/keys/<key_id>/return", "return_key", "key_id"),
    desk_action(f"{ESTATE}/keys/<key_id>/release", "release_key", "key_id"),
    desk_create(f"{ESTATE}/custody-items", "register_custody_item"),
    desk_list(f"{ESTATE}/custody-items", "list_custody_items", ("status", "household_id")),
    desk_read(f"{ESTATE}/custody-items/<item_id>", "get_custody_item", "item_id"),
    desk_action(f"{ESTATE}/custody-items/<item_id>/sign-off", "sign_off_custody_item", "item_id"),
    # 物品放行条: the desk issues (the flat's fees read at finance), the gate lets the goods out once
    Route("POST", f"{ESTATE}/goods-release-passes", "customer_service", "issue_goods_release_pass", DESK,
          status=201, body=True, idempotent=True, facts=references.household_fees_fact),
    desk_list(f"{ESTATE}/goods-release-passes", "list_goods_release_passes",
              ("status", "household_id", "number", "valid_on"), roles=policy.GOODS_PASS_READERS),
    desk_read(f"{ESTATE}/goods-release-passes/<pass_id>", "get_goods_release_pass", "pass_id",
              roles=policy.GOODS_PASS_READERS),
    desk_action(f"{ESTATE}/goods-release-passes/<pass_id>/use", "use_goods_release_pass", "pass_id",
                roles=policy.SECURITY),
    desk_action(f"{ESTATE}/goods-release-passes/<pass_id>/cancel", "cancel_goods_release_pass", "pass_id"),
    # 社区文化活动: the desk, a steward or the manager organises; households sign up at the desk or through an
    # owner app's key (the same route; the no-account portal signs none up, it reads the activities to come);
    # capacity and wait list, moved or cancelled (announced), attendance, ratings
    desk_create(f"{ESTATE}/activities", "plan_activity"),
    desk_list(f"{ESTATE}/activities", "list_activities", ("status", "kind", "from", "to")),
    desk_read(f"{ESTATE}/activities/<activity_id>", "get_activity", "activity_id"),
    desk_action(f"{ESTATE}/activities/<activity_id>/signups", "sign_up_for_activity", "activity_id",
                idempotent=True),
    Route("POST", f"{ESTATE}/activities/<activity_id>/signups/<signup_id>/cancel", "customer_service",
          "cancel_activity_signup", DESK, body=True, id_param="activity_id", item_param="signup_id"),
    desk_action(f"{ESTATE}/activities/<activity_id>/move", "move_activity", "activity_id"),
    desk_action(f"{ESTATE}/activities/<activity_id>/cancel", "cancel_activity", "activity_id"),
    # 名额调整: a larger hall (the wait list's that fit confirmed) or fewer places, not below those confirmed
    desk_action(f"{ESTATE}/activities/<activity_id>/capacity", "change_activity_capacity", "activity_id"),
    desk_action(f"{ESTATE}/activities/<activity_id>/attendance", "record_activity_attendance", "activity_id"),
    desk_action(f"{ESTATE}/activities/<activity_id>/ratings", "rate_activity", "activity_id"),
    # 损失登记、理赔、赔偿: the desk registers a claim and follows the insurer; a manager decides who is
    # responsible and records the payments that settle it
    desk_create(f"{ESTATE}/damage-claims", "register_damage_claim"),
    desk_list(f"{ESTATE}/damage-claims", "list_damage_claims",
              ("status", "household_id", "open", "number", "source_id", "party", "period"),
              roles=policy.DAMAGE_CLAIM_READERS),
    desk_read(f"{ESTATE}/damage-claims/<claim_id>", "get_damage_claim", "claim_id", roles=policy.DAMAGE_CLAIM_READERS),
    desk_action(f"{ESTATE}/damage-claims/<claim_id>/responsibility", "decide_damage_claim_responsibility", "claim_id",
                roles=policy.DAMAGE_CLAIM_DECIDERS),
    desk_action(f"{ESTATE}/damage-claims/<claim_id>/report", "report_damage_claim", "claim_id"),
    desk_action(f"{ESTATE}/damage-claims/<claim_id>/assess", "assess_damage_claim", "claim_id"),
    desk_action(f"{ESTATE}/damage-claims/<claim_id>/refuse", "refuse_damage_claim", "claim_id"),
    desk_action(f"{ESTATE}/damage-claims/<claim_id>/negotiate", "negotiate_damage_claim", "claim_id"),
    desk_action(f"{ESTATE}/damage-claims/<claim_id>/pay", "pay_damage_claim", "claim_id",
                roles=policy.DAMAGE_CLAIM_DECIDERS),
    desk_action(f"{ESTATE}/damage-claims/<claim_id>/withdraw", "withdraw_damage_claim", "claim_id"),
    # 有偿增值服务: the price list (the manager's), the orders (the desk's), charged once through finance
    desk_create(f"{ESTATE}/paid-services", "create_paid_service", roles=policy.PAID_SERVICE_PRICERS),
    desk_list(f"{ESTATE}/paid-services", "list_paid_services", ("active", "unit"), roles=policy.PAID_SERVICE_READERS),
    desk_read(f"{ESTATE}/paid-services/<service_id>", "get_paid_service", "service_id",
              roles=policy.PAID_SERVICE_READERS),
    Route("PATCH", f"{ESTATE}/paid-services/<service_id>", "customer_service", "update_paid_service",
          policy.PAID_SERVICE_PRICERS, body=True, id_param="service_id"),
    desk_create(f"{ESTATE}/service-orders", "create_service_order"),
    desk_list(f"{ESTATE}/service-orders", "list_service_orders", ("status", "household_id", "service_id", "number", "day"),
              roles=policy.PAID_SERVICE_READERS),
    desk_read(f"{ESTATE}/service-orders/<order_id>", "get_service_order", "order_id",
              roles=policy.PAID_SERVICE_READERS),
    # 派单: to a member of staff the gateway finds in its accounts (the service refuses another) or a contractor
    Route("POST", f"{ESTATE}/service-orders/<order_id>/assign", "customer_service", "assign_service_order", DESK,
          body=True, id_param="order_id", facts=assignees.service_staff_fact),
    desk_action(f"{ESTATE}/service-orders/<order_id>/complete", "complete_service_order", "order_id"),
    desk_action(f"{ESTATE}/service-orders/<order_id>/cancel", "cancel_service_order", "order_id"),
    # a complaint about an order is a new service request of its household: a create (201), as a
    # request's return visit is
    desk_create(f"{ESTATE}/service-orders/<order_id>/complaint", "complain_about_service_order", id_param="order_id"),
    # 环境卫生 / 绿化养护品质检查: the manager's contractors and their signed months, the steward's walk
    desk_create(f"{ESTATE}/contractors", "register_contractor", roles=policy.UPKEEP_MANAGERS),
    desk_list(f"{ESTATE}/contractors", "list_contractors", ("service_line", "active"), roles=policy.UPKEEP_READERS),
    desk_read(f"{ESTATE}/contractors/<contractor_id>", "get_contractor", "contractor_id", roles=policy.UPKEEP_READERS),
    # its edit (fee, name, agreement, site contact) and its retirement: the manager's (h2)
    Route("PATCH", f"{ESTATE}/contractors/<contractor_id>", "customer_service", "update_contractor",
          policy.UPKEEP_MANAGERS, body=True, id_param="contractor_id"),
    desk_action(f"{ESTATE}/contractors/<contractor_id>/retire", "retire_contractor", "contractor_id",
                roles=policy.UPKEEP_MANAGERS),
    Route("GET", f"{ESTATE}/contractors/<contractor_id>/months/<period>", "customer_service", "contractor_month",
          policy.UPKEEP_READERS, id_param="contractor_id", item_param="period"),
    Route("POST", f"{ESTATE}/contractors/<contractor_id>/months/<period>/sign", "customer_service",
          "sign_contractor_month", policy.UPKEEP_MANAGERS, body=True, id_param="contractor_id", item_param="period"),
    desk_create(f"{ESTATE}/upkeep-findings", "record_upkeep_finding"),
    desk_list(f"{ESTATE}/upkeep-findings", "list_upkeep_findings",
              ("contractor_id", "service_line", "status", "period", "overdue"), roles=policy.UPKEEP_READERS),
    desk_read(f"{ESTATE}/upkeep-findings/<finding_id>", "get_upkeep_finding", "finding_id", roles=policy.UPKEEP_READERS),
    desk_action(f"{ESTATE}/upkeep-findings/<finding_id>/fix", "fix_upkeep_finding", "finding_id"),
    desk_action(f"{ESTATE}/upkeep-findings/<finding_id>/recheck", "recheck_upkeep_finding", "finding_id"),
    desk_create(f"{ESTATE}/tool-loans", "lend_tool"),
    desk_list(f"{ESTATE}/tool-loans", "list_tool_loans", ("status", "household_id", "overdue")),
    desk_read(f"{ESTATE}/tool-loans/<loan_id>", "get_tool_loan", "loan_id"),
    desk_action(f"{ESTATE}/tool-loans/<loan_id>/return", "return_tool", "loan_id"),
    # -- move-in and renovation applications --------------------------------------
    desk_create(f"{ESTATE}/applications", "create_application"),
    desk_list(f"{ESTATE}/applications", "list_applications",
              ("kind", "status", "household_id", "works_ended", "window_lapsed"), roles=READERS),
    Route("GET", f"{ESTATE}/applications/<application_id>", "customer_service", "get_application", READERS,
          id_param="application_id"),
    desk_action(f"{ESTATE}/applications/<application_id>/start-works", "start_works", "application_id"),
    desk_action(f"{ESTATE}/applications/<application_id>/acceptance", "record_acceptance", "application_id",
                roles=DESK | policy.ENGINEERING),
    desk_action(f"{ESTATE}/applications/<application_id>/withdraw", "withdraw_application", "application_id"),
    # 改期: a retry with its Idempotency-Key answers the first move (the console sends one)
    desk_action(f"{ESTATE}/applications/<application_id>/reschedule", "reschedule_application", "application_id",
                idempotent=True),
]

# -- the owner portal: no account, rate limited (gateway/public.py; policy.PUBLIC_ROUTES) -------------
PUBLIC_ROUTES = [
    Route("GET", f"{PUBLIC}/estates/<estate_code>", "customer_service", "portal_estate", frozenset(), public=True),
    Route("GET", f"{PUBLIC}/estates/<estate_code>/notices", "customer_service", "portal_notices", frozenset(),
          filters=("building",), public=True),
    # 社区文化活动 (h7): the activities to come, their places left (signed up for at the desk or an owner app)
    Route("GET", f"{PUBLIC}/estates/<estate_code>/activities", "customer_service", "portal_activities", frozenset(),
          public=True),
    Route("POST", f"{PUBLIC}/estates/<estate_code>/requests", "customer_service", "portal_file_request",
          frozenset(), status=201, body=True, public=True, idempotent=True),
    Route("GET", f"{PUBLIC}/requests/<tracking_code>", "customer_service", "portal_track_request", frozenset(),
          public=True),
    Route("POST", f"{PUBLIC}/requests/<tracking_code>/rating", "customer_service", "portal_rate_request",
          frozenset(), body=True, public=True),
]
