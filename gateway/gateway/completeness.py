"""``GET …/archive/completeness/missing``: the closed records of one kind the archive lacks in a
period, named one by one, which the completeness (``GET …/archive/completeness``) counts.

Archive cannot name them alone: the services report counts, not ids, and archive never calls a
service (an RPC from inside a service has no timeout). So the gateway asks, a page at a time, the
kind's service for what it closed in the period (``list_closed``: the very query its count for
archive reads, ``estate_common.closed_counts_store``), then archive which of those it holds a
closing record of (``closing_records_held``), and answers the others. A page looks at one page of
the service's closed things (``examined``) and may name fewer than ``limit``, even none, while its
``next_cursor`` (the service's) goes on. The archivist read "payments: 3 missing" and could not say
which (a probe of the archives' work).
"""
from types import SimpleNamespace

from flask import current_app, g, jsonify, request

from estate_common import calendar, closed_counts
from estate_common.errors import BusinessRuleViolation, InvalidInput, field_error

from . import requests_in
from .access import authorize_route
from .fanout import checked_period

PATH = "/api/v1/estates/<estate_id>/archive/completeness/missing"


def register(app):
    @app.get(PATH)
    def archive_missing(estate_id):
        caller = authorize_route(estate_id)
        kind = request.args.get("kind", "")
        if kind not in closed_counts.KINDS:
            raise InvalidInput("kind must be one of " + ", ".join(closed_counts.KINDS),
                               [field_error("kind", "is not a kind of closed record")])
        service = closed_counts.KINDS[kind][0]
        listed = SimpleNamespace(filters=("kind", "period"), paged=True, service=service, rpc="list_closed")
        payload = requests_in.query_payload(listed)
        period = read_period_of(payload)
        rpc = current_app.extensions["estate_ops"].rpc
        page = rpc.call(service, "list_closed", {"estate_id": estate_id, **payload}, request_id=g.request_id,
                        caller=caller)
        ids = [item["id"] for item in page["items"]]
        held = set(rpc.call("archive", "closing_records_held", {"estate_id": estate_id, "kind": kind,
                                                                 "subject_ids": ids},
                            request_id=g.request_id, caller=caller)["held"]) if ids else set()
        return jsonify({"estate_id": estate_id, "period": period, "kind": kind, "subject_type": closed_counts.SUBJECT_TYPES[kind],
                        "items": [item for item in page["items"] if item["id"] not in held],
                        "examined": len(ids), "next_cursor": page["next_cursor"]})


def read_period_of(payload):
    """The period asked (``fanout.checked_period``'s rule), checked before a service is asked; an ISO
    week a 422 saying why, as archive answers the completeness of one: the completeness is counted
    by the month (``archive.operations.WEEK_NOT_COUNTED``)."""
    period = checked_period(payload.get("filters", {}).get("period", ""))
    if calendar.is_week(period):
        raise BusinessRuleViolation("archive completeness is counted by the month, not of a week",
                                    [field_error("period", WEEK_NOT_COUNTED)])
    return period


# archive's words (archive/operations.py WEEK_NOT_COUNTED): the gateway imports no service's package
WEEK_NOT_COUNTED = ("the services count what they closed by the month (their closed counts), which the "
                    "archive's records are held against; read the week's month")
