"""The owners' public read-only link to a published income and expense disclosure (收支公示):
``GET /api/v1/public/estates/<estate_code>/disclosures/<period>``, no account.

The estate is named by its code (what owners are given), resolved here to its id
(``estate_id_of``); finance answers only a published disclosure (404 otherwise, also for an
unknown estate), with figures only: no household, person or staff name. The RPC is public on
finance's side (``published_disclosure``), so no caller is signed onto it.
"""
import re

from flask import current_app, g, jsonify, request

from estate_common import ids
from estate_common.errors import InvalidInput, field_error

ESTATE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{1,31}$")  # EstateCreate.code
PERIOD = re.compile(r"^(19[0-9]{2}|2[0-9]{3})-(0[1-9]|1[0-2])$")  # Period


def estate_id_of(estate_code):
    """The estate of a public code: archive derives an estate's id from its upper-cased code
    (``archive.domain.new_estate``), so no look-up is needed; an unknown code names no estate,
    and finance finds nothing published for it (404)."""
    return ids.natural_id("est", estate_code.upper())


def register(app):
    @app.get("/api/v1/public/estates/<estate_code>/disclosures/<period>")
    def public_disclosure(estate_code, period):
        errors = []
        if not ESTATE_CODE.fullmatch(estate_code):
            errors.append(field_error("estate_code", "is not an estate code"))
        if not PERIOD.fullmatch(period):
            errors.append(field_error("period", "is not a month (YYYY-MM)"))
        errors += [field_error(name, "is not a parameter here") for name in sorted(request.args)]
        if errors:
            raise InvalidInput("the link is not valid", errors)
        rpc = current_app.extensions["estate_ops"].rpc
        return jsonify(rpc.call("finance", "published_disclosure",
                                {"estate_id": estate_id_of(estate_code), "period": period},
                                request_id=g.request_id))
