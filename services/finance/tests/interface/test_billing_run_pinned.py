"""Every bill a run writes, pinned: ids, periods, amounts, due dates, what each says of its pricing,
its days and its months, over an estate of households unlike each other (handed over in the month,
on its 1st, before it, after it; left; vacant; taken over by the developer, alone or handed over in
the month; registered in a quarter's middle; paying by their own quarter; areas shared and not), under
monthly, quarterly and fixed-amount standards, three months run in turn and the first again, and an
estate that bills the handover month whole. A change made for speed (the run's cost was 4× a raw
insert of its bills: session 61) must write these same bytes: ``billing_run_pinned.json``, made by this
code before it was changed."""
import json
import pathlib

from estate_common import clock
from estate_common.testing import event
from finance import billing

from estate_common.testing import staff
from .test_service import ESTATE, OTHER, acting, approved, finance, household_copy  # noqa: F401 (fixture)

PINNED = pathlib.Path(__file__).with_name("billing_run_pinned.json")
DEVELOPER = "某某置业有限公司"
THIRD = "est_3"

# (id, area, status, the copy's dates)
FLATS = [
    ("hh_a01", 89.37, "occupied", {}),
    ("hh_a02", 89.37, "occupied", {"occupied_from": "2026-11-15"}),       # handed over in November
    ("hh_a03", 120.0, "occupied", {"occupied_from": "2026-11-01"}),       # on its 1st: the whole month
    ("hh_a04", 50.5, "occupied", {"occupied_from": "2026-11-30"}),        # its last day
    ("hh_a05", 77.77, "occupied", {"occupied_from": "2024-05-01"}),       # long before
    ("hh_a06", 64.2, "occupied", {"occupied_from": "2026-10-15"}),        # in October, the quarter's first
    ("hh_a07", 101.01, "occupied", {"occupied_from": "2026-12-10"}),      # in December
    ("hh_a08", 88.0, "occupied", {"occupied_to": "2026-10-31"}),          # left after October
    ("hh_a09", 45.55, "vacant", {}),                                      # the vacant rate
    ("hh_a10", 45.55, "vacant", {"occupied_from": "2026-11-20"}),
    ("hh_a11", 130.13, "vacant", {"taken_over_on": "2026-10-11"}),        # the developer's, not handed over
    ("hh_a12", 99.99, "occupied", {"taken_over_on": "2026-09-01", "occupied_from": "2026-11-20"}),  # split month
    ("hh_a13", 0.01, "occupied", {}),                                     # rounds to next to nothing
    ("hh_a14", 150.5, "occupied", {"occupied_from": "2026-02-28"}),
    ("hh_a15", 60.0, "occupied", {}),                                     # its own quarter from November
    ("hh_a16", 60.0, "occupied", {"occupied_from": "2026-11-07"}),        # its own quarter, handed over in it
    ("hh_a17", 89.37, "occupied", {"created_at": "2026-11-10T02:00:00.000Z"}),  # registered in the quarter
    ("hh_a18", 72.5, "occupied", {"created_at": "2026-11-30T17:00:00.000Z", "occupied_from": "2026-12-03"}),
]


def flat(finance, household_id, area, status, estate_id=ESTATE, version=2, room="101", **dates):
    if version == 2:
        copy = household_copy(household_id, area, estate_id=estate_id, room=room)
        copy["data"] |= {"status": status, **{k: v for k, v in dates.items() if k == "created_at"}}
        finance.copy_household(copy)
    rest = {k: v for k, v in dates.items() if k != "created_at"}
    if rest:
        finance.copy_household_edit(event("archive", "household_updated", estate_id, {
            "id": household_id, "estate_id": estate_id, "building": "3", "unit": "1", "room": room, "area_m2": area,
            "status": status, "version": version, "occupied_from": None, "occupied_to": None, **rest}))


