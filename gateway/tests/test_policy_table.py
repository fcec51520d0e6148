"""The one table of who may call what (``access.policy_table``): every route is in it or
public, the contract agrees with it, and the README's roles table is made from it.
(tests/security/test_access_matrix.py checks the running system against it.)"""
from pathlib import Path

from estate_common import contracts
from gateway import access, policy, roles_table
from gateway.docs import UNDOCUMENTED_ENDPOINTS

README = Path(__file__).resolve().parents[2] / "README.md"
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def served(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            yield method, rule.rule


def test_every_route_is_public_or_in_the_policy_table(app):
    table = access.policy_table()
    missing = [(method, rule) for method, rule in served(app)
               if (method, rule) not in policy.PUBLIC_ROUTES and (method, access.openapi_path(rule)) not in table]
    assert missing == [], "add these to policy.GATEWAY_ROUTES (or routes/<service>.py)"
    assert set(policy.PUBLIC_ROUTES) <= set(served(app))


def test_every_entry_names_known_roles_and_is_served(app):
    served_paths = {(method, access.openapi_path(rule)) for method, rule in served(app)}
    for operation, roles in access.policy_table().items():
        assert roles and roles <= set(policy.ROLES), operation
        assert operation in served_paths, operation


def test_the_contract_documents_exactly_the_table_and_the_public_routes(app):
    openapi = contracts.load().openapi
    documented = {(method.upper(), path) for path, item in openapi["paths"].items() for method in item
                  if method in HTTP_METHODS}
    public = {(method.upper(), path) for path, item in openapi["paths"].items() for method in item
              if method in HTTP_METHODS and item[method].get("security") == []}
    undocumented = {(method, access.openapi_path(rule.rule)) for rule in app.url_map.iter_rules()
                    if rule.endpoint in UNDOCUMENTED_ENDPOINTS for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert public == {(m, access.openapi_path(r)) for m, r in policy.PUBLIC_ROUTES} - undocumented
    assert documented - public == set(access.policy_table())


def test_a_route_missing_from_the_table_admits_nobody(app, admin_token):
    with app.test_request_context("/api/v1/not-in-the-table", headers={"Authorization": f"Bearer {admin_token}"}):
        from flask import request
        from werkzeug.routing import Rule
        request.url_rule = Rule("/api/v1/not-in-the-table", methods=["GET"])
        try:
            access.authorize_route()
        except Exception as error:
            assert type(error).__name__ == "Forbidden"
        else:
            raise AssertionError("a route without a policy entry admitted the operator admin")


def test_the_readme_roles_table_is_the_policy_table():
    text = README.read_text()
    start, end = text.index(roles_table.START), text.index(roles_table.END) + len(roles_table.END)
    assert text[start:end] == roles_table.markdown(), \
        "README's roles table is out of date: paste `cd gateway && python -m gateway.roles_table` over it"


def test_what_a_key_is_refused_is_a_served_route_a_role_of_a_key_is_admitted_to(app):
    """``policy.PEOPLE_ONLY`` names forwarded routes (a typo would refuse nothing) that some role a key may
    hold is admitted to (else the role check refuses it first and the entry says nothing)."""
    served_rules = set(served(app))
    table = access.policy_table()
    for method, rule in policy.PEOPLE_ONLY:
        assert (method, rule) in served_rules, (method, rule)
        assert table[(method, access.openapi_path(rule))] - policy.ADMIN, (method, rule)
