"""Accounts: bills and arrears with filters, taking a payment, the printable receipt (and its invoices), the
billing run, fee standards with whom they apply to. More finance screens: finance_extra.py."""
import re
from datetime import datetime, time as dtime, timezone
from urllib.parse import quote

from flask import Blueprint, g, jsonify, redirect, render_template, request, session, url_for

from estate_common.bill_payers import DEVELOPER

from .. import i18n, permissions
from ..gateway_api import ApiProblem
from ..signin import estate_needed
from . import common

bp = Blueprint("accounts", __name__, url_prefix="/accounts")

ITEMS = ("property_service", "parking", "renovation_management", "renovation_deposit", "repair", "paid_service")
METHODS = ("cash", "wechat", "alipay", "bank", "transfer")


@bp.get("/bills")
@estate_needed
def bills():
    filters = common.query("status", "period", "item", "household_id", "payer")
    page = g.api.get(g.api.estate(g.user.estate_id, "bills"), limit=common.PAGE_SIZE,
                     cursor=request.args.get("cursor"), **filters)
    return render_template("accounts/bills.html", items=page.get("items", []), next_cursor=page.get("next_cursor"),
                           filters=filters, fee_items=ITEMS, households=common.household_labels(),
                           application_of=application_of,
                           problem=common.take_problem())


@bp.get("/arrears")
@estate_needed
def arrears():
    # as_of: the arrears at the end of a past day (31 December, carried into the new year)
    filters = common.query("as_of")
    page = g.api.get(g.api.estate(g.user.estate_id, "arrears"), limit=common.PAGE_SIZE,
                     cursor=request.args.get("cursor"), **filters)
    return render_template("accounts/arrears.html", items=page.get("items", []), next_cursor=page.get("next_cursor"),
                           filters=filters, channels=REMINDER_CHANNELS, key=common.form_key(),
                           problem=common.take_problem())


@bp.get("/payments/new")
@estate_needed
def new_payment():
    return _payment_page(request.args.get("household_id", ""))


def _payment_page(household_id, problem=None, same=None):
    """The take-payment form; after a refusal, with what was typed (``request.form``) and the
    problem beside its field (a redirect lost the method, the note and the ticked bills)."""
    search = common.query("building", "unit", "room")
    households = common.households_matching(**search) if search else []
    unpaid = []
    if household_id:
        unpaid = g.api.get(g.api.estate(g.user.estate_id, "bills"), household_id=household_id, status="unpaid",
                           limit=200).get("items", [])
    typed = request.form if problem else {}
    # the bills a page sent the payer here for (an application's fees, a bill's row: ``?bill_id=``),
    # ticked, their sum the amount: the form named none, and the money for a renovation's fees settled
    # older arrears first (a probe of the steward's month); a form for the household alone ticks none
    # or an application's fees, from a row of one of its bills (``?application_id=``): its unpaid bills
    # by their own source, as the cashier may not read the application (found by h4)
    application, sent_for = request.args.get("application_id", ""), set(request.args.getlist("bill_id"))
    asked = [] if problem else [bill for bill in unpaid if bill["id"] in sent_for
                                or (application and application_of(bill) == application)]
    ticked = set(typed.getlist("bill_id")) if typed else {bill["id"] for bill in asked}
    amount = i18n.yuan_text(sum(bill["amount_cents"] - bill["paid_cents"] for bill in asked)) if asked else None
    # the flat the money is for, by its address and owner: the form named none, its totals and bills
    # alone, when the cashier came from a bill's row (a probe of the repair chain)
    household = common.household_or_none(household_id) if household_id else None
    return render_template("accounts/new_payment.html", search=search, households=households,
                           household_id=household_id, household=household,
                           unpaid=unpaid, methods=METHODS, key=common.form_key(), fee_items=ITEMS,
                           account=household_account(household_id),
                           form=typed, ticked=ticked, amount=amount, same=same,
                           problem=problem or common.take_problem())


# the subject of a charge an application raised (customer service's renovation and move-in fees)
APPLICATION_SUBJECT = "renovation_application"


def application_of(bill):
    """The application whose fee ``bill`` is (its source a charge on a ``renovation_application``),
    or None: read from the bill itself, which the cashier reads, not from the application."""
    source = bill.get("source") or {}
    subject = source.get("subject") or {}
    if source.get("kind") == "charge" and subject.get("type") == APPLICATION_SUBJECT and subject.get("id"):
        return subject["id"]
    return None


