"""The manager's Monday view of a night's incident (事件总览: a burst main on a Saturday night, h1):
``GET /api/v1/estates/<estate_id>/incidents/<incident_id>/overview``.

The pieces linked (the incident names its work order, a call joined it, a notice named the
incident) but the manager (服务中心经理) read them on four screens and added the cost up by hand.
One answer: the incident (security), its work orders with their state and cost (material +
labour, maintenance's), the calls that joined each (customer service: count and list), the
notices naming the incident (customer service), what the special maintenance fund paid for each
order (finance: its uses naming it, approved or awaiting approval; review r1) and the total cost.

Composed here by RPC queries, as ``subject_access`` and the KPI views are, not kept as a read copy
fed by events: each part is its own service's current answer (an order's cost is written at its
completion, a call joins late, a notice is revised), asked when the page is read, so nothing is
kept twice nor falls behind; and it is read a few times on a Monday, not on every list. Two
rounds, each in parallel (``parallel.Fanout``): the incident, its own orders and its notices; then
the order it took over (an anomaly's, ``maintenance_order``), each order's joined calls, its fund
uses and the notices naming each order (a notice naming the anomaly's order names no incident: customer service
does not know the take-over; review r1), each notice once; then the own orders of the calls
that joined (``own_work_order_id``: a repair joined after it was registered) whose work had started:
maintenance does not cancel those (``domain.joined_cancel``), and their cost is the night's, which
the view left out (h4). A service that does not answer is named in ``unavailable`` and its parts
are left out (the others are given, as the personal-data search does); so is a part an older replica
refuses with a 400 during a rolling deploy (a filter it does not know yet: the notices'
``incident_id`` and ``work_order_id``, the fund's ``work_order_id``), where that 400 was the whole
view's (h4): that part alone is left out, the service's other parts still asked. The incident not
found is the 404 it is, and a refusal of the caller (403) the view's answer.
Management's only (``policy.GATEWAY_ROUTES``); each service checks the caller again.
"""
from functools import partial

from flask import current_app, g, jsonify

from estate_common.errors import DomainError, NotFound
from estate_common.rpc_client import RemoteError

from . import masking, requests_in
from .access import authorize_route
from .parallel import Fanout, asker, every_page

PATH = "/api/v1/estates/<estate_id>/incidents/<incident_id>/overview"
PAGE = 200  # a list's largest page (estate_common.store.MAX_PAGE)
MAX_PAGES = 10  # a night's joined calls or notices beyond 2,000 are not read (``truncated``)
# what of a work order the view shows (maintenance's WorkOrder; no description, no signature)
ORDER_FIELDS = ("id", "number", "source", "priority", "status", "technician", "reported_at", "started_at",
                "completed_at", "material_cost_cents", "labour_cost_cents", "charge_cents")
CALL_FIELDS = ("id", "number", "household_id", "status", "created_at", "closed_at")
# what of a use of the special maintenance fund the view shows (finance's FundEntry)
FUND_USE_FIELDS = ("id", "status", "amount_cents", "purpose", "created_at", "decided_at")
# the service each part is asked of (the first round's are named by their service)
SERVICE_OF = {"order": "maintenance", "calls": "customer_service", "notices": "customer_service", "fund": "finance",
              "security_patrol": "security_patrol", "maintenance": "maintenance", "customer_service": "customer_service"}


