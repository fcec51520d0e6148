"""An estate's webhooks (issue 13; manager, operator admin): the subscriptions, a new one with its
secret shown once, a new secret for one (shown once too; the old one signs beside it for a while,
or stops at once if it leaked), switching one off or on, and a subscription's deliveries with
redelivery, one by one or every failed one at once (from a time on the estate's clock).

The event types offered are the API's own list (``WebhookEventType`` in the public OpenAPI
document, ``GET /api/v1/openapi.json``), so the console never keeps a copy that could drift."""
from datetime import datetime, timezone

from flask import Blueprint, flash, g, make_response, render_template, redirect, request, url_for

from .. import i18n, permissions
from ..gateway_api import ApiProblem
from ..signin import estate_needed
from . import common

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")

DELIVERY_STATUSES = ("pending", "delivered", "failed")


def _event_types():
    return permissions.enum("WebhookEventType")


def _path(rest=""):
    return g.api.estate(g.user.estate_id, "webhooks" + rest)


@bp.get("/")
@estate_needed
def index(problem=None, created=None):
    page = g.api.get(_path(), limit=common.PAGE_SIZE, cursor=request.args.get("cursor"))
    # what was typed comes back into the create form only when that form was refused (a refused
    # rotation put its own key into it)
    typed = request.form if created is None and request.endpoint == "webhooks.create" else {}
    response = make_response(render_template(
        "webhooks/index.html", items=page.get("items", []), next_cursor=page.get("next_cursor"), filters={},
        event_types=_event_types(), form=typed, created=created,
        key=common.form_key(),
        problem=problem or common.take_problem()))
    if created is not None:  # the secret is in this page: never cached
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/")
@estate_needed
def create():
    form = request.form
    body = {"url": form.get("url", "").strip(), "events": form.getlist("events")}
    if form.get("description", "").strip():
        body["description"] = form.get("description", "").strip()
    try:
        # sent again (a reload of the answer page, a double click), the key makes one subscription:
        # two made every event arrive twice under two delivery ids (a probe)
        created = g.api.post(_path(), body, idempotency_key=form.get("idempotency_key") or None)
    except ApiProblem as problem:
        if problem.status >= 500 or problem.status == 401:
            raise
        problem.errors = [{**error, "field": str(error.get("field", "")).removeprefix("data.").split(".")[0]}
                          for error in problem.errors]
        return index(problem), problem.status
    return index(created=created)


@bp.post("/<webhook_id>/secret")
@estate_needed
def rotate_secret(webhook_id):
    body = {"keep_previous_hours": 0} if request.form.get("at_once") == "true" else {}
    try:
        # the same: a second rotation would stop at once the secret the receiver still has (a probe)
        rotated = g.api.post(_path(f"/{webhook_id}/secret"), body,
                             idempotency_key=request.form.get("idempotency_key") or None)
    except ApiProblem as problem:
        if problem.status >= 500 or problem.status == 401:
            raise
        return index(problem), problem.status
    return index(created=rotated)


@bp.post("/<webhook_id>/active")
@estate_needed
def set_active(webhook_id):
    active = request.form.get("active") == "true"
    changed, refused = common.act(lambda: g.api.patch(_path(f"/{webhook_id}"), {"active": active}),
                                  url_for("webhooks.index"))
    if refused:
        return refused
    common.done("webhooks.switched_on" if active else "webhooks.switched_off", url=changed.get("url", webhook_id))
    return redirect(url_for("webhooks.index"))


@bp.get("/<webhook_id>/deliveries")
@estate_needed
def deliveries(webhook_id):
    status = request.args.get("status", "").strip()
    status = status if status in DELIVERY_STATUSES else ""
    webhook = g.api.get(_path(f"/{webhook_id}"))
    page = g.api.get(_path(f"/{webhook_id}/deliveries"), limit=common.PAGE_SIZE, cursor=request.args.get("cursor"),
                     status=status or None)
    return render_template("webhooks/deliveries.html", webhook=webhook, items=page.get("items", []),
                           next_cursor=page.get("next_cursor"),
                           filters={"webhook_id": webhook_id, **({"status": status} if status else {})},
                           status=status, statuses=DELIVERY_STATUSES, problem=common.take_problem())


@bp.post("/<webhook_id>/deliveries/<delivery_id>/redeliver")
@estate_needed
def redeliver(webhook_id, delivery_id):
    back = url_for("webhooks.deliveries", webhook_id=webhook_id)
    _, refused = common.act(lambda: g.api.post(_path(f"/{webhook_id}/deliveries/{delivery_id}/redeliver")), back)
    if refused:
        return refused
    common.done("webhooks.redelivered")
    return redirect(back)


@bp.post("/<webhook_id>/deliveries/redeliver")
@estate_needed
def redeliver_failed(webhook_id):
    """Every failed delivery sent again (made at or after ``since``, typed on the estate's clock, when
    given): a receiver back after its outage was redelivered one row at a time (the API took them
    all in one call, the console had no button: an integrator's probe). The API sends 500 a call;
    ``more`` says to press again."""
    back = url_for("webhooks.deliveries", webhook_id=webhook_id)
    body = {}
    typed = request.form.get("since", "").strip()
    if typed:
        try:
            local = datetime.fromisoformat(typed)
        except ValueError:
            message = i18n.translate("error.moment")
            common.show_problem(ApiProblem(400, message, errors=[{"field": "since", "message": message}]))
            return redirect(back)
        moment = local.replace(tzinfo=i18n.display_zone()) if local.tzinfo is None else local
        body["since"] = moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    answer, refused = common.act(lambda: g.api.post(_path(f"/{webhook_id}/deliveries/redeliver"), body), back)
    if refused:
        return refused
    common.done("webhooks.redelivered_failed", count=answer.get("redelivered", 0))
    if answer.get("more"):
        flash(i18n.translate("webhooks.redelivered_more"))
    return redirect(back)