def household_account(household_id):
    """The household's account (its unpaid total, prepaid balance, a range's bills and payments)
    for a page that shows it beside something else; None for a role that may not read it, or when
    it cannot be read now (the page shows without it). The prepaid balance was shown only on the
    receipt that made it: the payment form said "no unpaid bills, the payment becomes prepaid"
    and never how much was prepaid already (a probe of month-end accounts).

    Its totals are the account now, whatever the range (the contract says so): the range asked
    is one month, the least the API lists, not the default year of bills and payments no page
    here shows (review)."""
    if not household_id or not permissions.may("GET", "households/{household_id}/account"):
        return None
    month = common.this_month()
    account = common.optional_read(_account_path(household_id), **{"from": month, "to": month})
    return account if isinstance(account, dict) and "unpaid_cents" in account else None


def _account_path(household_id):
    return f"households/{quote(household_id, safe='')}/account"


HOUSEHOLD_CYCLES = ("monthly", "quarterly", "half_yearly", "yearly")


@bp.get("/households/<household_id>/statement")
@estate_needed
def statement(household_id, problem=None):
    """A household's statement (对账单), printable: what it owes and has prepaid now, and its bills
    and payments of the months asked for (the last 12 by default); a seller's prepaid money held at a
    sale, with its refund and carry-over (``seller_prepaid``); beside it, the household's own billing
    cycle of the property service fee (缴费周期: 按季 / 按年缴费), set here by those who set fees."""
    months = {} if problem else common.query("from", "to")
    household = common.household_or_none(household_id)
    try:
        account = g.api.get(g.api.estate(g.user.estate_id, _account_path(household_id)), **months)
    except ApiProblem as problem:
        if problem.status not in (400, 422):  # a range typed wrong is shown with the form; the rest as any page's
            raise
        return render_template("accounts/statement.html", account=None, household=household,
                               household_id=household_id, months=months, problem=problem,
                               **_cycle_of(household_id)), problem.status
    return render_template("accounts/statement.html", account=account, household=household,
                           household_id=household_id, months=months, problem=problem or common.take_problem(),
                           methods=METHODS, key=common.form_key(), refund_methods=_refund_methods(account),
                           **_cycle_of(household_id))


def _refund_methods(account):
    """Each held seller's prepaid money's refund method by default: the method of the payments it
    came from where they share one (cash back as cash, a bank payment to the bank), a payment older
    than the statement's months read by itself; None where they differ or one cannot be read, the
    accountant choosing (review r2: the form said cash whatever was paid)."""
    defaults = {}
    if not permissions.may("POST", "seller-prepaid/{hold_id}/refund"):
        return defaults  # no refund form: nothing read for it
    known = {p.get("id"): p.get("method") for p in account.get("payments") or () if isinstance(p, dict)}
    for hold in account.get("seller_prepaid") or ():
        if not isinstance(hold, dict) or hold.get("status") != "held":
            continue
        methods = set()
        for part in hold.get("payments") or ():
            payment_id = part.get("payment_id")
            if payment_id not in known:
                payment = common.optional_read(f"payments/{quote(str(payment_id), safe='')}")
                known[payment_id] = payment.get("method") if isinstance(payment, dict) else None
            methods.add(known[payment_id])
        defaults[hold.get("id")] = methods.pop() if len(methods) == 1 and None not in methods else None
    return defaults


def _seller_prepaid_step(hold_id, step, body, notice):
    """A seller's prepaid money refunded or carried over, once its box is ticked; back to the
    household's statement (a refusal shown there)."""
    form = request.form
    household_id = form.get("household_id", "")
    back = url_for("accounts.statement", household_id=household_id)
    if not common.confirmed():
        return common.refuse_unconfirmed(back)
    path = g.api.estate(g.user.estate_id, f"seller-prepaid/{quote(hold_id, safe='')}/{step}")
    hold, refused = common.write(lambda: g.api.post(path, body, idempotency_key=form.get("idempotency_key") or None),
                                 lambda problem: statement(household_id, problem=problem))
    if refused:
        return refused
    common.done(notice, amount=i18n.money(hold.get("amount_cents")))
    return redirect(back)


