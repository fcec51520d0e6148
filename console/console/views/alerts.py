"""Security: one alert's own page (预警响应, h2: the register alone had no page of an alert): the
warning, its levels over time (raised or lowered, from which, who, when), its stand-down, the
incidents that happened while it stood with the work order each opened (the API's read, a page at a
time; each order by its number, linked to its page), and the
register's actions on it (change the level, stand down)."""
from flask import Blueprint, g, render_template, request

from .. import permissions
from ..signin import estate_needed
from . import common, registers
from .register_specs import BY_SLUG

bp = Blueprint("alerts", __name__, url_prefix="/security/emergency-alerts")
ALERTS_REGISTER = BY_SLUG["emergency-alerts"]


@bp.get("/<item_id>")
@estate_needed
def detail(item_id):
    # its incidents a page at a time (the read's limit/cursor: a heat warning standing for weeks, h10)
    cursor = request.args.get("cursor")
    alert = g.api.get(g.api.estate(g.user.estate_id, f"emergency-alerts/{item_id}"),
                      **({"cursor": cursor} if cursor else {}))
    # each incident's order by its number, linked to its page for one who reads orders (h10: a raw id)
    return render_template("security/emergency_alert.html", alert=alert, spec=ALERTS_REGISTER,
                           may_read_orders=permissions.may("GET", "work-orders/{work_order_id}"),
                           actions=registers.offered(ALERTS_REGISTER), problem=common.take_problem())
