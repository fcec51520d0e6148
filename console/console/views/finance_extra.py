"""Finance screens beyond bills and payments: renovation deposits and their refund, prepaid water and
electricity (balances, top-ups with their receipt, usage readings), invoices, the special maintenance
fund (deposits, uses approved or rejected by a manager, the monthly statement), operating expenses and
the income and expense disclosure (the report, its publication, the public link owners are given).

Like every screen, a client of the public API only: the gateway decides who may do what; a refusal
(problem+json) is shown on the same page with its errors next to their fields."""
import re
from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

from flask import Blueprint, abort, current_app, g, redirect, render_template, request, session, url_for

from .. import i18n, permissions
from ..gateway_api import ApiProblem
from ..signin import estate_needed
from . import common
from .accounts import METHODS

bp = Blueprint("finance", __name__, url_prefix="/accounts")

OWNER_TOLD_HOW = ("phone", "visit", "notice", "app")  # openapi's OwnerToldHow
UTILITIES = ("water", "electricity")
FUND_SOURCES = ("owner", "developer", "interest")
FUND_STATUSES = ("requested", "approved", "rejected", "posted", "pending")
OPERATING_CATEGORIES = ("staff", "cleaning", "greening", "security", "common_utilities", "repairs", "insurance",
                        "administration", "other")
LABEL = re.compile(r"^([^-_\s]+)-([^-_\s]+)-([^-_\s]+)$")  # building-unit-room
PERIOD = common.MONTH
REPORT_PERIOD = common.REPORT_PERIOD  # a month, quarter or year (the disclosure's)


# -- shared by the forms of this module ------------------------------------------------------------

def _field_problem(field, message):
    return ApiProblem(400, message, errors=[{"field": field, "message": message}])


def household_id_of(text, field="household_id"):
    """A household typed as building-unit-room (or as its id): its id, or an ApiProblem naming ``field``."""
    text = common.address_typed(text)
    found = LABEL.match(text)
    if not found:
        if text:
            return text, None
        return None, _field_problem(field, i18n.translate("fin.household_needed"))
    building, unit, room = found.groups()
    matches = common.households_at(building, unit, room)
    if len(matches) != 1:
        return None, _field_problem(field, i18n.translate("fee.household_unknown", household=text))
    return matches[0]["id"], None


def _amount(form, field="amount"):
    cents = i18n.cents_from_yuan(form.get(field))
    if cents is None:
        return None, _field_problem(field, i18n.translate("error.yuan"))
    if cents <= 0:
        return None, _field_problem(field, i18n.translate("error.amount_positive"))
    return cents, None


def _key(form):
    return form.get("idempotency_key") or None


def _reverse(path, back, page, notice):
    """A posted entry taken back for good (a top-up, a fund deposit: 冲正; an operating cost: 冲销)
    with the form's reason, once its box is ticked (else ``back`` says so, nothing sent): ``path``
    under the estate, with the form's Idempotency-Key; a refusal is shown by ``page(problem)``,
    else ``notice(answer)`` on ``back``."""
    form = request.form
    if not common.confirmed():
        return common.refuse_unconfirmed(back)
    answer, refused = common.write(lambda: g.api.post(g.api.estate(g.user.estate_id, path),
                                                      {"reason": form.get("reason", "").strip()},
                                                      idempotency_key=_key(form)), page)
    if refused:
        return refused
    notice(answer)
    return redirect(back)


# -- renovation deposits ---------------------------------------------------------------------------

@bp.get("/deposits")
@estate_needed
def deposits(problem=None):
    # the API's filters, over every page (one page narrowed to a status showed a later page's as none)
    filters = common.query("household_id", "application_id", "status")
    page = g.api.get(g.api.estate(g.user.estate_id, "deposits"), limit=common.PAGE_SIZE,
                     cursor=request.args.get("cursor"), **filters)
    items = page.get("items", [])
    return render_template("finance/deposits.html", items=items, next_cursor=page.get("next_cursor"),
                           filters=filters, methods=METHODS, households=common.household_labels(),
                           deduction_rows=DEDUCTION_ROWS, deduction_kinds=DEDUCTION_KINDS, deduction_sums=deduction_sums,
                           key=common.form_key(), problem=problem or common.take_problem(),
                           refused_id=request.view_args.get("deposit_id") if problem else None)


DEDUCTION_ROWS = 3
DEDUCTION_KINDS = ("damage", "cleanup", "violation", "fees")


def deductions_typed(form):
    """The refund form's deduction rows (押金扣除: ``ded_kind_N``, ``ded_yuan_N``, ``ded_reason_N``, and for
    fees paid from the deposit the owner's consent, ``ded_consent_N``) as the API takes them; a row left
    blank is none. An amount that is no yuan is sent as 0 cents, for the API to refuse on its row
    (``data.deductions.N.cents``); a consent typed on a row of another kind is not sent."""
    rows = []
    for n in range(DEDUCTION_ROWS):
        kind, yuan, reason, consent = (form.get(f"ded_{name}_{n}", "").strip()
                                       for name in ("kind", "yuan", "reason", "consent"))
        if kind or yuan or reason:
            row = {"kind": kind, "cents": i18n.cents_from_yuan(yuan) or 0, "reason": reason}
            if kind == "fees":  # the API refuses it blank, on its field
                row["owner_consent"] = consent
            rows.append(row)
    return rows