@bp.post("/seller-prepaid/<hold_id>/refund")
@estate_needed
def refund_seller_prepaid(hold_id):
    body = {"method": request.form.get("method", "")}
    if request.form.get("note", "").strip():
        body["note"] = request.form["note"].strip()
    return _seller_prepaid_step(hold_id, "refund", body, "acct.seller_refunded")


@bp.post("/seller-prepaid/<hold_id>/carry-over")
@estate_needed
def carry_over_seller_prepaid(hold_id):
    return _seller_prepaid_step(hold_id, "carry-over", {"reason": request.form.get("reason", "").strip()},
                                "acct.seller_carried_over")


def _cycle_of(household_id):
    """What the statement shows of the household's billing cycle (``GET …/billing-cycles``), and its
    form for those who set it; nothing for a role that reads neither."""
    if not permissions.may("GET", "billing-cycles"):
        return {"cycle": None, "cycles_shown": False}
    page = common.optional_read("billing-cycles", household_id=household_id, item="property_service")
    items = (page or {}).get("items") or []
    return {"cycle": items[0] if items else None, "cycles_shown": page is not None,
            "cycle_choices": HOUSEHOLD_CYCLES, "cycle_key": common.form_key(), "this_month": common.this_month()}


@bp.post("/households/<household_id>/billing-cycle")
@estate_needed
def set_billing_cycle(household_id):
    """The household pays the property service fee by its own cycle from a month (``POST …/billing-cycles``);
    a refusal (a month its bills cover already) shown on the statement beside the field."""
    form = request.form
    body = {"household_id": household_id, "item": "property_service", "cycle": form.get("cycle", ""),
            "valid_from": form.get("valid_from", "").strip()}
    return common.post_and_back("billing-cycles", body, url_for("accounts.statement", household_id=household_id),
                                "hcycle.saved", idempotency_key=form.get("idempotency_key") or None)


@bp.post("/payments")
@estate_needed
def create_payment():
    form = request.form
    household_id = form.get("household_id", "")
    amount = i18n.cents_from_yuan(form.get("amount"))
    if amount is None:
        refused = ApiProblem(400, i18n.translate("error.yuan"),
                             errors=[{"field": "amount_cents", "message": i18n.translate("error.yuan")}])
        return _payment_page(household_id, refused), 400
    body = {"household_id": form.get("household_id", ""), "amount_cents": amount, "method": form.get("method", "")}
    # the channel's own number of the payment (WeChat Pay's transaction_id, a bank's reference), which the
    # month's reconciliation against the channel's statement matches by; cash has none, and the API
    # refuses one (400): said here beside its field, before any call
    transaction = common.code_typed(form.get("transaction_id", ""))  # full-width, in groups: as the API reads it
    if transaction and body["method"] == "cash":
        message = i18n.translate("pay.transaction_cash")
        refused = ApiProblem(400, message, errors=[{"field": "transaction_id", "message": message}])
        return _payment_page(household_id, refused), 400
    if transaction:
        body["transaction_id"] = transaction
    bill_ids = form.getlist("bill_id")
    if bill_ids:
        body["bill_ids"] = bill_ids
    if form.get("note", "").strip():
        body["note"] = form["note"].strip()
    # 预交: what the money is for, whose bills alone it pays (now and later); not chosen: any bill
    if form.get("prepaid_for"):
        body["prepaid_for"] = form["prepaid_for"]
    # the same money entered twice in a rush (two forms, two keys) became prepaid money unnoticed (h5's
    # probe): asked before it is posted again, the form as typed, its key kept (confirmed: posted once)
    # a form sent again with a key this session posted (the browser's Back, then Send) is that payment,
    # which the API answers again: not a second one to ask about
    key = form.get("idempotency_key") or None
    asked = form.get("same_payment_confirmed") != "yes" and key not in session.get(PAYMENT_KEYS, [])
    earlier = same_payment_today(body) if asked else None
    if earlier:
        message = i18n.translate("pay.same_payment", number=earlier.get("receipt_number") or "",
                                 at=i18n.when(earlier.get("posted_at")))
        refused = ApiProblem(409, message, errors=[{"field": "same_payment_confirmed", "message": message}])
        return _payment_page(household_id, refused, same=earlier), 409
    payment, refused = common.write(lambda: g.api.post(g.api.estate(g.user.estate_id, "payments"), body,
                                                       idempotency_key=key),
                                    lambda problem: _payment_page(household_id, problem))
    if refused:
        return refused
    if key:
        session[PAYMENT_KEYS] = ([k for k in session.get(PAYMENT_KEYS, []) if k != key] + [key])[-PAYMENT_KEYS_KEPT:]
    common.done("pay.taken", number=payment.get("receipt_number", ""))
    return redirect(url_for("accounts.receipt", payment_id=payment["id"]))


