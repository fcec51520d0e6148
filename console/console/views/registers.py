"""Registers: the many screens that are a list of one API collection, a form that adds to it and
the actions the API offers on each row (keys lent and returned, visitors, fire checks, borrow
requests...).

Each register is described once in ``register_specs`` (its /api/v1 path, columns, filters, form
fields and row actions); this module turns a description into its pages. The console converts
what was typed into the documented body (whole numbers, yes/no, a moment in UTC) and nothing
more: which action applies, deadlines and amounts are the API's.
"""
import re
from decimal import Decimal, InvalidOperation
import unicodedata
from datetime import datetime, timezone

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from werkzeug.datastructures import MultiDict

from .. import i18n, permissions
from ..gateway_api import ApiProblem
from ..signin import estate_needed
from . import common, day_totals, finance_extra, subjects
from .register_specs import PICK_SOURCES, REGISTERS

bp = Blueprint("registers", __name__)


class BadInput(Exception):
    def __init__(self, field, message_key, **values):
        super().__init__(field)
        self.field = field
        self.message = i18n.translate(message_key, **values)


def _value(field, form):
    """The typed value of ``field`` as the API's body takes it; ``None`` when left blank."""
    if field.kind == "confirm":  # an irreversible step's box: checked, never sent (common.confirmed)
        if not common.confirmed(form):
            raise BadInput(field.name, "confirm.needed")
        return None
    if field.kind == "off":  # ticked: the API's default (true) turned off; left: not sent
        return False if form.get(field.name) == "on" else None
    if field.kind == "bool":
        return form.get(field.name) == "on" if field.required or form.get(field.name) == "on" else None
    if field.kind in ("multi", "picks"):
        return [value for value in form.getlist(field.name) if value] or None
    raw = form.get(field.name, "").strip()
    if raw == "":
        return None
    if field.kind == "int":
        try:
            return int(raw)
        except ValueError:
            raise BadInput(field.name, "error.whole_number") from None
    if field.kind == "quantity":  # a part's quantity (备品备件): 12.5 m of cable, typed full-width too
        return _quantity(field, raw)
    if field.kind == "money":
        cents = i18n.cents_from_yuan(raw)
        if cents is None:
            raise BadInput(field.name, "error.yuan")
        return cents
    if field.kind == "moment":  # <input type="datetime-local"> in the display zone -> UTC
        try:
            local = datetime.fromisoformat(raw)
        except ValueError:
            raise BadInput(field.name, "error.moment") from None
        moment = local.replace(tzinfo=i18n.display_zone()) if local.tzinfo is None else local
        return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if field.kind == "lines":
        # the commas a Chinese keyboard types (，、) as the ASCII one: 3，4、5 is three buildings
        return [part.strip() for part in raw.replace("，", ",").replace("、", ",").replace(",", "\n").splitlines()
                if part.strip()]
    if field.kind == "checkpoints":
        return _checkpoints(field, raw)
    if field.kind == "goods":
        return _goods(field, raw)
    if field.kind == "losses":
        return _losses(field, raw)
    if field.kind == "roll_call":
        return _roll_call(field, raw)
    if field.kind == "claim_payments":
        return _claim_payments(field, raw)
    if field.kind == "phone":  # a Chinese keyboard's full-width digits as the API's pattern reads them (NFKC)
        return common.address_typed(raw)
    if field.kind == "household":
        return common.household_typed(raw)
    if field.kind == "subject":
        return common.subject_typed(raw)
    return raw


def _quantity(field, raw):
    """A quantity as the API takes it (a number, at most 3 decimals: the service says which unit
    is counted whole): a whole number as an integer, else its decimals, read exactly."""
    try:
        exact = Decimal(unicodedata.normalize("NFKC", raw).replace(",", ""))
    except InvalidOperation:
        raise BadInput(field.name, "error.quantity") from None
    if not exact.is_finite() or exact < 0:
        raise BadInput(field.name, "error.quantity")
    return int(exact) if exact == exact.to_integral_value() else float(exact)


# contracts/openapi.yaml's CheckpointCode as the service keeps it (its ASCII forms: read after NFKC)
_CHECKPOINT_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")


