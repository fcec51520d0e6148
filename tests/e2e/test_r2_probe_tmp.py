from .flows import new_estate, new_user


def test_probe(api, admin):
    a = new_estate(api, admin, "A")
    _, acc = new_user(api, admin, ["accountant"], [a["id"]])
    for path in ("exit-money", "handover", "exit-transfers"):
        for q in ("9999-12-31", "0001-01-01", "1899-12-31", "3000-01-01", "2999-12-31", "1900-01-01"):
            r = api.get(f"/api/v1/estates/{a['id']}/{path}?as_of={q}", admin, check=False)
            print(path, q, r.status_code, r.text[:160])
    for q in ("9999-12-31", "0001-01-01"):
        r = api.post(f"/api/v1/estates/{a['id']}/exit-transfers", {"as_of": q, "method": "bank", "to_company": "X"}, acc,
                     headers={"Idempotency-Key": "k" + q}, check=False)
        print("transfer", q, r.status_code, r.text[:160])
    assert False
