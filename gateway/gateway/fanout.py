"""Routes the gateway answers by asking several services: KPIs and background jobs.

KPIs: each service computes the KPIs it owns from its own data (what it did
and the events it received) and answers ``kpis {period, estate_ids}``; the
gateway asks every service whose contract has ``kpis`` in parallel and puts
the answers side by side. No service reads another's store. A service that
does not answer leaves its KPIs out and is named in ``unavailable``: a
dashboard of twenty estates should not go blank because one service is slow. The view of every
estate asks in parts, once, and keeps the figures a minute (``kpi_cache``).

Jobs: a job id starts with ``job_<service>_``, which says whom to ask. Every staff role may
ask; the job's kind says who may read it (``estate_common.job_scopes``): anyone else is
answered 404, whether the job exists or not.
"""
import logging
import re
from functools import partial

from flask import current_app, g, jsonify, request

from estate_common import calendar, clock, contracts, job_scopes, replica
from estate_common.errors import InvalidInput, NotFound, field_error

from . import kpi_cache, operator_kpis, policy, requests_in, store
from .kpi_cache import KpiCache
from .parallel import Fanout, asker, every_page
from .access import authorize_route

# a month, quarter or year, or an ISO week (a KPI period: calendar.period_window)
PERIOD = re.compile(r"(19[0-9]{2}|2[0-9]{3})(-(0[1-9]|1[0-2])|-Q[1-4]|-W(0[1-9]|[1-4][0-9]|5[0-3]))?")
PERIOD_WORDS = "period must be a month, a quarter, a year or an ISO week: YYYY-MM, YYYY-Qn, YYYY or YYYY-Www"
MAX_ESTATES_PAGES = 100  # 100 pages of 200: far beyond any operator's portfolio

log = logging.getLogger(__name__)


def _state():
    return current_app.extensions["estate_ops"]


def kpi_services():
    return sorted(service for service, method in contracts.load().rpc_methods() if method == "kpis")


def job_services():
    return sorted(service for service, method in contracts.load().rpc_methods() if method == "get_job")


def read_period():
    requests_in.refuse_unknown_query({"period"}, "of this report")
    return checked_period(request.args.get("period", ""))


def checked_period(period):
    """``period`` if it is a KPI period: a month, a quarter, a year, or an ISO week (Monday to Sunday
    on each estate's calendar) its year has (2027-W53 is a 400 naming it: 2027 has 52 weeks), checked
    before any service is asked."""
    if not PERIOD.fullmatch(period):
        raise InvalidInput(PERIOD_WORDS, [field_error("period", contracts.FORMS["KpiPeriod"])])
    if calendar.is_week(period):
        calendar.week_monday(period)
    return period


def period_over(estate, period, computed_at):
    """Whether ``period`` had ended on the estate's calendar when its figures were computed
    (``computed_at``, ISO; the view of every estate: its ``as_of``, the oldest figures shown). A
    period over no longer changes its figures; one still running may (a return visit still due, a
    check still to come), so a client marks a KPI that misses its target only where the miss is
    decided (a probe of the service-center manager: a 25 % valid-complaint rate read as any bar)."""
    return calendar.period_bounds(period, calendar.timezone_of(estate))[1] <= computed_at


def collect_kpis(fan, caller, period, estate_ids, shown=None):
    """``({estate_id: {kpi: value}}, [services that did not answer])``. ``shown``
    (``policy.kpis_shown``): None, every service's every KPI; else ``{service: names or None}``,
    those services alone asked, and of each the KPIs named (None: all of its)."""
    rpc = _state().rpc
    payload = {"period": period, "estate_ids": estate_ids}
    services = kpi_services() if shown is None else [s for s in kpi_services() if s in shown]
    answers, unavailable = fan.ask_services({service: partial(rpc.call, service, "kpis", payload,
                                                              request_id=g.request_id, caller=caller)
                                             for service in services}, rpc.timeout)
    merged = {estate_id: {} for estate_id in estate_ids}
    for service in sorted(answers):
        names = None if shown is None else shown[service]
        for estate_id, kpis in answers[service]["estates"].items():
            merged.setdefault(estate_id, {}).update(
                {name: value for name, value in kpis.items() if names is None or name in names})
    return merged, unavailable


def collect_all_kpis(cache, caller, period, estate_ids):
    """``collect_kpis`` of many estates, through the view's cache (``kpi_cache``): ``(merged,
    unavailable, as_of)``."""
    rpc, request_id = _state().rpc, g.request_id  # read now: a background refresh may outlive the request

    def ask(service, part):
        return rpc.call(service, "kpis", {"period": period, "estate_ids": part}, request_id=request_id,
                        caller=caller, timeout=kpi_cache.call_timeout(rpc.timeout))  # kept if later than the page
    return cache.collect(ask, kpi_services(), period, estate_ids, rpc.timeout)