def _checkpoints(field, raw):
    """A patrol route's checkpoints, one a line: ``code, name`` and maybe the minutes after the
    round's start by which it is due (``B2, Car park, 20``). Full-width commas, colons and spaces
    (``E1，东门岗，0``) and the enumeration comma read as their ASCII twins; a line that does not
    read is named in the refusal."""
    checkpoints = []
    for number, line in enumerate((line.strip() for line in raw.splitlines()), start=1):
        if not line:
            continue
        try:
            rows = common.comma_lines(line, full_width=True)
        except ValueError:
            raise BadInput(field.name, "error.checkpoint_line", line=line) from None
        code, name, minutes = rows[0]
        # a code typed full-width (Ｅ１) read as E1, as the service keeps codes; one that still
        # does not read is named by its line (the API's 400 said "编码: 格式不正确", no line: a probe)
        code = unicodedata.normalize("NFKC", code).upper()
        if not _CHECKPOINT_CODE.fullmatch(code):
            raise BadInput(field.name, "error.checkpoint_code_line", number=number, line=line)
        offset = common.whole_number(minutes)
        if minutes is not None and offset is None:
            raise BadInput(field.name, "error.checkpoint_line", line=line)
        checkpoints.append({"code": code, "name": name, **({"offset_minutes": offset} if minutes else {})})
    return checkpoints or None


def _goods(field, raw):
    """A goods release pass's items, one a line: ``name, count`` (the count 1 when left out; 沙发，2
    and 纸箱 ×12 read alike); a count that is no whole number is named by its line."""
    goods = []
    for line in (line.strip() for line in raw.splitlines()):
        if not line:
            continue
        text = unicodedata.normalize("NFKC", line).replace("，", ",").replace("×", ",").replace("、", ",")
        name, _, count = text.rpartition(",") if "," in text else (text, "", "1")
        qty = common.whole_number(count.strip() or "1")
        if not name.strip() or qty is None or qty < 1:
            raise BadInput(field.name, "error.goods_line", line=line)
        goods.append({"name": name.strip(), "qty": qty})
    return goods or None


def _named_value(group, typed):
    """An enum value typed as itself or as its label in either language (吊顶 or ceiling); None else."""
    typed = typed.strip().lower()
    for key in i18n.CATALOGUES[i18n.DEFAULT_LANGUAGE]:
        if key.startswith(group + "."):
            value = key[len(group) + 1:]
            if typed == value or typed in (text.strip().lower() for text in (
                    i18n.CATALOGUES[language].get(key, "") for language in i18n.LANGUAGES)):
                return value
    return None


def _roll_call(field, raw):
    """A shift's roll call (考勤), one guard a line: ``guard, status[, minutes late | who covers]``
    (zhang, 到岗; liu, 迟到, 12; wang, 缺勤, chen), the status as itself or its label in either language."""
    entries = []
    for line in raw.splitlines():
        parts = [p.strip() for p in line.replace("，", ",").replace("、", ",").split(",")]
        if not any(parts):
            continue
        status = _named_value("roll_call", parts[1]) if len(parts) > 1 else None
        if status is None or len(parts) > 3 or not parts[0]:
            raise BadInput(field.name, "error.roll_call_line", line=line.strip())
        entry = {"guard": parts[0], "status": status}
        extra = parts[2] if len(parts) == 3 else ""
        if status == "late":
            minutes = unicodedata.normalize("NFKC", extra)
            if not minutes.isdigit():
                raise BadInput(field.name, "error.roll_call_line", line=line.strip())
            entry["late_minutes"] = int(minutes)
        elif extra and status == "absent":
            entry["covered_by"] = extra
        elif extra:
            raise BadInput(field.name, "error.roll_call_line", line=line.strip())
        entries.append(entry)
    return entries or None


def _claim_lines(field, raw, error):
    """A damage claim's lines ``household, word, yuan[, text]`` (full-width commas read as ASCII),
    each as ``(household id, word, cents, text)``; a line that does not read is named."""
    rows = []
    for line in (line.strip() for line in raw.splitlines()):
        if not line:
            continue
        parts = [part.strip() for part in common.ascii_punctuation(line).split(",")]
        parts = parts[:2] + _yuan_regrouped(parts[2:])
        cents = i18n.cents_from_yuan(parts[2]) if len(parts) >= 3 else None
        if len(parts) < 3 or not parts[0] or not parts[1] or not cents:
            raise BadInput(field.name, error, line=line)
        rows.append((common.household_typed(parts[0]), parts[1], cents, ",".join(parts[3:]).strip() or None, line))
    return rows