def written(finance):
    """Each bill as the run wrote it, but for its job's id (a job's, not the bill's), its standard's (new at each
    run of the test: named by what the standard says instead) and the store's stamps."""
    named = {standard["_id"]: "/".join(str(standard.get(name)) for name in (
        "estate_id", "item", "cycle", "unit_price_cents_per_m2", "amount_cents")) for standard in finance.db.fee_standards.find({})}
    shown = []
    for bill in finance.db.bills.find({}):
        bill = {name: value for name, value in bill.items() if not name.startswith("_") or name == "_id"}
        bill.pop("updated_at", None)
        bill["source"] = {name: named.get(value, value) if name == "standard_id" else value
                          for name, value in bill["source"].items() if name != "job_id"}
        shown.append(bill)
    return sorted(shown, key=lambda bill: bill["_id"])


def at(month):
    clock.freeze(clock.parse_iso(f"{month}-05T02:00:00Z"))


def scenario(finance):
    finance.copy_estate_edit(event("archive", "estate_updated", ESTATE, {
        "id": ESTATE, "estate_id": ESTATE, "code": "EST-1", "name": "West Lake", "address": "9 Lake Rd", "version": 2,
        "timezone": "Asia/Shanghai", "developer_name": DEVELOPER, "changed": ["developer_name"]}))
    for index, (household_id, area, status, dates) in enumerate(FLATS):
        flat(finance, household_id, area, status, room=f"2{index:02d}", **dates)
    flat(finance, "hh_b1", 89.37, "occupied", estate_id=OTHER, room="301", occupied_from="2026-11-20")
    flat(finance, "hh_b2", 33.33, "occupied", estate_id=OTHER, room="302")
    at("2026-10")
    approved(finance, valid_from="2026-01", applies_to={"statuses": ["occupied"]})
    approved(finance, unit_price_cents_per_m2=100, valid_from="2026-01", applies_to={"statuses": ["vacant"]})
    approved(finance, item="parking", unit_price_cents_per_m2=None, amount_cents=15001, cycle="quarterly",
             valid_from="2026-10", applies_to={"household_ids": ["hh_a01", "hh_a02", "hh_a06", "hh_a17", "hh_a11"]})
    approved(finance, OTHER, valid_from="2026-01")
    acting(finance, staff("boss", ["manager"], [OTHER]))
    finance.update_settings({"estate_id": OTHER, "data": {"prorate_handover_month": 0}})
    results = []
    for month in ("2026-10", "2026-11", "2026-12"):
        at(month)
        if month == "2026-11":
            acting(finance, staff("acc", ["accountant"], [ESTATE]))
            for household_id in ("hh_a15", "hh_a16"):
                finance.set_billing_cycle({"estate_id": ESTATE, "data": {
                    "household_id": household_id, "cycle": "quarterly", "valid_from": "2026-11"}})
        for estate_id in (ESTATE, OTHER):
            results.append((month, estate_id, run(finance, month, estate_id)))
    results.append(("2026-10 again", ESTATE, run(finance, "2026-10", ESTATE)))
    # a quarter run late after a month it covers was billed by the month (vacant then): its pieces around it
    finance.copy_estate(event("archive", "estate_created", THIRD, {
        "id": THIRD, "estate_id": THIRD, "code": "EST-3", "name": "East Hill", "address": "1 Hill Rd", "version": 1}))
    flat(finance, "hh_c1", 120.0, "vacant", estate_id=THIRD, room="401")
    flat(finance, "hh_c2", 89.37, "occupied", estate_id=THIRD, room="402")
    flat(finance, "hh_c3", 50.5, "occupied", estate_id=THIRD, room="403", occupied_from="2026-10-20")
    approved(finance, THIRD, cycle="quarterly", valid_from="2026-10", applies_to={"statuses": ["occupied"]})
    approved(finance, THIRD, unit_price_cents_per_m2=100, valid_from="2026-10", applies_to={"statuses": ["vacant"]})
    at("2026-11")
    results.append(("2026-11", THIRD, run(finance, "2026-11", THIRD)))
    flat(finance, "hh_c1", 120.0, "occupied", estate_id=THIRD, version=3, room="401", occupied_from="2024-01-01")
    results.append(("2026-10 late", THIRD, run(finance, "2026-10", THIRD)))
    at("2026-12")
    results.append(("2026-12", THIRD, run(finance, "2026-12", THIRD)))
    return [[month, estate_id, {name: result[name] for name in
                                ("bills_created", "already_billed", "billed_cents", "bills_corrected")}]
            for month, estate_id, result in results]