def deduction_sums(deposit, typed):
    """What the form as typed keeps and pays back (shown when it comes back unticked), or None."""
    kept = sum(row["cents"] for row in deductions_typed(typed))
    return {"kept": kept, "rest": (deposit.get("paid_cents") or 0) - kept} if kept else None


@bp.post("/deposits/<deposit_id>/refund")
@estate_needed
def refund_deposit(deposit_id):
    form = request.form
    if not common.confirmed():  # money paid out is not taken back; the method and note come back as typed
        return common.refuse_unconfirmed(url_for("finance.deposits"), common.row_form_to_keep(deposit_id, "refund"))
    body = {"method": form.get("method", "")}
    if form.get("note", "").strip():
        body["note"] = form["note"].strip()
    deductions = deductions_typed(form)
    if deductions:
        body["deductions"] = deductions
    if form.get("approved"):  # the refund the page showed approved, or nothing (409): rejected since, not one in full
        body["approved"] = True
    deposit, refused = common.write(lambda: g.api.post(g.api.estate(g.user.estate_id, f"deposits/{deposit_id}/refund"),
                                                 body, idempotency_key=_key(form)), deposits)
    if refused:
        return refused
    if deposit.get("status") == "refund_awaiting_approval":  # a cashier's deductions wait for a manager
        common.done("dep.awaiting_approval")
    else:
        common.done("dep.refunded", amount=i18n.money((deposit.get("refund") or {}).get("amount_cents")))
    return redirect(url_for("finance.deposits"))


@bp.post("/deposits/<deposit_id>/reverse-deductions")
@estate_needed
def reverse_deposit_deductions(deposit_id):
    """A manager takes back a refund's deductions made in error, saying why (冲销押金扣除): money goes back to
    the owner, so it is confirmed first."""
    form = request.form
    if not common.confirmed():
        return common.refuse_unconfirmed(url_for("finance.deposits"), common.row_form_to_keep(deposit_id, "reverse"))
    path = f"deposits/{deposit_id}/refund/reverse-deductions"
    body = {"reason": form.get("reason", "").strip()}
    if form.get("paid_by", "").strip():  # another pays it back (the refund's cashier settled his day, or left)
        body["paid_by"] = form["paid_by"].strip()
    _, refused = common.write(lambda: g.api.post(g.api.estate(g.user.estate_id, path), body,
                                                 idempotency_key=_key(form)), deposits)
    if refused:
        return refused
    common.done("dep.deductions_reversed")
    return redirect(url_for("finance.deposits"))


@bp.post("/deposits/<deposit_id>/refund/<decision>")
@estate_needed
def decide_deposit_refund(deposit_id, decision):
    """A manager approves the deductions a cashier's refund waits for, or rejects them saying why (押金扣除审批)."""
    if decision not in ("approve", "reject"):
        abort(404)
    body = {"reason": request.form.get("reason", "").strip()} if decision == "reject" else {}
    _, refused = common.write(lambda: g.api.post(g.api.estate(g.user.estate_id, f"deposits/{deposit_id}/refund/{decision}"),
                                                 body, idempotency_key=_key(request.form)), deposits)
    if refused:
        return refused
    common.done({"approve": "dep.approved", "reject": "dep.rejected"}[decision])
    return redirect(url_for("finance.deposits"))


# -- prepaid water and electricity -----------------------------------------------------------------

@bp.get("/utilities")
@estate_needed
def utilities(problem=None):
    filters = common.query("household_id", "utility")
    # the low balances alone (?low=true), the owners the desk tells; the moves' list has no such filter
    low = {"low": "true"} if request.args.get("low") == "true" else {}
    page = g.api.get(g.api.estate(g.user.estate_id, "utilities/accounts"), limit=common.PAGE_SIZE,
                     cursor=request.args.get("cursor"), **filters, **low)
    # the desk and the stewards, who tell the owners of low balances, read no moves (the finance staff's)
    moves = g.api.get(g.api.estate(g.user.estate_id, "utilities/moves"), limit=20, **filters).get("items", []) \
        if permissions.may("GET", "utilities/moves") else []
    filters = {**filters, **low}
    reversed_ids = {m.get("reverses") for m in moves if m.get("kind") == "top_up_reversal"}
    return render_template("finance/utilities.html", items=page.get("items", []), reversed_ids=reversed_ids,
                           next_cursor=page.get("next_cursor"), filters=filters, moves=moves, utilities=UTILITIES,
                           owner_told_how=OWNER_TOLD_HOW,
                           methods=METHODS, households=common.household_labels(), key=common.form_key(),
                           usage_key=common.form_key(), form=request.form, problem=problem or common.take_problem())


@bp.post("/utilities/accounts/<account_id>/owner-notices")
@estate_needed
def owner_told(account_id):
    """遇预存余额不足的，及时通知业主并做好书面记录: the owner of a low balance told, on record (how, a
    note; now), where utility_balance_low went to archive and webhooks alone (h5's probe)."""
    form = request.form
    body = {"how": form.get("how", "")}
    if form.get("note", "").strip():
        body["note"] = form["note"].strip()
    path = f"utilities/accounts/{quote(account_id, safe='')}/owner-notices"
    _, refused = common.write(lambda: g.api.post(g.api.estate(g.user.estate_id, path), body,
                                                 idempotency_key=_key(form)), utilities)
    if refused:
        return refused
    common.done("util.owner_told_done")
    return redirect(url_for("finance.utilities", low="true"))


