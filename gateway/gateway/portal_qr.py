"""Printable QR codes of the owner portal: ``GET /api/v1/estates/{id}/portal-qr?building=``;
and ``GET /portal/{estate code}``, the page's address as API.md gives it, sent on to the page
(``GET /portal/{estate code}/disclosures/{period}`` too: a month's, quarter's or year's published disclosure).

The code holds ``PORTAL_BASE_URL/portal/<estate code>`` (and ``?building=`` for one building's
notice board): the owner portal's page, served by the web console (``console/``), whose public
address ``PORTAL_BASE_URL`` is. The estate's code comes from archive (the caller's own call, so
the estate must be in the caller's scope). Drawn by segno as SVG (prints sharp at any size).
"""
import io
import re
from urllib.parse import quote, urlencode, urlparse

import segno
from flask import Response, current_app, g, request

from estate_common import contracts
from estate_common.errors import InvalidInput, NotFound, field_error

from . import requests_in
from .access import authorize_route

MAX_BUILDING = 20


def portal_url(base_url, estate_code, building=None):
    url = f"{base_url.rstrip('/')}/portal/{quote(estate_code, safe='')}"
    return url + ("?" + urlencode({"building": building}) if building else "")


ESTATE_CODE = "openapi.yaml#/components/schemas/EstateCode"
PERIOD = "openapi.yaml#/components/schemas/ReportPeriod"  # a month, quarter or year published (h11)


def svg(url, title):
    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="svg", scale=8, border=4, title=title)
    return buffer.getvalue()


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _building():
    requests_in.refuse_unknown_query({"building"})
    if "building" not in request.args:
        return None
    building = request.args["building"].strip()
    if not building or len(request.args["building"]) > MAX_BUILDING:
        raise InvalidInput("building must be 1 to 20 characters",
                           [field_error("building", f"must be 1 to {MAX_BUILDING} characters, not blank")])
    if _CONTROL.search(building):  # a NUL in the SVG's title made the XML invalid (the contract's pattern too)
        raise InvalidInput("building must not hold control characters",
                           [field_error("building", "must not hold control characters")])
    return building


def page_address(base_url, host, estate_code, building):
    """Where ``GET /portal/<estate code>`` on the gateway sends an owner: the console's page
    (``PORTAL_BASE_URL``). A 404 for a code no estate could have, and when the page's address is
    the gateway's own (a deployment routing ``/portal`` to the console on the gateway's host
    never sends it here; one that does would loop)."""
    if not contracts.load().accepts(ESTATE_CODE, estate_code):
        raise NotFound("no such estate")
    if urlparse(base_url).netloc.lower() == host.lower():
        raise NotFound("the owner portal's page is not served here")
    return portal_url(base_url, estate_code, building)


def register(app):
    @app.get("/portal/<estate_code>")
    def portal_page(estate_code):
        """API.md gives the portal's page as ``GET /portal/{estate_code}``, but the page is the
        console's: on the gateway's host it was a 404 (found by review). No account: the page
        it leads to files through the public routes, with their limits."""
        url = page_address(current_app.config["PORTAL_BASE_URL"], request.host, estate_code, _building())
        return Response(status=302, headers={"Location": url})

    @app.get("/portal/<estate_code>/disclosures/<period>")
    def portal_disclosure_page(estate_code, period):
        """The owners' link to a month's, quarter's or year's published disclosure (the console's disclosure page gives
        it on the public gateway's address): sent on to the portal's readable page of it. The link
        led to the public route's JSON, escaped Chinese and cents (a probe of month-end accounts)."""
        requests_in.refuse_unknown_query(set())
        if not contracts.load().accepts(PERIOD, period):
            raise NotFound("not found")  # as the public route answers a period not published
        url = page_address(current_app.config["PORTAL_BASE_URL"], request.host, estate_code, None)
        return Response(status=302, headers={"Location": f"{url}/disclosures/{period}"})

    @app.get("/api/v1/estates/<estate_id>/portal-qr")
    def portal_qr(estate_id):
        caller = authorize_route(estate_id)
        building = _building()
        state = current_app.extensions["estate_ops"]
        estate = state.rpc.call("archive", "get_estate", {"estate_id": estate_id}, request_id=g.request_id,
                                caller=caller)
        url = portal_url(current_app.config["PORTAL_BASE_URL"], estate["code"], building)
        title = f"{estate['code']} owner portal" + (f", building {building}" if building else "")
        return Response(svg(url, title), mimetype="image/svg+xml",
                        headers={"Content-Disposition": f'inline; filename="portal-{estate["code"]}.svg"'})
