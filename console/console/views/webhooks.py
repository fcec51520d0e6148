"""An estate's webhooks (issue 13; manager, operator admin): the subscriptions, a new one with its
secret shown once, a new secret for one (shown once too; the old one signs beside it for a while,
or stops at once if it leaked), switching one off or on, and a subscription's deliveries with
redelivery.

The event types offered are the API's own list (``WebhookEventType`` in the public OpenAPI
document, ``GET /api/v1/openapi.json``), so the console never keeps a copy that could drift."""
from flask import Blueprint, g, make_response, render_template, redirect, request, url_for

from .. import permissions
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