SAME_PAYMENT_READ = 200  # the household's payments posted today read for the same one (one page)
PAYMENT_KEYS = "payment_keys"  # the keys of the payments this session posted, the latest last
PAYMENT_KEYS_KEPT = 20


def same_payment_today(body):
    """The household's payment posted today (the estate's day) by this cashier with the same amount and
    method, the latest, or None: the console asks before posting it again. The API takes each key's
    payment as sent (an integrator's, an owner app's: two identical payments may be two), so the
    question is the console's, before the call; a list that cannot be read asks nothing."""
    zone = i18n.display_zone()
    start = datetime.combine(datetime.now(zone).date(), dtime(), zone)
    found = common.optional_read("payments", household_id=body["household_id"], status="posted",
                                 updated_since=start.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
                                 limit=SAME_PAYMENT_READ)
    today = start.date().isoformat()
    same = [p for p in (found or {}).get("items", [])
            if p.get("amount_cents") == body["amount_cents"] and p.get("method") == body["method"]
            and p.get("cashier") == g.user.username and p.get("day") == today]
    return max(same, key=lambda p: p.get("posted_at") or "", default=None)


@bp.get("/payments/<item_id>")
@estate_needed
def payment(item_id):
    """A payment's own page is its receipt (the payments register links here)."""
    return redirect(url_for("accounts.receipt", payment_id=item_id))


@bp.get("/payments/<payment_id>/receipt")
@estate_needed
def receipt(payment_id):
    payment = g.api.get(g.api.estate(g.user.estate_id, f"payments/{payment_id}"))
    household = common.household_or_none(payment["household_id"])
    bills = {}
    for line in (payment.get("receipt") or {}).get("bills", []):
        try:  # what each line paid for (item and period), for the payer to read
            bills[line["bill_id"]] = g.api.get(g.api.estate(g.user.estate_id, f"bills/{line['bill_id']}"))
        except ApiProblem:
            pass
    return render_template("accounts/receipt.html", payment=payment, household=household, bills=bills,
                           owed_after=owed_after_lines(payment, bills),
                           problem=common.take_problem(), invoices=payment_invoices(payment_id),
                           invoice_typed=common.row_typed(payment_id, "invoice"),
                           invoice_key=common.form_key(), reverse_key=common.form_key(),
                           household_label=common.household_label(household))


def owed_after_lines(payment, bills):
    """``{bill_id: cents}`` the receipt says each of its bills still owed after the payment: as it
    was written when issued (``owed_after_cents``), where the bill as it is now said otherwise once
    an earlier payment of it was reversed and the bill paid again (a probe of the accountant's month
    close); from the bill for a receipt issued before (``owed_after``). A payment reversed since
    says none."""
    if payment.get("status") == "reversed":
        return {}
    written = {line["bill_id"]: line["owed_after_cents"] for line in (payment.get("receipt") or {}).get("bills", [])
               if line.get("owed_after_cents") is not None}
    return {bill_id: written[bill_id] if bill_id in written else owed_after(bill, payment["id"])
            for bill_id, bill in bills.items()}


def owed_after(bill, payment_id):
    """What ``bill`` still owed once ``payment_id`` paid toward it: its amount less its allocations
    up to and including that payment's, in the order the bill took them (a later payment does not
    count; a payment reversed since has none: ``None``). A partial payment's receipt said only what
    it paid (a probe of the accounts' month end)."""
    paid = 0
    for allocation in bill.get("allocations") or []:
        paid += allocation["amount_cents"]
        if allocation.get("payment_id") == payment_id:
            return max(bill["amount_cents"] - paid, 0)
    return None


def payment_invoices(payment_id):
    """The payment's invoices (发票, requested and voided on its receipt page); [] when they cannot be read."""
    return (common.optional_read("invoices", payment_id=payment_id, limit=common.PAGE_SIZE) or {}).get("items", [])