def register(app):
    fan = Fanout("incident-overview", 4)

    @app.get(PATH)
    def incident_overview(estate_id, incident_id):
        caller = authorize_route(estate_id)
        requests_in.refuse_unknown_query(where="of this view")
        g.reads = True
        rpc = current_app.extensions["estate_ops"].rpc

        ask = asker(rpc, caller, estate_id)

        def every(service, method, filters):
            return partial(every_page, ask, service, method, filters, MAX_PAGES, PAGE)

        first, errors = fan.ask({
            "security_patrol": ask("security_patrol", "get_incident", {"id": incident_id}),
            "maintenance": every("maintenance", "list_work_orders",
                                 {"source_type": "incident", "source_id": incident_id}),
            "customer_service": every("customer_service", "list_notices", {"incident_id": incident_id}),
        }, rpc.timeout)
        unavailable, silent = [], set()
        _left_out(errors, unavailable, silent, lists={"maintenance", "customer_service"})
        # maintenance's own list refused: its taken-over order is left out too, as when it is silent
        silent |= {"maintenance"} & set(unavailable)
        incident = first.get("security_patrol")
        own_orders, orders_cut = first.get("maintenance", ([], False))
        orders = {order["id"]: order for order in own_orders}
        notices, notices_cut = first.get("customer_service", ([], False))
        truncated = orders_cut or notices_cut
        taken_over = (incident or {}).get("maintenance_order")
        second_calls = {}
        if taken_over and taken_over["id"] not in orders and "maintenance" not in silent:
            second_calls["order"] = ask("maintenance", "get_work_order", {"id": taken_over["id"]})
        order_ids = [*orders, *([taken_over["id"]] if taken_over else [])]
        if "customer_service" not in silent:
            for order_id in order_ids:
                second_calls[f"calls:{order_id}"] = every("customer_service", "list_requests",
                                                          {"joins_work_order_id": order_id})
                # a notice naming the anomaly's order it took over names no incident (r1)
                second_calls[f"notices:{order_id}"] = every("customer_service", "list_notices",
                                                            {"work_order_id": order_id})
        for order_id in order_ids:  # what the special maintenance fund paid for it (r1)
            second_calls[f"fund:{order_id}"] = every("finance", "list_fund_entries",
                                                     {"work_order_id": order_id, "kind": "use"})
        second, errors = fan.ask(second_calls, rpc.timeout)
        _left_out(errors, unavailable, silent, lists={name for name in second_calls if name != "order"})
        if "order" in second:
            orders[second["order"]["id"]] = second["order"]
        joined, fund, named = {}, {}, {notice["id"]: notice for notice in notices}
        for name, (items, cut) in ((n, a) for n, a in second.items() if n != "order"):
            part, order_id = name.split(":", 1)
            if part == "calls":
                joined[order_id] = items
            elif part == "fund":
                fund[order_id] = items
            else:
                named.update((notice["id"], notice) for notice in items)
            truncated = truncated or cut
        # the joined calls' own orders whose work had started (not cancelled by the join): the night's
        own_ids = sorted({call.get("own_work_order_id") for calls in joined.values() for call in calls}
                         - {None} - set(orders))
        if own_ids and "maintenance" not in silent:
            third, errors = fan.ask({
                **{f"order:{order_id}": ask("maintenance", "get_work_order", {"id": order_id}) for order_id in own_ids},
                **({f"fund:{order_id}": every("finance", "list_fund_entries", {"work_order_id": order_id, "kind": "use"})
                    for order_id in own_ids} if "finance" not in silent else {})}, rpc.timeout)
            errors = {name: error for name, error in errors.items() if not isinstance(error, NotFound)}
            _left_out(errors, unavailable, silent, lists={name for name in errors if name.startswith("fund:")})
            for name, answer in third.items():
                part, order_id = name.split(":", 1)
                if part == "order" and answer.get("started_at"):
                    orders[order_id] = answer
                elif part == "fund":
                    fund[order_id], truncated = answer[0], truncated or answer[1]
        notices = sorted(named.values(), key=lambda n: (n.get("created_at") or "", n["id"]))
        body = overview(incident, list(orders.values()), joined, notices,
                        sorted(set(unavailable)), truncated, fund)
        return jsonify(masking.for_caller("GET", PATH, 200, body, caller["roles"], caller.get("user")))


def _left_out(errors, unavailable, silent, lists):
    """Name in ``unavailable`` the service of each part that failed: down, silent or failing (a 5xx,
    also added to ``silent``: its other parts are not asked), or one of the ``lists`` refused with a
    400 (an older replica during a rolling deploy, not knowing the filter yet). Any other error (the
    caller's 403, the incident's 404 or 400) is the view's answer, raised; so is an error that is no
    service's answer (the gateway's own fault, a reply it misread: its 500, logged), where it named a
    service that had answered (review r4 of h4). A service's own bug (``RemoteError``) is its failing."""
    for name, error in errors.items():
        if not isinstance(error, (DomainError, RemoteError)):
            raise error
        status = getattr(error, "status", 500)
        service = SERVICE_OF[name.split(":", 1)[0]]
        if status >= 500:
            silent.add(service)
        elif not (status == 400 and name in lists):
            raise error
        unavailable.append(service)


def overview(incident, orders, joined, notices, unavailable, truncated, fund=None):
    """The view's body (``IncidentOverview``): each order with its cost (material + labour; 0 while
    not completed), the calls that joined it and the special maintenance fund's uses naming it
    (approved: what the fund paid; requested: what awaits the manager's approval), oldest order
    first; the totals over them."""
    shown, fund = [], fund or {}
    for order in sorted(orders, key=lambda o: (o.get("reported_at") or "", o["id"])):
        calls = [{key: call.get(key) for key in CALL_FIELDS} for call in joined.get(order["id"], [])]
        uses = [{key: use.get(key) for key in FUND_USE_FIELDS} for use in fund.get(order["id"], [])]
        material, labour = order.get("material_cost_cents") or 0, order.get("labour_cost_cents") or 0
        shown.append({**{key: order.get(key) for key in ORDER_FIELDS}, "material_cost_cents": material,
                      "labour_cost_cents": labour, "cost_cents": material + labour,
                      "joined_requests": {"count": len(calls), "items": calls},
                      "fund_uses": {"approved_cents": _of_status(uses, "approved"),
                                    "requested_cents": _of_status(uses, "requested"), "items": uses}})
    material = sum(order["material_cost_cents"] for order in shown)
    labour = sum(order["labour_cost_cents"] for order in shown)
    return {"incident": incident, "work_orders": shown, "notices": notices,
            "joined_request_count": sum(order["joined_requests"]["count"] for order in shown),
            "material_cost_cents": material, "labour_cost_cents": labour, "total_cost_cents": material + labour,
            "fund_approved_cents": sum(order["fund_uses"]["approved_cents"] for order in shown),
            "unavailable": unavailable, "truncated": truncated}


def _of_status(uses, status):
    return sum(use["amount_cents"] for use in uses if use["status"] == status)