_THOUSANDS = re.compile(r"\d{3}(?:\.\d{0,2})?")


def _yuan_regrouped(parts):
    """``parts`` (the yuan first, then the text) with the yuan's thousands put back together: the
    line's commas had split ``3,200`` into 3 yuan and the text "200" (found by r4 reviewing h4)."""
    taken = 1
    while taken < len(parts) and _THOUSANDS.fullmatch(parts[taken]) \
            and i18n.cents_from_yuan(",".join(parts[:taken + 1])) is not None:
        taken += 1
    return [",".join(parts[:taken])] + parts[taken:] if parts else parts


def _losses(field, raw):
    """A damage claim's losses, one a line: ``household, item, yuan[, description]`` (3-1-1701, 吊顶,
    3200, 石膏板); the lines of one household go together, in the order typed."""
    households = {}
    for household, word, cents, text, line in _claim_lines(field, raw, "error.loss_line"):
        item = _named_value("loss_item", word)
        if item is None:
            raise BadInput(field.name, "error.loss_line", line=line)
        households.setdefault(household, []).append(
            {"item": item, "amount_cents": cents, **({"description": text} if text else {})})
    return [{"household_id": household, "losses": losses} for household, losses in households.items()] or None


def _claim_payments(field, raw):
    """The payments that settle a damage claim, one a line: ``household, payer, yuan[, reference][,
    receiver]`` (3-1-1701, 业主, 14000, 转账; 3-1-1701, 保险公司, 16300, PA-0001, 物业收取). The receiver
    (``received_by``, h5: the operator's own insurer paying it back what it paid the household) is the
    line's last part when it reads as one (物业收取, 住户收取, in either language); none said is the
    household's, the API's default."""
    payments = []
    for household, word, cents, text, line in _claim_lines(field, raw, "error.claim_payment_line"):
        payer = _named_value("claim_payer", word)
        if payer is None:
            raise BadInput(field.name, "error.claim_payment_line", line=line)
        reference, _, last = (text or "").rpartition(",")
        received_by = _named_value("claim_receiver", last)
        if received_by is None:
            reference = text
        reference = (reference or "").strip()
        payments.append({"household_id": household, "payer": payer, "amount_cents": cents,
                         **({"reference": reference} if reference else {}),
                         **({"received_by": received_by} if received_by else {})})
    return payments or None


def body_of(fields, form):
    """The body a form sends; a field named ``a.b`` goes into the object ``a`` (a goods release
    pass's owner_consent.by)."""
    body = {}
    for field in fields:
        value = _value(field, form)
        if value is not None:
            outer, _, inner = field.name.partition(".")
            if inner:
                body.setdefault(outer, {})[inner] = value
            else:
                body[field.name] = value
    return body


def _fields(spec):
    """Every input of the register's pages: its form's, its filters' and its row actions'."""
    return spec.fields + spec.filters + tuple(f for action in spec.actions for f in action.fields)


def _options(spec):
    """What the form's and the filters' household pickers offer (the first page of households)."""
    wanted = any(f.kind == "household" for f in _fields(spec)) or any(c.kind in ("household", "subject")
                                                                      for c in spec.columns)
    return common.household_labels() if wanted else {}


def _picks(spec):
    """``{source: common.Picks}`` for the register's pick fields (form, filters, row actions) and
    the columns a source names."""
    sources = {f.group for f in _fields(spec) if f.kind in ("pick", "picks")} | {c.source for c in spec.columns
                                                                                if c.source}
    return {source: common.pick_names(PICK_SOURCES[source]) for source in sorted(sources)}


def _people(spec):
    """``{list: usernames}`` for the fields naming someone (``Field.people``) of the forms the user
    is offered, one call a list; an empty one when it cannot be read (its fields are typed)."""
    shown = ((spec.fields if permissions.may("POST", spec.path) else ())
             + tuple(f for quick in spec.forms if permissions.may("POST", quick.path) for f in quick.fields)
             + tuple(f for action in offered(spec) for f in action.fields))
    return {source: common.usernames(source) for source in sorted({f.people for f in shown if f.people})}