@bp.post("/payments/<payment_id>/reverse")
@estate_needed
def reverse_payment(payment_id):
    return _reversed(payment_id, f"payments/{payment_id}/reverse", "pay.reversed")


@bp.post("/opening-credits/<payment_id>/reverse")
@estate_needed
def reverse_opening_credit(payment_id):
    """An opening credit (期初预收) recorded wrong, reversed as a credit (no journal entry): a reason
    and the box ticked, as a payment's reversal (found by review r3: it could not be corrected)."""
    return _reversed(payment_id, f"opening-credits/{payment_id}/reverse", "oc.reversed")


def _reversed(payment_id, path, done_message):
    back = url_for("accounts.receipt", payment_id=payment_id)
    # the API takes a payment's reversal without a reason; the console asks for one, and for the box
    # that says it cannot be undone (a reversal was one click: found by a probe)
    reason = request.form.get("reason", "").strip()
    typed = common.row_form_to_keep(payment_id, "reverse")
    if not reason:
        message = i18n.translate("pay.reason_needed")
        common.show_problem(ApiProblem(400, message, errors=[{"field": "reason", "message": message}]))
        common.keep_typed(payment_id, "reverse")
        return redirect(back)
    if not common.confirmed():
        return common.refuse_unconfirmed(back, typed)
    # a refusal (a settled day) comes back with the reason typed (it came back empty: a probe)
    return common.post_and_back(path, {"reason": reason}, back, done_message,
                                idempotency_key=request.form.get("idempotency_key") or None, typed=typed)


CYCLES = ("monthly", "quarterly", "yearly", "per_charge")


@bp.get("/fee-standards")
@estate_needed
def fee_standards(problem=None, refused_id=None, form=None):
    page = g.api.get(g.api.estate(g.user.estate_id, "fee-standards"), limit=common.PAGE_SIZE,
                     cursor=request.args.get("cursor"))
    items = page.get("items", [])
    households = common.household_labels()
    if form is None:
        # "new version of…": the create form filled from a standard of the page, to change who it applies to
        source = next((f for f in items if f.get("id") == request.args.get("from")), None)
        form = _standard_as_form(source, households) if source else _form_as_dict(request.form)
        # "correct the price of…" (更正): the same standard's months and households, its price to change
        corrected = next((f for f in items if f.get("id") == request.args.get("correct")
                          and f.get("status") == "approved"), None)
        if corrected:
            form = _standard_as_form(corrected, households) | {"corrects": corrected["id"],
                                                                "valid_from": corrected["valid_from"]}
    return render_template("accounts/fee_standards.html", items=items,
                           next_cursor=page.get("next_cursor"), filters={}, fee_items=ITEMS, cycles=CYCLES,
                           statuses=HOUSEHOLD_STATUSES, key=common.form_key(), form=form,
                           households=households, refused_id=refused_id,
                           problem=problem or common.take_problem())


HOUSEHOLD_STATUSES = ("vacant", "occupied", "renovating")
LABEL = re.compile(r"^([^-_\s]+)-([^-_\s]+)-([^-_\s]+)$")  # building-unit-room, as the screens write a household


def _form_as_dict(form):
    values = {name: form.get(name, "") for name in ("item", "name", "basis", "price", "cycle", "valid_from",
                                                     "min_area", "max_area", "households", "idempotency_key",
                                                     "corrects")}
    values["statuses"] = form.getlist("statuses")
    return values


def _standard_as_form(standard, labels):
    applies = standard.get("applies_to") or {}
    area = standard.get("basis") == "area"
    price = standard.get("unit_price_cents_per_m2") if area else standard.get("amount_cents")
    return {"item": standard.get("item", ""), "name": standard.get("name") or "", "basis": standard.get("basis"),
            "price": i18n.yuan_text(price) if price is not None else "", "cycle": standard.get("cycle", ""),
            "valid_from": "", "statuses": list(applies.get("statuses") or []),
            "min_area": _area_text(applies.get("min_area_m2")), "max_area": _area_text(applies.get("max_area_m2")),
            "households": "\n".join(labels.get(h) or h for h in applies.get("household_ids") or [])}


def _area_text(value):
    if value is None:
        return ""
    return str(int(value)) if float(value) == int(value) else str(value)