def run(finance, period, estate_id):
    acting(finance, staff("acc", ["accountant"], [estate_id]))
    job = finance.start_billing_run({"estate_id": estate_id, "data": {"period": period}})
    finance.run_jobs()
    done = finance.get_billing_run({"estate_id": estate_id, "id": job["id"]})
    assert done["status"] == "succeeded", done
    return done["result"]


def test_a_varied_estate_s_runs_write_the_bills_pinned(finance):
    results = scenario(finance)
    shown = json.loads(json.dumps({"results": results, "bills": written(finance)}, ensure_ascii=False))
    pinned = json.loads(PINNED.read_text(encoding="utf-8"))
    assert shown["results"] == pinned["results"]
    assert [bill["_id"] for bill in shown["bills"]] == [bill["_id"] for bill in pinned["bills"]]
    for bill, expected in zip(shown["bills"], pinned["bills"]):
        assert bill == expected, bill["_id"]


def test_the_pinned_run_holds_each_kind_of_bill_it_is_there_for():
    """The pin is worth what it covers: a prorated first month, a developer's, a piece of a quarter
    from a later month, a household's own quarter, a cycle's rest from the month a household joined,
    a fixed amount's share, and an estate billing the handover month whole."""
    bills = json.loads(PINNED.read_text(encoding="utf-8"))["bills"]
    assert any(bill.get("prorated") for bill in bills)
    assert any(bill.get("payer") == "developer" for bill in bills)
    assert any(bill.get("covers_to") and bill["period"] < bill["covers_from"] for bill in bills)
    assert any(bill["household_id"] == "hh_c1" and bill.get("covers_from") == "2026-12" for bill in bills)
    assert any(bill["item"] == "parking" and bill.get("prorated") for bill in bills)
    assert any(bill["household_id"] == "hh_a15" and bill.get("covers_to") for bill in bills)
    assert any(bill["estate_id"] == OTHER and bill["household_id"] == "hh_b1" and "prorated" not in bill
               and bill["period"] == "2026-11" for bill in bills)
    assert len({bill["amount_cents"] for bill in bills}) > 20
    assert billing  # the module whose rewrite this pins


def test_a_run_s_bills_say_each_household_s_area_as_its_copy_holds_it():
    """Amounts and pricings are made once a run per standard, area and months (``run_bills``): an area of 60 and
    one of 60.0 cost the same, and each bill still says its own household's, as it did when each was made apart."""
    standard = {"_id": "fs_1", "item": "property_service", "basis": "area", "unit_price_cents_per_m2": 235,
                "cycle": "monthly"}
    households = [{"_id": "h1", "area_m2": 60}, {"_id": "h2", "area_m2": 60.0}, {"_id": "h3", "area_m2": 60}]
    made = list(billing.run_bills(ESTATE, [(h, standard, "2026-11", 1) for h in households], "job_1",
                                  lambda month: "2026-11-30T15:59:59.999Z", "2026-11-23T02:00:00.000Z"))
    assert [bill["amount_cents"] for bill in made] == [14100] * 3
    assert [type(bill["pricing"]["area_m2"]) for bill in made] == [int, float, int]
    assert made[0]["pricing"] is not made[2]["pricing"]