@bp.post("/utilities/top-ups")
@estate_needed
def top_up():
    form = request.form
    household_id, wrong = household_id_of(form.get("household"), "household_id")
    amount, wrong_amount = _amount(form)
    if wrong or wrong_amount:
        return utilities(wrong or wrong_amount), 400
    body = {"household_id": household_id, "utility": form.get("utility", ""), "amount_cents": amount,
            "method": form.get("method", "")}
    move, refused = common.write(lambda: g.api.post(g.api.estate(g.user.estate_id, "utilities/top-ups"), body,
                                              idempotency_key=_key(form)), utilities)
    if refused:
        return refused
    common.done("pay.taken", number=move.get("receipt_number") or "")
    return redirect(url_for("finance.utility_receipt", move_id=move["id"], household_id=household_id,
                            utility=body["utility"]))


@bp.post("/utilities/top-ups/<move_id>/reverse")
@estate_needed
def reverse_top_up(move_id):
    """A posted top-up taken back (冲正), with the reason; 422 once usage drew the balance below it."""
    return _reverse(f"utilities/top-ups/{quote(move_id, safe='')}/reverse", url_for("finance.utilities"), utilities,
                    lambda move: common.done("util.reversed", number=move.get("receipt_number") or ""))


def top_ups_of_receipt(filters, items):
    """The payments list searched by a receipt number no payment has: the top-ups of that number (one
    series: an owner quoting his top-up's receipt was found nothing, a probe of the accountant's month
    close), each opening its receipt; [] when a payment has it, or the top-ups cannot be read."""
    number = filters.get("receipt_number")
    if items or not number:
        return []
    found = common.optional_read("utilities/moves", receipt_number=number, kind="top_up", limit=common.PAGE_SIZE)
    top_ups = [{"text": i18n.translate("pay.top_up_receipt", number=move.get("receipt_number") or "",
                                       amount=i18n.money(move.get("amount_cents"))),
                "href": url_for("finance.utility_receipt", move_id=move["id"], household_id=move.get("household_id"),
                                utility=move.get("utility")),
                "link": i18n.translate("util.receipt_title")} for move in (found or {}).get("items", [])]
    # an opening credit's number (期初预收, OP-…): the payments list names the money received only (review r3)
    if not str(number).strip().upper().startswith("OP"):
        return top_ups
    credits = common.optional_read("payments", receipt_number=number, kind="opening_credit", limit=common.PAGE_SIZE)
    return top_ups + [{"text": i18n.translate("pay.opening_credit_receipt", number=credit.get("receipt_number") or "",
                                              amount=i18n.money(credit.get("amount_cents"))),
                       "href": url_for("accounts.receipt", payment_id=credit["id"]),
                       "link": i18n.translate("oc.record")} for credit in (credits or {}).get("items", [])]


RECEIPT_PAGES = 10  # pages of 200 of a household's top-ups the receipt is looked for in


@bp.get("/utilities/receipts/<move_id>")
@estate_needed
def utility_receipt(move_id):
    """A top-up's printable receipt: the API lists a household's top-ups; the one asked for is among them."""
    top_ups = common.each_item(g.api.estate(g.user.estate_id, "utilities/moves"), RECEIPT_PAGES, kind="top_up",
                               household_id=request.args.get("household_id"), utility=request.args.get("utility"))
    move = next((m for m in top_ups if m.get("id") == move_id), None)
    if move is None:
        raise ApiProblem(404, i18n.translate("error.http_404"))
    household = common.household_or_none(move["household_id"])
    return render_template("finance/utility_receipt.html", move=move, household=household,
                           household_label=common.household_label(household))


@bp.post("/utilities/usages")
@estate_needed
def record_usage():
    form = request.form
    household_id, wrong = household_id_of(form.get("household"), "household_id")
    amount, wrong_amount = _amount(form)
    if wrong or wrong_amount:
        return utilities(wrong or wrong_amount), 400
    body = {"household_id": household_id, "utility": form.get("utility", ""), "amount_cents": amount}
    if form.get("reading_id", "").strip():
        body["reading_id"] = form["reading_id"].strip()
    move, refused = common.write(lambda: g.api.post(g.api.estate(g.user.estate_id, "utilities/usages"), body,
                                              idempotency_key=_key(form)), utilities)
    if refused:
        return refused
    common.done("util.used", balance=i18n.money(move.get("balance_after_cents")))
    return redirect(url_for("finance.utilities", household_id=household_id))


# -- invoices --------------------------------------------------------------------------------------

@bp.get("/invoices")
@estate_needed
def invoices(problem=None):
    filters = common.query("status", "payment_id", "household_id")
    page = g.api.get(g.api.estate(g.user.estate_id, "invoices"), limit=common.PAGE_SIZE,
                     cursor=request.args.get("cursor"), **filters)
    return render_template("finance/invoices.html", items=page.get("items", []), next_cursor=page.get("next_cursor"),
                           filters=filters, households=common.household_labels(),
                           problem=problem or common.take_problem())