def _field_problem(field, message):
    return ApiProblem(400, message, errors=[{"field": field, "message": message}])


def _applies_to(form):
    """The ``applies_to`` of the form (statuses, area range, households), or an ApiProblem naming its field.
    Households are written as their ids or building-unit-room, one a line or comma separated."""
    applies = {}
    statuses = [s for s in form.getlist("statuses") if s]
    if statuses:
        applies["statuses"] = statuses
    for name, key in (("min_area", "min_area_m2"), ("max_area", "max_area_m2")):
        try:
            number = common.number_typed(form.get(name))
        except ValueError:
            return None, _field_problem(f"applies_to.{key}", i18n.translate("fee.area_invalid"))
        if number is not None:
            applies[key] = number
    ids = []
    for token in re.split(r"[\s,，、;；]+", form.get("households", "").strip()):
        if not token:
            continue
        found = LABEL.match(token)
        if found:
            building, unit, room = found.groups()
            matches = common.households_at(building, unit, room)
            if len(matches) != 1:
                return None, _field_problem("applies_to.household_ids",
                                            i18n.translate("fee.household_unknown", household=token))
            token = matches[0]["id"]
        if token not in ids:
            ids.append(token)
    if ids:
        applies["household_ids"] = ids
    return applies, None


@bp.post("/fee-standards")
@estate_needed
def create_fee_standard():
    form = request.form
    body = {"item": form.get("item", ""), "cycle": form.get("cycle", "")}
    price = i18n.cents_from_yuan(form.get("price"))
    if price is None:
        return fee_standards(_field_problem("price", i18n.translate("error.yuan"))), 400
    # the price is per m² and month (area basis) or per household and cycle (fixed)
    body["unit_price_cents_per_m2" if form.get("basis") == "area" else "amount_cents"] = price
    for name in ("name", "valid_from"):
        if form.get(name, "").strip():
            body[name] = form[name].strip()
    if form.get("corrects", "").strip():  # 更正: the months and households are the corrected standard's
        body["corrects"] = form["corrects"].strip()
        body.pop("valid_from", None)
        return common.post_or_show("fee-standards", body, lambda problem: (fee_standards(problem), problem.status),
                                   "fee.created", url_for("accounts.fee_standards"),
                                   idempotency_key=form.get("idempotency_key") or None)
    applies, wrong = _applies_to(form)
    if wrong:
        return fee_standards(wrong), 400
    if applies:
        body["applies_to"] = applies
    return common.post_or_show("fee-standards", body, lambda problem: (fee_standards(problem), problem.status),
                               "fee.created", url_for("accounts.fee_standards"),
                               idempotency_key=form.get("idempotency_key") or None)


@bp.post("/fee-standards/<standard_id>/reject")
@estate_needed
def reject_fee_standard(standard_id):
    """A pending standard turned down or withdrawn, with the reason: one refused as overlapping
    stayed pending for good, still approvable (a probe)."""
    return common.post_and_back(f"fee-standards/{standard_id}/reject",
                                {"reason": request.form.get("reason", "").strip()},
                                url_for("accounts.fee_standards"), "fee.rejected")


@bp.post("/fee-standards/<standard_id>/approve")
@estate_needed
def approve_fee_standard(standard_id):
    try:
        g.api.post(g.api.estate(g.user.estate_id, f"fee-standards/{standard_id}/approve"), {})
    except ApiProblem as problem:
        if problem.status >= 500 or problem.status == 401:
            raise
        # an overlapping standard (409): the refusal is shown on the row of the standard refused
        return fee_standards(problem, refused_id=standard_id, form=_form_as_dict(request.form)), problem.status
    common.done("fee.approved")
    return redirect(url_for("accounts.fee_standards"))


@bp.get("/billing-runs")
@estate_needed
def billing_run(problem=None):
    # a month asked of the page (the start page's month not billed yet) is the form's period
    asked = request.args.get("period", "")
    form = request.form if request.method == "POST" or not common.MONTH.match(asked) else {"period": asked}
    return render_template("accounts/billing_run.html", key=common.form_key(),
                           problem=problem or common.take_problem(), job=None, form=form)