def test_a_run_s_bills_are_each_what_a_run_of_its_pair_alone_makes():
    """``run_bills`` keeps each amount, pricing and due date once a run (keyed by standard, area, months, the
    owner's rest): no bill may take another household's. Over varied estates (areas shared as 60 and 60.0 and not,
    areas of one amount under other prices, fixed amounts, quarterly and yearly cycles, the handover month
    prorated or whole, developers' splits, households' own quarters, pieces around months billed before), every
    bill of a run is the one a run of its pair alone makes, byte for byte and type for type (found by r1 reviewing
    h1: the pinned run's 69 bills hold one area type per amount)."""
    import random

    from finance import periods, standards as fee_standards
    months = [periods.add_months("2026-01", n) for n in range(15)]
    pick, made = random.Random(62), 0
    for _ in range(60):
        households = []
        for n in range(pick.randint(1, 20)):
            household = {"_id": f"h{n:02d}", "estate_id": ESTATE, "status": pick.choice(["occupied", "vacant", None]),
                         "area_m2": pick.choice([60, 60.0, 50, 100, 89.37, 120, 120.0, 0.01, None])}
            for field, chance in (("occupied_from", 0.5), ("occupied_to", 0.2), ("taken_over_on", 0.2)):
                if pick.random() < chance:
                    household[field] = f"{pick.choice(months[:8] if field == 'taken_over_on' else months)}-" \
                                       f"{pick.choice([1, 2, 15, 28]):02d}"
            if pick.random() < 0.3:
                household["created_at"] = f"{pick.choice(months)}-10T02:00:00.000Z"
            households.append(household)
        standards = []
        for n in range(pick.randint(1, 4)):
            basis = pick.choice(["area", "area", "fixed"])
            standards.append({"_id": f"fs_{n}", "item": pick.choice(["property_service", "parking"]), "basis": basis,
                              "cycle": pick.choice(["monthly", "monthly", "quarterly", "yearly"]), "status": "approved",
                              "valid_from": pick.choice(months[:6]), "valid_to": None,
                              "unit_price_cents_per_m2": pick.choice([235, 200, 100]) if basis == "area" else None,
                              "amount_cents": pick.choice([15001, 9999]) if basis == "fixed" else None,
                              "applies_to": pick.choice([{}, {"statuses": ["occupied"]}, {"household_ids": ["h01", "h02"]}])})
        cycles = {(household["_id"], "property_service"): {"cycles": [
            {"cycle": "quarterly", "valid_from": pick.choice(months[:9])}]}
            for household in households if pick.random() < 0.2}
        prorate, before = pick.random() < 0.7, []
        for period in months[:pick.randint(2, 12)]:
            starts = [(standard, fee_standards.cycle_start(standard, period)) for standard in standards]
            billed = [standard for standard, start in starts if start == period]
            pairs = [*billing.billed_pairs(billed, households, period, prorate, cycles, DEVELOPER),
                     *billing.joined_mid_cycle([(s, start) for s, start in starts if start not in (None, period)],
                                               households, period, "Asia/Shanghai", prorate, developer_name=DEVELOPER),
                     *billing.own_cycle_pairs([s for s in billed if s["cycle"] == "monthly"], households, period,
                                              cycles, prorate)]
            pairs, _ = billing.uncovered(pairs, billing.coverage(before), prorate=prorate)
            bills = list(billing.run_bills(ESTATE, pairs, "job_1", lambda month: f"{month}-due", f"{period}-stamp"))
            alone = [bill for pair in pairs for bill in billing.run_bills(ESTATE, [pair], "job_1",
                                                                          lambda month: f"{month}-due", f"{period}-stamp")]
            assert repr(bills) == repr(alone), period  # repr: 60 and 60.0, Fraction and int told apart
            assert len({id(bill["pricing"]) for bill in bills}) == len(bills)  # each its own copy
            made += len(bills)
            before += [bill for bill in bills if pick.random() < 0.6]
    assert made > 1500