@bp.post("/payments/<payment_id>/invoices")
@estate_needed
def request_invoice(payment_id):
    form = request.form
    back = url_for("accounts.receipt", payment_id=payment_id)
    body = {"buyer_name": form.get("buyer_name", "").strip()}
    if form.get("buyer_tax_id", "").strip():
        body["buyer_tax_id"] = form["buyer_tax_id"].strip()
    if form.get("amount", "").strip():
        amount, wrong = _amount(form)
        if wrong:  # as the API's refusals below: the form again as typed (it came back empty: a probe)
            common.show_problem(wrong)
            common.keep_typed(payment_id, "invoice")
            return redirect(back)
        body["amount_cents"] = amount
    invoice, refused = common.act(lambda: g.api.post(
        g.api.estate(g.user.estate_id, f"payments/{payment_id}/invoices"), body, idempotency_key=_key(form)), back)
    if refused:  # the receipt shows the form again as typed (its amount was lost: found by review)
        common.keep_typed(payment_id, "invoice")
        return refused
    common.done("inv.issued", number=invoice.get("number", ""))
    return redirect(back)


@bp.post("/invoices/<invoice_id>/void")
@estate_needed
def void_invoice(invoice_id):
    form = request.form
    back = form.get("back") if form.get("back", "").startswith("/accounts/") else url_for("finance.invoices")
    back = common.local_path(back, url_for("finance.invoices"))
    if not common.confirmed():  # a voided invoice stays void
        return common.refuse_unconfirmed(back)
    return common.post_and_back(f"invoices/{invoice_id}/void", {"reason": form.get("reason", "").strip()}, back,
                                "inv.voided")


# -- the special maintenance fund ------------------------------------------------------------------

@bp.get("/maintenance-fund")
@estate_needed
def fund(problem=None, refused_id=None):
    filters, account = common.query("kind", "status", "household_id"), None
    if request.args.get("household", "").strip():  # a flat by its address: its entries and its own account (分户账)
        household_id, wrong = household_id_of(request.args["household"])
        problem = problem or wrong
        if household_id and not wrong:
            filters["household_id"] = household_id
    if filters.get("household_id"):
        try:
            account = g.api.get(g.api.estate(g.user.estate_id,
                                             f"maintenance-fund/households/{quote(filters['household_id'], safe='')}"))
        except ApiProblem as refused:  # a flat finance has no copy of (yet): its entries listed, the page kept (r8)
            if refused.status != 404:
                raise
            problem = problem or refused
    page = g.api.get(g.api.estate(g.user.estate_id, "maintenance-fund/entries"), limit=common.PAGE_SIZE,
                     cursor=request.args.get("cursor"), **filters)
    filters = filters | common.query("household")
    return render_template("finance/fund.html", items=page.get("items", []), next_cursor=page.get("next_cursor"),
                           account=account,
                           filters=filters, sources=FUND_SOURCES, statuses=FUND_STATUSES, methods=METHODS,
                           households=common.household_labels(), key=common.form_key(), use_key=common.form_key(),
                           form=request.form, refused_id=refused_id, problem=problem or common.take_problem())


@bp.post("/maintenance-fund/deposits")
@estate_needed
def fund_deposit():
    form = request.form
    amount, wrong = _amount(form)
    if wrong:
        return fund(wrong), 400
    body = {"source": form.get("source", ""), "amount_cents": amount, "method": form.get("method", "")}
    if form.get("household", "").strip():
        body["household_id"], wrong = household_id_of(form.get("household"), "household_id")
        if wrong:
            return fund(wrong), 400
    if form.get("note", "").strip():
        body["note"] = form["note"].strip()
    entry, refused = common.write(lambda: g.api.post(g.api.estate(g.user.estate_id, "maintenance-fund/deposits"), body,
                                               idempotency_key=_key(form)), fund)
    if refused:
        return refused
    common.done("fund.deposited", balance=i18n.money(entry.get("balance_after_cents")))
    return redirect(url_for("finance.fund"))


@bp.post("/maintenance-fund/deposits/<entry_id>/reverse")
@estate_needed
def reverse_fund_deposit(entry_id):
    """A posted deposit taken back (冲正), with the reason; 422 once approved uses took its money."""
    return _reverse(f"maintenance-fund/deposits/{quote(entry_id, safe='')}/reverse", url_for("finance.fund"),
                    lambda problem: fund(problem, refused_id=entry_id),
                    lambda reversal: common.done("fund.reversed",
                                                 balance=i18n.money(reversal.get("balance_after_cents"))))


@bp.post("/maintenance-fund/uses")
@estate_needed
def fund_use():
    form = request.form
    amount, wrong = _amount(form)
    if wrong:
        return fund(wrong), 400
    body = {"amount_cents": amount, "purpose": form.get("purpose", "").strip()}
    for name in ("work_order_id", "note"):
        if form.get(name, "").strip():
            body[name] = form[name].strip()
    if form.get("shared_building", "").strip():  # the flats sharing it (分摊): a building, or some of its units
        units = [unit for unit in re.split(r"[\s,，、]+", form.get("shared_units", "")) if unit]
        body["shared_by"] = {"building": form["shared_building"].strip(), **({"units": units} if units else {})}
    if form.get("emergency"):  # 应急使用
        body["emergency"] = True
    _, refused = common.write(lambda: g.api.post(g.api.estate(g.user.estate_id, "maintenance-fund/uses"), body,
                                           idempotency_key=_key(form)), fund)
    if refused:
        return refused
    common.done("fund.requested")
    return redirect(url_for("finance.fund", status="requested"))


# the owners' vote on a shared use (业主大会): the form's field, the API's name, whole owners or area in m²
_VOTE = (("area_for", "area_for_m2", False), ("owners_for", "owners_for", True),
         ("area_against", "area_against_m2", False), ("owners_against", "owners_against", True))


