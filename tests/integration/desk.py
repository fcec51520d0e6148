"""The desk's first steps over the bus, for the modules of this directory: an estate with a
household, and a repair or an application filed once customer service holds its copy."""
from estate_common.errors import BusinessRuleViolation

OWNER = {"name": "王五", "phone": "13700001111"}


def estate_with_household(rpc, eventually, code="BJ-01"):
    estate = rpc("archive", "create_estate", {"data": {"code": code, "name": "Sunrise", "address": "5 East Rd"}})
    household = rpc("archive", "create_household", {"estate_id": estate["id"], "data": {
        "building": "7", "unit": "2", "room": "602", "area_m2": 120.5, "owner": OWNER}})
    return estate["id"], household["id"]


def file_application(rpc, eventually, estate_id, household_id, kind, description):
    """File an application as soon as customer-service holds its copy of the household."""
    def attempt():
        try:
            return rpc("customer_service", "create_application", {"estate_id": estate_id, "data": {
                "kind": kind, "household_id": household_id, "structural_change": False, "description": description}})
        except BusinessRuleViolation:
            return None  # the household copy has not arrived yet
    return eventually(attempt)


def register_repair(rpc, eventually, estate_id, household_id):
    """Register a repair as soon as customer-service holds its copy of the household."""
    def attempt():
        try:
            return rpc("customer_service", "create_request", {"estate_id": estate_id, "data": {
                "kind": "repair", "household_id": household_id, "channel": "app", "description": "no power"}})
        except BusinessRuleViolation:
            return None  # the household copy has not arrived yet
    return eventually(attempt)