@bp.post("/billing-runs")
@estate_needed
def start_billing_run():
    form = request.form
    # refused, the form comes back with the period typed (a redirect lost it: found by review)
    job, refused = common.write(lambda: g.api.post(g.api.estate(g.user.estate_id, "billing-runs"),
                                                   {"period": form.get("period", "").strip()},
                                                   idempotency_key=form.get("idempotency_key") or None), billing_run)
    if refused:
        return refused
    return redirect(url_for("accounts.billing_run_progress", job_id=job["id"]))


@bp.get("/billing-runs/<job_id>")
@estate_needed
def billing_run_progress(job_id):
    job = g.api.get(f"/api/v1/jobs/{job_id}")
    return render_template("accounts/billing_run.html", job=job, key=common.form_key(), form={}, problem=None)


@bp.get("/jobs/<job_id>.json")
@estate_needed
def job_state(job_id):
    """What static/console.js polls to move the progress bar (the job as the gateway shows it)."""
    try:
        job = g.api.get(f"/api/v1/jobs/{job_id}")
    except ApiProblem as problem:
        return jsonify({"error": i18n.problem_title(problem), "detail": i18n.problem_detail(problem)}), problem.status
    progress = job.get("progress") or {}
    return jsonify({"status": job.get("status"), "done": progress.get("done", 0), "total": progress.get("total"),
                    "status_label": i18n.label("job", job.get("status")), "result": job.get("result"),
                    "error": job.get("error")})


# -- opening balances (期初欠费): what owners owed the previous property company, carried over --------

@bp.get("/opening-balances")
@estate_needed
def opening_balances(problem=None):
    """The opening balances carried over when the estate was taken on (bills of source
    ``opening_balance``), and the form that carries one more over: the flat by its address, as the
    previous company's arrears list (移交欠费清单) names it, the fee item, the month, the amount and the
    line of the list (found by a probe of taking on an estate: the arrears were kept in a spreadsheet)."""
    page = g.api.get(g.api.estate(g.user.estate_id, "bills"), source="opening_balance", limit=common.PAGE_SIZE,
                     cursor=request.args.get("cursor"))
    job = g.api.get(f"/api/v1/jobs/{request.args['job']}") if request.args.get("job") else None
    # what owners had paid the previous company in advance (期初预收), handed over on the same page
    credits = g.api.get(g.api.estate(g.user.estate_id, "payments"), kind="opening_credit", limit=common.PAGE_SIZE)
    credit_job = (g.api.get(f"/api/v1/jobs/{request.args['credit_job']}") if request.args.get("credit_job")
                  else None)
    return render_template("accounts/opening_balances.html", items=page.get("items", []), job=job,
                           credits=credits.get("items", []), credit_job=credit_job,
                           next_cursor=page.get("next_cursor"), fee_items=ITEMS, households=common.household_labels(),
                           key=common.form_key(), form=request.form if problem else {},
                           problem=problem or common.take_problem())


@bp.post("/opening-balances")
@estate_needed
def record_opening_balance():
    form = request.form
    amount = i18n.cents_from_yuan(form.get("amount"))
    if amount is None:
        return opening_balances(ApiProblem(400, i18n.translate("error.yuan"), errors=[
            {"field": "amount", "message": i18n.translate("error.yuan")}])), 400
    found = common.households_matching(form.get("building", ""), form.get("unit", ""), form.get("room", ""),
                                       exact_room=True) if form.get("room", "").strip() else []
    if len(found) != 1:
        message = i18n.translate("ob.no_such_flat" if not found else "ob.several_flats")
        return opening_balances(ApiProblem(422, message, errors=[{"field": "room", "message": message}])), 422
    body = {"household_id": found[0]["id"], "item": form.get("item", ""), "period": form.get("period", "").strip(),
            "amount_cents": amount, "reference": form.get("reference", "").strip()}
    if form.get("note", "").strip():
        body["note"] = form["note"].strip()
    _, refused = common.write(lambda: g.api.post(g.api.estate(g.user.estate_id, "opening-balances"), body,
                                                 idempotency_key=form.get("idempotency_key") or None),
                              opening_balances)
    if refused:
        return refused
    common.done("ob.recorded")
    return redirect(url_for("accounts.opening_balances"))


@bp.post("/opening-balances/import")
@estate_needed
def import_opening_balances():
    """The previous company's arrears list uploaded whole (a CSV: ``POST …/opening-balances/import``),
    then followed on this page (``?job=``) to its refused lines (found by the session's note: they
    arrived one at a time)."""
    job, refused = common.uploaded_import("opening-balances/import", common.CSV_ONLY, "ob.wrong_file",
                                          url_for("accounts.opening_balances"))
    if refused:
        return refused
    return redirect(url_for("accounts.opening_balances", job=job["id"]))