def _owners_decision(form):
    """``(the owners' decision's figures, None)`` as typed on the approval (None when none is typed),
    or ``(None, the problem)`` naming a figure that cannot be read."""
    vote = {}
    for field, name, whole in _VOTE:
        typed = form.get(field, "").strip()
        if not typed:
            continue
        try:
            value = Decimal(typed.replace(",", ""))
        except InvalidOperation:
            value = None
        if value is None or not value.is_finite() or value < 0 or (whole and value != value.to_integral_value()):
            return None, _field_problem(field, i18n.translate("error.whole_number" if whole else "error.number"))
        vote[name] = int(value) if whole else float(value.quantize(Decimal("0.01")))
    return vote or None, None


@bp.post("/maintenance-fund/uses/<entry_id>/<decision>")
@estate_needed
def decide_fund_use(entry_id, decision):
    form = request.form
    if decision == "approve":
        # the words the owners' public page shows, as the manager approves them (no names: finance
        # holds none to mask a name typed into the purpose by)
        body = {name: form[name].strip() for name in ("consent_ref", "public_purpose") if form.get(name, "").strip()}
        vote, wrong = _owners_decision(form)
        if wrong:
            return fund(wrong, refused_id=entry_id), 400
        if vote:
            body["owners_decision"] = vote
    elif decision == "reject":
        body = {"reason": form.get("reason", "").strip()}
    else:
        raise ApiProblem(404, i18n.translate("error.http_404"))
    _, refused = common.write(lambda: g.api.post(
        g.api.estate(g.user.estate_id, f"maintenance-fund/uses/{entry_id}/{decision}"), body),
        lambda problem: fund(problem, refused_id=entry_id))
    if refused:
        return refused
    common.done("fund.approved" if decision == "approve" else "fund.rejected")
    return redirect(url_for("finance.fund"))


@bp.get("/maintenance-fund/statement")
@estate_needed
def fund_statement():
    period = request.args.get("period", "").strip()

    def page(statement=None, problem=None):
        return render_template("finance/fund_statement.html", period=period, statement=statement,
                               households=common.household_labels(), problem=problem)

    if not period:
        return page()
    # a period the API refuses (one not begun): said above the form, as typed, as the reports page does
    statement, refused = common.write(
        lambda: g.api.get(g.api.estate(g.user.estate_id, "maintenance-fund/statement"), period=period),
        lambda problem: page(problem=problem))
    return refused or page(statement)


# -- operating expenses and the disclosure ---------------------------------------------------------

@bp.get("/disclosure")
@estate_needed
def disclosure(problem=None):
    """A month's, quarter's or year's disclosure (年度公示, h11), published once it is over; the costs
    are recorded and listed by the month (the list takes a month), so a quarter's or year's page
    lists none and says so."""
    period = request.args.get("period", "").strip() or (request.form.get("period", "").strip())
    expenses, report, published = [], None, []
    if REPORT_PERIOD.match(period):
        if PERIOD.match(period):
            expenses = g.api.get(g.api.estate(g.user.estate_id, "operating-expenses"), period=period,
                                 limit=200).get("items", [])
        report = g.api.get(g.api.estate(g.user.estate_id, "reports/disclosure"), period=period)
        published = g.api.get(g.api.estate(g.user.estate_id, "disclosures"), period=period,
                              limit=common.PAGE_SIZE).get("items", [])
    # a contractor's invoice names it (found by r5 reviewing h5: the month its signing recorded was typed
    # again unrefused from here); every contractor, a retired one's last month's invoice comes late
    contractors = (common.optional_read("contractors", limit=200) or {"items": []})["items"]
    return render_template("finance/disclosure.html", period=period, expenses=expenses, report=report,
                           published=published, a_month=bool(PERIOD.match(period)), contractors=contractors,
                           period_over=REPORT_PERIOD.match(period) and common.period_over(period),
                           categories=OPERATING_CATEGORIES, key=common.form_key(),
                           form=request.form, public_link=_public_link(period) if published else None,
                           problem=problem or common.take_problem())


@bp.post("/operating-expenses")
@estate_needed
def record_expense():
    form = request.form
    amount, wrong = _amount(form)
    if wrong:
        return disclosure(wrong), 400
    body = {"period": form.get("period", "").strip(), "category": form.get("category", ""), "amount_cents": amount,
            "description": form.get("description", "").strip()}
    if form.get("contractor_id", "").strip():  # its invoice of the month: one cost a month (409 else)
        body["contractor_id"] = form["contractor_id"].strip()
    _, refused = common.write(lambda: g.api.post(g.api.estate(g.user.estate_id, "operating-expenses"), body,
                                           idempotency_key=_key(form)), disclosure)
    if refused:
        return refused
    common.done("exp.recorded")
    return redirect(url_for("finance.disclosure", period=body["period"]))


@bp.post("/operating-expenses/<expense_id>/reverse")
@estate_needed
def reverse_expense(expense_id):
    """A cost typed wrong, reversed (冲销) with its reason: it stays listed, the month's totals leave it
    out; a disclosure published with it is corrected by publishing again."""
    return _reverse(f"operating-expenses/{quote(expense_id, safe='')}/reverse",
                    url_for("finance.disclosure", period=request.form.get("period", "").strip()), disclosure,
                    lambda _: common.done("exp.reversed"))


