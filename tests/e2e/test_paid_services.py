"""h8's probe of paid value-added services (有偿增值服务): the manager prices a deep clean by the hour,
the desk takes an owner's order of 3 hours at 09:00 a few days ahead, assigns it, marks it done with
the 3.5 hours delivered; finance bills it once (item paid_service, half up to the cent), the cashier
takes the money; the owner complains about it; another order is cancelled free, a third inside the
estate's window pays the fee; archive keeps each order closed. Before, the desk could take the order
only as a repair of category other with a free quote, promised a repair's response time."""
from datetime import datetime, timedelta, timezone

import pytest

from .flows import eventually, new_estate, new_household, new_user, problem

pytestmark = [pytest.mark.e2e, pytest.mark.broker]


def test_a_deep_clean_is_ordered_done_billed_once_paid_and_complained_about(api, admin):
    estate = new_estate(api, admin, name="Magnolia Court")["id"]
    base = f"/api/v1/estates/{estate}"
    staff = {role: new_user(api, admin, [role], [estate])[1]
             for role in ("agent", "accountant", "cashier", "manager", "archivist")}
    flat = new_household(api, staff["archivist"], estate, building="2", room="701")["id"]

    assert problem(api.post(f"{base}/paid-services", {"name": "深度保洁", "unit": "hour", "price_cents": 4999},
                            staff["agent"]), 403)  # the manager prices
    clean = api.post(f"{base}/paid-services", {"name": "深度保洁", "unit": "hour", "price_cents": 4999},
                     staff["manager"])
    assert clean.status_code == 201, clean.text
    clean = clean.json()
    day = (datetime.now(timezone(timedelta(hours=8))) + timedelta(days=3)).date().isoformat()
    body = {"household_id": flat, "service_id": clean["id"], "day": day, "start": "09:00", "quantity": 3}
    ordered = api.post(f"{base}/service-orders", body, staff["agent"])
    assert ordered.status_code == 201, ordered.text
    order = ordered.json()
    assert (order["number"][:3], order["unit_price_cents"], order["ordered_cents"]) == ("SO-", 4999, 14997)
    assert order["scheduled_at"] == f"{day}T01:00:00.000Z"  # 09:00 on the estate's clock (Asia/Shanghai)
    path = f"{base}/service-orders/{order['id']}"

    assert problem(api.post(f"{path}/complete", {}, staff["agent"]), 409)  # nobody assigned yet
    assert problem(api.post(f"{path}/assign", {"username": "cleaner.li"}, staff["agent"]), 422)  # no account (h5)
    cleaner = new_user(api, admin, ["steward"], [estate])[0]
    assert api.post(f"{path}/assign", {"username": cleaner}, staff["agent"]).status_code == 200
    done = api.post(f"{path}/complete", {"quantity": 3.5}, staff["agent"])
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["charged_cents"]) == ("done", 17497)
    assert problem(api.post(f"{path}/cancel", {"reason": "too late"}, staff["agent"]), 409)

    bill = eventually(lambda: [b for b in api.get(f"{base}/bills?household_id={flat}", staff["accountant"]).json()[
        "items"] if b["item"] == "paid_service"] or None)
    assert [(b["amount_cents"], b["status"]) for b in bill] == [(17497, "unpaid")]
    paid = api.post(f"{base}/payments", {"household_id": flat, "amount_cents": 17497, "method": "wechat"},
                    staff["cashier"])
    assert paid.status_code == 201, paid.text
    eventually(lambda: api.get(f"{base}/bills/{bill[0]['id']}", staff["accountant"]).json()["status"] == "paid")

    complaint = api.post(f"{path}/complaint", {"channel": "phone", "description": "阳台没有打扫",
                                               "nature": "cleaning"}, staff["agent"])
    assert complaint.status_code == 201, complaint.text  # a new request (r8)
    assert complaint.json()["kind"] == "complaint"
    assert api.get(path, staff["accountant"]).json()["complaints"] == [complaint.json()["id"]]

    # cancelled days ahead: free; the estate's window made a week: the fee, half of what was ordered
    free = api.post(f"{base}/service-orders", body, staff["agent"]).json()
    assert api.post(f"{base}/service-orders/{free['id']}/cancel", {"reason": "plans changed"},
                    staff["agent"]).json()["charged_cents"] == 0
    settings = api.call("PUT", f"{base}/settings/customer-service", staff["manager"],
                        json={"service_cancel_window_hours": 168})
    assert settings.status_code == 200, settings.text
    late = api.post(f"{base}/service-orders", body, staff["agent"]).json()
    # the fee pays a provider's time held: an order no one was assigned to would be free (h5)
    assert api.post(f"{base}/service-orders/{late['id']}/assign", {"username": cleaner},
                    staff["agent"]).status_code == 200
    cancelled = api.post(f"{base}/service-orders/{late['id']}/cancel", {"reason": "away"}, staff["agent"])
    assert cancelled.json()["cancelled"]["fee_cents"] == 7499
    fees = eventually(lambda: [b for b in api.get(f"{base}/bills?household_id={flat}", staff["accountant"]).json()[
        "items"] if b["item"] == "paid_service" and b["amount_cents"] == 7499] or None)
    assert len(fees) == 1

    def kept():  # the order's assignment and its close (h5)
        items = api.get(f"{base}/archive/records?subject_id={order['id']}", staff["archivist"]).json()["items"]
        return items if len(items) == 2 else None

    records = eventually(kept)
    assert sorted(r["event_type"] for r in records) == ["service_order_assigned", "service_order_closed"]
    assert [r["data"]["charged_cents"] for r in records if r["event_type"] == "service_order_closed"] == [17497]
