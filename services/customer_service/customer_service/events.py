"""The events customer service announces, each named here once (its contract is
``contracts/events/customer_service/<type>.json``; ``tests/contracts`` reads these names).

Domain steps list their events as ``(event_type, data)``; ``build`` makes each one with the
outbox, which checks it against its contract before it is written.
"""


def build(outbox, estate_id, event_type, data, actor=None):
    """``actor``: who, where the worker has no caller (an event handler acting for whoever caused it)."""
    if event_type == "service_request_created":
        return outbox.event("service_request_created", estate_id, data, actor=actor)
    if event_type == "complaint_escalated":  # archive keeps it on the request's record
        return outbox.event("complaint_escalated", estate_id, data, actor=actor)
    if event_type == "complaint_reopened":  # 复诉: archive keeps it on the request's record; integrators
        return outbox.event("complaint_reopened", estate_id, data, actor=actor)
    if event_type == "service_request_overdue":  # archive keeps it on the request's record
        return outbox.event("service_request_overdue", estate_id, data, actor=actor)
    if event_type == "service_request_closed":  # archive keeps the closed request
        return outbox.event("service_request_closed", estate_id, data, actor=actor)
    if event_type == "follow_up_requested":  # maintenance opens a follow-up work order
        return outbox.event("follow_up_requested", estate_id, data, actor=actor)
    if event_type == "renovation_review_requested":  # maintenance reviews the application
        return outbox.event("renovation_review_requested", estate_id, data, actor=actor)
    if event_type == "charge_raised":  # finance bills the renovation fees
        return outbox.event("charge_raised", estate_id, data, actor=actor)
    if event_type == "application_withdrawn":  # maintenance closes the pending review
        return outbox.event("application_withdrawn", estate_id, data, actor=actor)
    if event_type == "application_rescheduled":  # for integrators (webhooks): the works window moved
        return outbox.event("application_rescheduled", estate_id, data, actor=actor)
    if event_type == "charge_withdrawn":  # finance cancels the fee's bill
        return outbox.event("charge_withdrawn", estate_id, data, actor=actor)
    if event_type == "renovation_accepted":  # finance may refund the renovation deposit
        return outbox.event("renovation_accepted", estate_id, data, actor=actor)
    if event_type == "household_step_requested":  # archive moves the household's status
        return outbox.event("household_step_requested", estate_id, data, actor=actor)
    if event_type == "service_request_household_corrected":  # maintenance moves the orders, archive keeps it
        return outbox.event("service_request_household_corrected", estate_id, data, actor=actor)
    if event_type == "notice_published":  # archive keeps every notice
        return outbox.event("notice_published", estate_id, data, actor=actor)
    if event_type == "service_request_joined":  # maintenance cancels the repair's own order; integrators
        return outbox.event("service_request_joined", estate_id, data, actor=actor)
    if event_type == "notice_revised":  # archive keeps it beside the notice; integrators take the new text
        return outbox.event("notice_revised", estate_id, data, actor=actor)
    if event_type == "notice_withdrawn":  # archive keeps it beside the notice; integrators take it down
        return outbox.event("notice_withdrawn", estate_id, data, actor=actor)
    if event_type == "service_request_transferred":  # for integrators (webhooks): who holds the request now
        return outbox.event("service_request_transferred", estate_id, data, actor=actor)
    if event_type == "goods_release_pass_used":  # 物品放行: archive keeps the goods that left the flat
        return outbox.event("goods_release_pass_used", estate_id, data, actor=actor)
    if event_type == "damage_claim_registered":  # 损失登记: archive keeps it under the estate; integrators
        return outbox.event("damage_claim_registered", estate_id, data, actor=actor)
    if event_type == "service_order_closed":  # 有偿服务: an order done or cancelled; archive keeps it
        return outbox.event("service_order_closed", estate_id, data, actor=actor)
    if event_type == "service_order_assigned":  # 有偿服务: who comes, for the owner's app (webhooks); archive
        return outbox.event("service_order_assigned", estate_id, data, actor=actor)
    if event_type == "damage_claim_closed":  # 赔付 or 撤回: archive keeps it beside the registration
        return outbox.event("damage_claim_closed", estate_id, data, actor=actor)
    if event_type == "upkeep_finding_put_right":  # 环境/绿化品质检查: archive keeps the fault put right
        return outbox.event("upkeep_finding_put_right", estate_id, data, actor=actor)
    if event_type == "contractor_month_signed":  # the contractor's month signed: its deduction, for accounts
        return outbox.event("contractor_month_signed", estate_id, data, actor=actor)
    if event_type == "contractor_updated":  # its fee, name or agreement edited: for accounts (webhooks)
        return outbox.event("contractor_updated", estate_id, data, actor=actor)
    if event_type == "contractor_retired":  # no new finding against it: for accounts (webhooks)
        return outbox.event("contractor_retired", estate_id, data, actor=actor)
    # 社区文化活动 (activities.py): moved or cancelled (the households signed up, for the notice board and
    # webhooks to tell them; archive keeps it), a place on the wait list confirmed, the day held (attendance, cost)
    if event_type == "activity_moved":
        return outbox.event("activity_moved", estate_id, data, actor=actor)
    if event_type == "activity_cancelled":
        return outbox.event("activity_cancelled", estate_id, data, actor=actor)
    if event_type == "activity_signup_promoted":  # for integrators (webhooks): tell the household
        return outbox.event("activity_signup_promoted", estate_id, data, actor=actor)
    if event_type == "activity_held":
        return outbox.event("activity_held", estate_id, data, actor=actor)
    if event_type == "upkeep_fault_unassigned":  # no contractor of its line: maintenance's technicians' (r2)
        return outbox.event("upkeep_fault_unassigned", estate_id, data, actor=actor)
    raise ValueError(f"customer service does not announce {event_type}")