def _estates_in_scope(caller):
    """Every estate the caller may see, as archive lists them, up to ``MAX_ESTATES_PAGES`` pages
    (the rest is left out, with a warning in the log)."""
    rpc = _state().rpc
    estates, truncated = every_page(asker(rpc, caller), "archive", "list_estates", None, MAX_ESTATES_PAGES)
    if truncated:
        log.warning("the KPI view of every estate shows the first %d estates only", len(estates))
    return estates


def register(app):
    fan = Fanout("kpis", len(kpi_services()))
    cache = app.extensions["kpi_cache"] = KpiCache(Fanout("kpi-parts", 2 * len(kpi_services())),
                                                    stale_seconds=kpi_cache.STALE_SECONDS)

    def estate_period_and_staff(estate_id):
        """The caller, the period asked, the estate and its staff: what an estate's KPIs and its
        staff report both read (staff turnover counts the staff of the estate's period)."""
        caller = authorize_route(estate_id)
        period = read_period()
        estate = _state().rpc.call("archive", "get_estate", {"estate_id": estate_id}, request_id=g.request_id,
                                    caller=caller)
        return caller, period, estate, store.staff_of_estates(_state().db, [estate_id])

    @app.get("/api/v1/estates/<estate_id>/kpis")
    def estate_kpis(estate_id):
        """Every KPI of the estate for management; a department's keeper those of his own work
        (``policy.kpis_shown``), without staff turnover."""
        caller, period, estate, staff = estate_period_and_staff(estate_id)
        asked_at = clock.now_iso()
        shown = policy.kpis_shown(caller["roles"])
        merged, unavailable = collect_kpis(fan, caller, period, [estate_id], shown)
        kpis = merged[estate_id] | (operator_kpis.estate_turnover(staff, estate, period) if shown is None else {})
        return jsonify({"estate_id": estate_id, "period": period, "kpis": kpis, "unavailable": unavailable,
                        "period_over": period_over(estate, period, asked_at)})

    @app.get("/api/v1/estates/<estate_id>/reports/staff")
    def staff_report(estate_id):
        """The estate's staff of a period, with what staff turnover counts of each (operator_kpis)."""
        _, period, estate, staff = estate_period_and_staff(estate_id)
        return jsonify({"estate_id": estate_id, "period": period, **operator_kpis.staff_report(staff, estate, period)})

    @app.get("/api/v1/kpis")
    def all_kpis():
        caller = authorize_route()
        period = read_period()
        # the estates in service at some moment of the period: one retired before it is left out
        estates = [e for e in _estates_in_scope(caller) if replica.in_service_in(e, period)]
        merged, unavailable, as_of = collect_all_kpis(cache, caller, period, [e["id"] for e in estates]) \
            if estates else ({}, [], clock.now_iso())
        # the services whose kept figures shown failed their last refresh (logged only before: last session's reviews)
        refresh_failed = cache.refresh_failed(kpi_services(), period, {e["id"] for e in estates})
        staff = store.staff_of_estates(_state().db, [e["id"] for e in estates]) if estates else []
        rows = [{"estate_id": e["id"], "code": e["code"], "name": e["name"],
                 "kpis": merged.get(e["id"], {}) | operator_kpis.estate_turnover(staff, e, period),
                 "period_over": period_over(e, period, as_of)}
                for e in estates]
        totals = operator_kpis.totals(rows)
        totals["staff_turnover"] = operator_kpis.operator_turnover(staff, estates, period)  # each account once
        return jsonify({"period": period, "estates": rows, "totals": totals, "unavailable": unavailable,
                        "as_of": as_of, "refresh_failed": refresh_failed})

    @app.get("/api/v1/jobs/<job_id>")
    def get_job(job_id):
        caller = authorize_route()
        requests_in.refuse_unknown_query(where="of a job")
        # the longest name first: a service name may be the prefix of another's
        owner = next((s for s in sorted(job_services(), key=len, reverse=True) if job_id.startswith(f"job_{s}_")),
                     None)
        if owner is None:
            raise NotFound("no such job")
        job = _state().rpc.call(owner, "get_job", {"id": job_id}, request_id=g.request_id, caller=caller)
        if not job_scopes.may_read(job.get("kind"), caller["roles"]):
            raise NotFound("no such job")  # as the service answers: its existence is not revealed
        return jsonify(job)