@bp.post("/disclosure/<period>/publish")
@estate_needed
def publish_disclosure(period):
    if not common.confirmed():  # what owners were shown stays published
        return common.refuse_unconfirmed(url_for("finance.disclosure", period=period))
    published, refused = common.write(lambda: g.api.post(
        g.api.estate(g.user.estate_id, f"reports/disclosure/{quote(period, safe='')}/publish"), {}),
        disclosure)
    if refused:
        return refused
    common.done("disc.published", version=published.get("version", ""))
    return redirect(url_for("finance.disclosure", period=period))


def _public_link(period):
    """Where owners read the published disclosure: the owner portal's page of it on the public
    gateway's address (``/portal/{code}/disclosures/{period}``, which the gateway sends on to the
    portal's page), by the estate's code. It was the public route's JSON, escaped Chinese and cents
    (a probe of month-end accounts); that route stays for systems."""
    known = session.get("estate_code") or {}
    code = known.get(g.user.estate_id)
    if not code:
        try:
            code = g.api.get(g.api.estate(g.user.estate_id)).get("code")
        except ApiProblem as problem:
            if problem.status == 401:
                raise
            return None
        session["estate_code"] = {g.user.estate_id: code}  # the estate chosen now; another one asks again
    if not code:
        return None
    base = (current_app.config.get("PUBLIC_GATEWAY_URL") or current_app.config["GATEWAY_URL"]).rstrip("/")
    return f"{base}/portal/{quote(code, safe='')}/disclosures/{quote(period, safe='')}"


# -- the bank's statement matched (银行对账) ----------------------------------------------------------

@bp.get("/bank-statements")
@estate_needed
def bank_statements():
    """The accountant's bank statement matching of a month (银行对账): the estate account's statement
    uploaded (a CSV, ``POST …/bank-statements/import?period=``, followed here by ``?job=``), then its
    lines set against the month's bank journal (``GET …/reports/bank-reconciliation``): the matches
    suggested, confirmed from their row; a line with no entry confirmed as an entry of its money or
    explained (bank interest, a fee); the entries with no line. It was the API's alone (the session
    54 note): the accountant had no page to upload or confirm on."""
    period = common.period_asked(PERIOD, common.this_month)
    job = g.api.get(f"/api/v1/jobs/{request.args['job']}") if request.args.get("job") else None

    def page(report=None, problem=None):
        return render_template("finance/bank_statements.html", period=period, report=report, job=job,
                               candidates=_candidates(report) if report else {}, key=common.form_key(),
                               households=common.household_labels() if report else {},
                               replacing=replacing, problem=problem or common.take_problem())

    replacing = session.pop("bank_replace", None)  # a confirmation the API refused as replacing another
    # a month the API refuses (one not begun, one before the estate's records): said above the form
    report, refused = common.write(
        lambda: g.api.get(g.api.estate(g.user.estate_id, "reports/bank-reconciliation"), period=period),
        lambda problem: page(problem=problem))
    return refused or page(report)


def _candidates(report):
    """Each unmatched line's entries of its money (its direction and amount) left unmatched, the
    nearest day first: what its confirmation offers (another entry is the API's 422)."""
    def apart(line, entry):
        return abs((date.fromisoformat(line["date"]) - date.fromisoformat(entry["day"])).days)
    return {line["id"]: sorted((e for e in report.get("entries_unmatched", [])
                                if e["direction"] == line["direction"] and e["amount_cents"] == line["amount_cents"]),
                               key=lambda e: (apart(line, e), e["day"], e["id"]))
            for line in report.get("lines_unmatched", [])}


def _statement_page():
    return url_for("finance.bank_statements", period=request.form.get("period", "").strip() or None)


@bp.post("/bank-statements/import")
@estate_needed
def import_bank_statement():
    """The month's statement uploaded whole (a CSV the bank exports), then followed on the page
    (``?job=``): uploaded again, the same file or a corrected one replaces the month's lines."""
    period = request.form.get("period", "").strip()
    job, refused = common.uploaded_import("bank-statements/import", common.CSV_ONLY, "ob.wrong_file",
                                          _statement_page(), period=period)
    if refused:
        return refused
    return redirect(url_for("finance.bank_statements", period=period, job=job["id"]))


@bp.post("/bank-statements/lines/<line_id>/confirm")
@estate_needed
def confirm_bank_match(line_id):
    """A suggested match confirmed, or a line with no entry confirmed as an entry of its money."""
    form = request.form
    body = {"entry_id": form.get("entry_id", "").strip()}
    if form.get("replaces") == "yes":  # asked on the page after the API's 409 (below)
        body["replaces"] = True

    def confirm():
        try:
            return g.api.post(g.api.estate(g.user.estate_id, f"bank-statements/lines/{quote(line_id, safe='')}/confirm"),
                              body, idempotency_key=_key(form))
        except ApiProblem as problem:
            # the line confirmed as another entry meanwhile (another tab, another accountant): the
            # page asks whether this one replaces it, never overwriting unasked (found by review r4)
            # the gateway names the body's field as the client sent it, ``replaces`` (the service's
            # data.replaces): the page never asked in the running system (found by review r10 of h10)
            if problem.status == 409 and any(e.get("field") == "replaces" for e in problem.errors or []):
                session["bank_replace"] = {"line_id": line_id, "entry_id": body["entry_id"]}
            raise

    _answer, refused = common.act(confirm, _statement_page())
    if refused:
        return refused
    common.done("bank.confirmed")
    return redirect(_statement_page())