def _list_view(spec):
    def view(problem=None):
        filters = common.query(*(f.name for f in spec.filters))
        for field in spec.filters:  # a household typed by its address
            if field.kind == "household" and field.name in filters:
                filters[field.name] = common.household_typed(filters[field.name])
            if field.kind == "code" and field.name in filters:  # full-width, in groups: as the API reads it
                filters[field.name] = common.code_typed(filters[field.name])
        asked = dict(filters)  # a subject asked by its number: the filter's box keeps it as typed
        for field in spec.filters:
            if field.kind == "subject" and field.name in filters:
                asked[field.name] = common.subject_typed(filters[field.name])
        try:
            page = g.api.get(g.api.estate(g.user.estate_id, spec.path), limit=common.PAGE_SIZE,
                             cursor=request.args.get("cursor"), **asked)
        except ApiProblem as refused:
            # a filter typed as the API reads none (a receipt's number as none is numbered): the list
            # with its filters as typed and the refusal naming the field, where an error page lost both
            if refused.status != 400 or problem is not None:
                raise
            page, problem = {"items": [], "next_cursor": None}, refused
        definitions = common.custom_fields(spec.custom) if spec.custom else []
        households = _options(spec)
        form = _form_shown(spec)
        preview = PREVIEWS[spec.preview].of(form) if spec.preview and permissions.may("POST", spec.path) else None
        columns = tuple(c for c in spec.columns if not c.only_with or filters.get(c.only_with))
        elsewhere = ELSEWHERE[spec.elsewhere](filters, page.get("items", [])) if spec.elsewhere else []
        return render_template("registers/register.html", preview=preview, spec=spec, items=page.get("items", []),
                               columns=columns, elsewhere=elsewhere,
                               next_cursor=page.get("next_cursor"), filters=filters, households=households,
                               subjects=subjects.SubjectLabels(households), picks=_picks(spec), people=_people(spec),
                               custom_definitions=definitions, custom_form=common.custom_form,
                               custom_editable=spec.custom_edit and any(not d.get("archived") for d in definitions),
                               actions=offered(spec),
                               key=common.form_key(), form=form,
                               problem=problem or common.take_problem()), 200 if problem is None else problem.status
    view.__name__ = spec.slug
    return view


PREVIEWS = {"day_totals": day_totals}  # Register.preview: what its form's values come to
# Register.elsewhere: (filters, items shown) -> what a search found elsewhere ({text, href, link})
ELSEWHERE = {"top_up_receipts": finance_extra.top_ups_of_receipt}


def _form_shown(spec):
    """The new-row form's values: as typed (a refusal shows it again), else on a page asked for
    them (``spec.prefill``: the start page's day left unsettled opens the settlement's form on it)."""
    if request.method == "POST" or not spec.prefill:
        return request.form
    return MultiDict([(name, request.args[name]) for name in spec.prefill if request.args.get(name)])


def _create_view(spec, show):
    def view():
        form = request.form
        try:
            body = body_of(spec.fields, form)
        except BadInput as bad:
            return show(ApiProblem(400, bad.message, errors=[{"field": bad.field, "message": bad.message}]))
        custom = common.custom_from_form(common.custom_fields(spec.custom), form) if spec.custom else {}
        if custom:
            body["custom"] = custom
        return common.post_or_show(spec.path, body, show, "reg.created", url_for(f"registers.{spec.slug}"),
                                   idempotency_key=form.get("idempotency_key") or None)
    view.__name__ = f"create_{spec.slug}"
    return view


def offered(spec):
    """The row actions of a register the signed-in user is offered: those the gateway lets their
    roles send (``permissions.may``)."""
    return [a for a in spec.actions if permissions.may(a.method, _action_path(spec, a, "{id}"))]


def _action_path(spec, action, item_id):
    """Where a row's action is sent: its collection (``into``), the row itself (an edit), or the row's step."""
    if action.method == "PATCH":
        return f"{spec.path}/{item_id}"
    return action.into or f"{spec.path}/{item_id}/{action.step or action.name}"


