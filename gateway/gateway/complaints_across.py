"""跨小区投诉分析: the complaint analysis of a month, quarter or year of a page of the caller's estates
in one answer (``GET /api/v1/reports/complaints?period=&limit=&cursor=``): the operator's year-end
review read 30 estates' analyses one by one, and the console's page asked each estate's own
``GET …/reports/complaints`` 20 a page, eight at a time, where an integrator had nothing (h9, h13).

The estates are those archive lists for the caller, a page of them (``limit``, 20 by default, at most
``MAX_ESTATES``; the cursor archive's, in its order), as the KPI view of every estate reads them (the
operator admin's every estate, a manager's own); one retired before the period began is left out
(``replica.in_service_in``). Each estate's analysis is customer service's ``complaint_report`` of that
estate, the caller checked again there, asked as the KPI view asks its figures (``kpi_cache``: in
parallel, within the RPC timeout, kept ``KPI_CACHE_SECONDS`` and shared by the pages that ask it at
once). An estate whose service did not answer is named in ``unavailable`` and its line has no report,
never zeros; an estate's own refusal (a period before its records can begin) is its line's
``refused`` with the problem's status, code and words. Management (``policy.COMPLAINT_ANALYSTS``), as
an estate's analysis.
"""
from types import SimpleNamespace

from flask import current_app, g, jsonify

from estate_common import contracts, replica
from estate_common.errors import DomainError, InvalidInput, field_error

from . import requests_in
from .access import authorize_route
from .across_estates import failure
from .kpi_cache import KpiCache
from .parallel import Fanout

PATH = "/api/v1/reports/complaints"
PAGE = 20  # estates a page unless asked
MAX_ESTATES = 100  # estates a page at most: each is a call
SERVICE, RPC = "customer_service", "complaint_report"
LIST = SimpleNamespace(filters=("period",), paged=True, service=SERVICE, rpc=RPC)


def register(app):
    cache = app.extensions["complaints_cache"] = KpiCache(Fanout("complaints-across", 1), per_call=1)

    @app.get(PATH)
    def complaints_across_estates():
        caller = authorize_route()
        payload = requests_in.query_payload(LIST)
        period = payload.get("filters", {}).get("period")
        if period is None or contracts.load().errors("openapi.yaml#/components/schemas/ReportPeriod", period):
            raise InvalidInput("period must be a month, a quarter or a year: YYYY-MM, YYYY-Qn or YYYY",
                               [field_error("period", contracts.FORMS["ReportPeriod"])])
        limit = payload.get("limit", PAGE)
        if limit > MAX_ESTATES:
            raise InvalidInput(f"limit must be a whole number from 1 to {MAX_ESTATES}: each estate is asked",
                               [field_error("limit", f"must be a whole number from 1 to {MAX_ESTATES}")])
        g.reads = True
        rpc = current_app.extensions["estate_ops"].rpc
        page = rpc.call("archive", "list_estates", {"limit": limit, **({"cursor": payload["cursor"]}
                                                                       if "cursor" in payload else {})},
                        request_id=g.request_id, caller=caller)
        estates = [e for e in page["items"] if replica.in_service_in(e, period)]

        request_id = g.request_id

        def ask(_service, part):  # one estate a call (the cache's per_call)
            return {"estates": {estate_id: rpc.call(SERVICE, RPC, {"estate_id": estate_id, "filters": {"period": period}},
                                                    request_id=request_id, caller=caller)
                                for estate_id in part}}
        reports, errors, as_of = cache.collect_each(ask, SERVICE, period, [e["id"] for e in estates], rpc.timeout)
        refusals = {estate_id: error for estate_id, error in errors.items() if _refusal(error)}
        unavailable = [e["id"] for e in estates if e["id"] in errors and e["id"] not in refusals]
        rows = [{"estate": {key: e[key] for key in ("id", "code", "name")}, "report": reports.get(e["id"]),
                 "refused": _refused(e["id"], refusals[e["id"]]) if e["id"] in refusals else None}
                for e in estates]
        return jsonify({"period": period, "estates": rows, "unavailable": unavailable,
                        "next_cursor": page["next_cursor"], "as_of": as_of})


def _refusal(error):
    """The estate's own answer (a 4xx), not its service failing to give one."""
    return isinstance(error, DomainError) and error.status < 500


def _refused(estate_id, error):
    shown = failure(estate_id, error, "a complaint analysis")
    return {key: shown[key] for key in ("status", "code", "detail")}