@bp.post("/bank-statements/lines/<line_id>/explain")
@estate_needed
def explain_bank_line(line_id):
    """A line no entry of the journal is: bank interest, a fee, money not the estate's, with its note."""
    form = request.form
    return common.post_and_back(f"bank-statements/lines/{quote(line_id, safe='')}/explain",
                                {"note": form.get("note", "").strip()}, _statement_page(), "bank.explained_now",
                                idempotency_key=_key(form), typed=common.row_form_to_keep(line_id, "explain"))


# -- money collected on behalf of others (代收代缴): per payee, collected, handed on, owed ------------------

PASS_THROUGH_SERVICES = ("gas", "broadband", "water", "electricity", "heating", "cable_tv", "other")  # the API's


@bp.get("/pass-through")
@estate_needed
def pass_through(problem=None, typed_row=None):
    """The payees whose bills the estate collects (gas, broadband, water companies), each with what was collected
    for it (not the estate's income), its handling fees apart (income), what was handed on and what is owed; and
    the forms of its four writes (a payee, its fee, an owner's money at the desk, a month handed on: h4), each
    offered to whom the API lets send it."""
    payees = g.api.get(g.api.estate(g.user.estate_id, "pass-through/payees"), limit=common.PAGE_SIZE,
                       cursor=request.args.get("cursor"))
    collecting = permissions.may("POST", "pass-through/collections")
    return render_template("finance/pass_through.html", payees=payees.get("items", []),
                           next_cursor=payees.get("next_cursor"), filters={}, services=PASS_THROUGH_SERVICES,
                           methods=METHODS, households=common.household_labels() if collecting else {},
                           key=common.form_key(), collect_key=common.form_key(), row_key=common.form_key(),
                           # a row's form refused fills its own row, not the page's forms (as public revenue's)
                           form={} if typed_row else request.form, typed_row=typed_row or {},
                           problem=problem or common.take_problem())


def _fee_cents(form):
    """The handling fee typed in yuan (0 allowed: no fee), or an ApiProblem naming ``fee``."""
    cents = i18n.cents_from_yuan(form.get("fee") or "0")
    if cents is None or cents < 0:
        return None, _field_problem("fee", i18n.translate("error.yuan"))
    return cents, None


def _pass_through_write(path, body, form, done, typed_row=None):
    """A pass-through write sent with the form's key: the page again with the refusal (the row's form filled
    when ``typed_row``), or back to the page saying ``done``."""
    answer, refused = common.write(lambda: g.api.post(g.api.estate(g.user.estate_id, path), body,
                                                      idempotency_key=_key(form)),
                                   lambda problem: pass_through(problem, typed_row))
    if refused:
        return refused
    done(answer or {})
    return redirect(url_for("finance.pass_through"))


@bp.post("/pass-through/payees")
@estate_needed
def create_pass_through_payee():
    form = request.form
    fee, wrong = _fee_cents(form)
    if wrong:
        return pass_through(wrong), 400
    body = {"name": form.get("name", "").strip(), "service": form.get("service", ""), "handling_fee_cents": fee}
    if form.get("note", "").strip():
        body["note"] = form["note"].strip()
    return _pass_through_write("pass-through/payees", body, form, lambda _answer: common.done("ptp.registered"))


@bp.post("/pass-through/payees/<payee_id>/fee")
@estate_needed
def set_pass_through_fee(payee_id):
    form = request.form
    typed = {"payee_id": payee_id, "form": "fee", "fee": form.get("fee", ""), "idempotency_key": _key(form)}
    fee, wrong = _fee_cents(form)
    if wrong:
        return pass_through(wrong, typed), 400
    return _pass_through_write(f"pass-through/payees/{quote(payee_id, safe='')}/fee", {"handling_fee_cents": fee},
                               form, lambda _answer: common.done("ptp.fee_set"), typed)


@bp.post("/pass-through/payees/<payee_id>/remittances")
@estate_needed
def remit_pass_through(payee_id):
    form = request.form
    typed = {"payee_id": payee_id, "form": "remit", "period": form.get("period", ""), "method": form.get("method", ""),
             "note": form.get("note", ""), "idempotency_key": _key(form)}
    body = {"period": form.get("period", "").strip(), "method": form.get("method", "")}
    if form.get("note", "").strip():
        body["note"] = form["note"].strip()
    return _pass_through_write(f"pass-through/payees/{quote(payee_id, safe='')}/remittances", body, form,
                               lambda answer: common.done("ptp.remitted_now"), typed)


@bp.post("/pass-through/collections")
@estate_needed
def record_pass_through_collection():
    form = request.form
    household_id, wrong = household_id_of(form.get("household"), "household_id")
    amount, wrong_amount = _amount(form)
    if wrong or wrong_amount:
        return pass_through(wrong or wrong_amount), 400
    body = {"payee_id": form.get("payee_id", ""), "household_id": household_id, "amount_cents": amount,
            "method": form.get("method", "")}
    if form.get("reference", "").strip():
        body["reference"] = form["reference"].strip()
    return _pass_through_write("pass-through/collections", body, form,
                               lambda answer: common.done("pay.taken", number=answer.get("receipt_number") or ""))


# -- public revenue (公共收益): the contracts of the common parts' use and the income received ----------

PUBLIC_REVENUE_KINDS = ("advertising", "parking", "lockers_vending", "room_lease", "recycling", "other")
REVENUE_PERIOD_MONTHS = (1, 3, 6, 12)