@bp.post("/opening-credits/import")
@estate_needed
def import_opening_credits():
    """The previous company's list of owners' prepayments (期初预收) uploaded whole (a CSV:
    ``POST …/opening-credits/import``), then followed on the opening balances' page (``?credit_job=``)."""
    job, refused = common.uploaded_import("opening-credits/import", common.CSV_ONLY, "ob.wrong_file",
                                          url_for("accounts.opening_balances"))
    if refused:
        return refused
    return redirect(url_for("accounts.opening_balances", credit_job=job["id"]))


REMINDER_CHANNELS = ("phone", "sms", "letter", "visit", "app", "notice")


@bp.post("/arrears/reminders")
@estate_needed
def send_reminder():
    form = request.form
    back = url_for("accounts.arrears")
    body = {"household_id": form.get("household_id", ""), "channel": form.get("channel", "")}
    if form.get("note", "").strip():
        body["note"] = form["note"].strip()
    if form.get("payer") == DEVELOPER:  # the developer's overdue bills (开发建设单位); none named: the owner's
        body["payer"] = DEVELOPER
    # sent again (a reload, a double click), the key records one reminder: two read as two calls
    # made to the household, on its arrears record and in the archive
    return common.post_and_back("arrears/reminders", body, back, "arrears.reminded_now",
                                idempotency_key=form.get("idempotency_key") or None,
                                typed=common.row_form_to_keep(body["household_id"], "remind"))


@bp.get("/reports")
@estate_needed
def reports():
    """The reconciliation and disclosure reports of a month, quarter or year, as the API computes them,
    to print."""
    period = request.args.get("period", "").strip()
    kind = request.args.get("report") if request.args.get("report") in ("reconciliation", "disclosure") else None
    def page(report=None, problem=None):
        return render_template("accounts/reports.html", period=period, kind=kind, report=report, problem=problem,
                               gate=gate_parking(report) if kind == "reconciliation" and report else None)

    if not (period and kind):
        return page()
    # a period the API refuses: shown above the form, as typed (an error page lost the form: a probe)
    report, refused = common.write(
        lambda: g.api.get(g.api.estate(g.user.estate_id, f"reports/{kind}"), period=period),
        lambda problem: page(problem=problem))
    return refused or page(report)


def gate_parking(report):
    """The month's parking cash as security counts its stays collected at the gate and as the journal
    has it (the reconciliation's ``collected_at_source``, parking), to set side by side: there was no
    month total of the gate's cash to set against the journal (a probe of the accountant's month
    close). None when security's totals cannot be read (the report shows without them)."""
    if not permissions.may("GET", "parking-sessions/totals"):  # a cashier reads the report, not security's
        return None
    if not common.MONTH.match(report["period"]):  # the gate totals a month; a quarter or year, not
        return None
    counted = common.optional_read("parking-sessions/totals", period=report["period"])
    if not counted:
        return None
    source = report.get("collected_at_source") or {}
    booked = (source.get("by_item") or {}).get("parking") or {}
    gate, journal = counted["collected"], {"count": booked.get("count", 0), "amount_cents": booked.get("amount_cents", 0)}
    return {"gate": gate, "journal": journal, "difference_cents": gate["amount_cents"] - journal["amount_cents"],
            "methods": _gate_methods(counted.get("collected_by_method"),
                                     (source.get("by_item_method") or {}).get("parking"))}


def _gate_methods(gate, journal):
    """The gate's fees and the journal's parking by how they were paid (扫码 is the bank journal's,
    h7): ``[(method, gate's, journal's, agree)]``, none when either side does not say it (a gateway
    or a finance before it) or both took cash alone. A QR fee booked as cash made the two totals
    agree with the cash and the bank journals each wrong (review r7)."""
    if gate is None or journal is None or set(gate) | set(journal) <= {"cash"}:
        return []
    nothing = {"count": 0, "amount_cents": 0}
    return [(method, gate.get(method, nothing), journal.get(method, nothing),
             gate.get(method, nothing) == journal.get(method, nothing)) for method in sorted(set(gate) | set(journal))]