def _back(spec, item_id):
    """Where a row's form returns: the row's own page when it was sent from there, else the list
    with its filters."""
    if spec.detail and request.form.get("from") == "detail":
        return url_for(spec.detail, item_id=item_id)
    return url_for(f"registers.{spec.slug}", **common.query(*(f.name for f in spec.filters)))


def _action_view(spec):
    actions = {action.name: action for action in spec.actions}

    def view(item_id, action):
        chosen = actions.get(action)
        back = _back(spec, item_id)
        if chosen is None:
            return redirect(back)
        typed = common.row_form_to_keep(item_id, action)  # shown again if it is refused
        try:
            body = body_of(chosen.fields, request.form)
        except BadInput as bad:
            common.show_problem(ApiProblem(400, bad.message, errors=[{"field": bad.field, "message": bad.message}]))
            session["typed"] = typed
            return redirect(back)
        if chosen.into:  # adds to another collection, naming the row
            body[chosen.id_field] = item_id
        path = _action_path(spec, chosen, item_id)
        if chosen.method == "PATCH":  # an edit of the row: the fields typed, refused on its page as typed
            _, refused = common.act(lambda: g.api.patch(g.api.estate(g.user.estate_id, path), body), back)
            if refused:
                session["typed"] = typed
                return refused
            common.done("reg.done")
            return redirect(back)
        if chosen.opens:  # what it made is shown next (a round started: the guard checks in there)
            made, refused = common.act(lambda: g.api.post(
                g.api.estate(g.user.estate_id, path), body,
                idempotency_key=request.form.get("idempotency_key") or None), back)
            if refused:
                session["typed"] = typed
                return refused
            common.done("reg.done")
            return redirect(url_for(chosen.opens, **{chosen.opens_param: made["id"]}))
        return common.post_and_back(path, body, back, "reg.done",
                                    idempotency_key=request.form.get("idempotency_key") or None, typed=typed)
    view.__name__ = f"act_{spec.slug}"
    return view


def _form_view(spec):
    def view(index):
        back = url_for(f"registers.{spec.slug}", **common.query(*(f.name for f in spec.filters)))
        if not 0 <= index < len(spec.forms):
            return redirect(back)
        chosen = spec.forms[index]
        # refused, the form comes back as typed (a vehicle's exit lost its plate: found by review)
        typed = common.row_form_to_keep(f"form-{index}", "quick")
        try:
            body = body_of(chosen.fields, request.form)
        except BadInput as bad:
            common.show_problem(ApiProblem(400, bad.message, errors=[{"field": bad.field, "message": bad.message}]))
            session["typed"] = typed
            return redirect(back)
        return common.post_and_back(chosen.path, body, back, "reg.done",
                                    idempotency_key=request.form.get("idempotency_key") or None, typed=typed,
                                    said=chosen.said)
    view.__name__ = f"form_{spec.slug}"
    return view


def _custom_view(spec):
    def view(item_id):
        return common.save_custom(spec.custom, f"{spec.path}/{item_id}/custom", _back(spec, item_id))
    view.__name__ = f"custom_{spec.slug}"
    return view


for _spec in REGISTERS:
    _show = estate_needed(_list_view(_spec))
    bp.add_url_rule(f"/{_spec.area}/{_spec.slug}", endpoint=_spec.slug, view_func=_show, methods=["GET"])
    if _spec.fields:
        bp.add_url_rule(f"/{_spec.area}/{_spec.slug}", endpoint=f"create_{_spec.slug}",
                        view_func=estate_needed(_create_view(_spec, _show)), methods=["POST"])
    if _spec.actions:
        bp.add_url_rule(f"/{_spec.area}/{_spec.slug}/<item_id>/<action>", endpoint=f"act_{_spec.slug}",
                        view_func=estate_needed(_action_view(_spec)), methods=["POST"])
    if _spec.custom_edit:
        bp.add_url_rule(f"/{_spec.area}/{_spec.slug}/<item_id>/custom", endpoint=f"custom_{_spec.slug}",
                        view_func=estate_needed(_custom_view(_spec)), methods=["POST"])
    if _spec.forms:
        bp.add_url_rule(f"/{_spec.area}/{_spec.slug}/forms/<int:index>", endpoint=f"form_{_spec.slug}",
                        view_func=estate_needed(_form_view(_spec)), methods=["POST"])