@bp.get("/public-revenue")
@estate_needed
def public_revenue(problem=None, typed_row=None):
    """The register of the common parts' contracts (advertising, parking, lockers...), the receipts against
    them with the operator's share and the owners' part (into the maintenance fund), and the contracts
    overdue; the accountant and management register and receive (the API decides)."""
    filters = common.query("kind")
    contracts = g.api.get(g.api.estate(g.user.estate_id, "public-revenue/contracts"), limit=common.PAGE_SIZE,
                          cursor=request.args.get("cursor"), **filters)
    receipts = g.api.get(g.api.estate(g.user.estate_id, "public-revenue/receipts"), limit=common.PAGE_SIZE,
                         **filters).get("items", [])
    arrears = g.api.get(g.api.estate(g.user.estate_id, "public-revenue/arrears"))
    return render_template("finance/public_revenue.html", contracts=contracts.get("items", []),
                           next_cursor=contracts.get("next_cursor"), receipts=receipts, arrears=arrears,
                           filters=filters, kinds=PUBLIC_REVENUE_KINDS, period_months=REVENUE_PERIOD_MONTHS,
                           methods=METHODS, key=common.form_key(), receipt_key=common.form_key(),
                           # a row's receipt refused fills its own row, not the register form (r9 reviewing h9)
                           form={} if typed_row else request.form, typed_row=typed_row or {},
                           problem=problem or common.take_problem())


@bp.post("/public-revenue/contracts")
@estate_needed
def register_revenue_contract():
    form = request.form
    amount, wrong = _amount(form)
    if wrong:
        return public_revenue(wrong), 400
    body = {"kind": form.get("kind", ""), "counterparty": form.get("counterparty", "").strip(),
            "location": form.get("location", "").strip(), "starts_on": form.get("starts_on", "").strip(),
            "ends_on": form.get("ends_on", "").strip(), "period_months": int(form.get("period_months") or 1)
            if (form.get("period_months") or "1").isdigit() else form.get("period_months"), "amount_cents": amount}
    _, refused = common.write(lambda: g.api.post(g.api.estate(g.user.estate_id, "public-revenue/contracts"), body,
                                                 idempotency_key=_key(form)), public_revenue)
    if refused:
        return refused
    common.done("prv.registered")
    return redirect(url_for("finance.public_revenue"))


@bp.post("/public-revenue/contracts/<contract_id>/receipts")
@estate_needed
def record_revenue_receipt(contract_id):
    form = request.form
    typed = {"contract_id": contract_id, "amount": form.get("amount", ""), "method": form.get("method", ""),
             "note": form.get("note", ""), "idempotency_key": _key(form)}
    amount, wrong = _amount(form)
    if wrong:
        return public_revenue(wrong, typed), 400
    body = {"amount_cents": amount, "method": form.get("method", "")}
    path = f"public-revenue/contracts/{quote(contract_id, safe='')}/receipts"
    answer, refused = common.write(lambda: g.api.post(g.api.estate(g.user.estate_id, path), body,
                                                      idempotency_key=_key(form)),
                                   lambda problem: public_revenue(problem, typed))
    if refused:
        return refused
    # the fund refused the owners' part: booked in the journal, not in the fund, for a manager to reverse (h3)
    common.done("prv.fund_refused_now" if (answer or {}).get("status") == "fund_refused" else "prv.received")
    return redirect(url_for("finance.public_revenue"))


@bp.post("/public-revenue/receipts/<receipt_id>/reverse")
@estate_needed
def reverse_revenue_receipt(receipt_id):
    """A receipt typed wrong taken back (冲正) by a manager, with the reason: a reversing entry of his journal,
    the owners' part out of the maintenance fund again; 422 once approved uses took it."""
    return _reverse(f"public-revenue/receipts/{quote(receipt_id, safe='')}/reverse", url_for("finance.public_revenue"),
                    public_revenue, lambda _answer: common.done("prv.reversed"))


@bp.post("/public-revenue/contracts/<contract_id>/refund")
@estate_needed
def refund_revenue_contract(contract_id):
    """The money received for the periods after a contract's early end paid back by a manager, saying why,
    once its box is ticked (h5)."""
    form = request.form
    return _contract_step(contract_id, "refund", {"method": form.get("method", ""),
                                                   "reason": form.get("reason", "").strip()}, "prv.refunded")


@bp.post("/public-revenue/contracts/<contract_id>/terminate")
@estate_needed
def terminate_revenue_contract(contract_id):
    """A contract ended early (its last day) or, with no day, cancelled as registered wrong, by a manager,
    saying why, once its box is ticked."""
    form = request.form
    body = {"reason": form.get("reason", "").strip()}
    if form.get("ends_on", "").strip():
        body["ends_on"] = form["ends_on"].strip()
    return _contract_step(contract_id, "terminate", body, "prv.terminated")


def _contract_step(contract_id, step, body, done):
    """A manager's step on a public revenue contract (refund, terminate) once its box is ticked: sent
    with the form's key, the page again with the refusal, or back to the list saying ``done``."""
    back = url_for("finance.public_revenue")
    if not common.confirmed():
        return common.refuse_unconfirmed(back)
    _, refused = common.write(lambda: g.api.post(
        g.api.estate(g.user.estate_id, f"public-revenue/contracts/{quote(contract_id, safe='')}/{step}"), body,
        idempotency_key=_key(request.form)), public_revenue)
    if refused:
        return refused
    common.done(done)
    return redirect(back)
