"""The gateway reads an Authorization header as long as the token of a user of the most estates
the API lets an account have: a manager of 250 estates signed in, and every call answered 431
(gunicorn's default refused a header over 8,190 bytes; tests/e2e has the call)."""
from pathlib import Path

from estate_common import contracts, ids
from estate_common.testing import load_file
from gateway import tokens

from .conftest import JWT_SECRET

ROOT = Path(__file__).resolve().parents[2]


def gunicorn_settings():
    return load_file(ROOT / "gateway" / "gunicorn.conf.py", "gateway_gunicorn_conf")


def test_a_token_of_the_most_estates_an_account_may_have_fits_the_header_limit():
    document = contracts.load().openapi
    most = document["components"]["schemas"]["UserCreate"]["properties"]["estate_ids"]["maxItems"]
    estates = [ids.natural_id("est", f"E{n:04d}") for n in range(most)]  # as archive names estates
    token = tokens.TokenIssuer(JWT_SECRET, 3600).issue("region-manager-of-many", ["manager", "steward"],
                                                       estates, 12)
    header = f"Bearer {token}"
    limit = gunicorn_settings().limit_request_field_size
    assert len(header) > 8190  # gunicorn's default, which refused it
    assert len(header) < limit * 0.75, (len(header), limit)  # with room for longer role names and claims


def test_the_documented_431_names_the_limit_the_gateway_reads():
    document = contracts.load().openapi
    described = document["components"]["responses"]["RequestHeaderFieldsTooLarge"]["description"]
    assert f"{gunicorn_settings().limit_request_field_size:,}" in described
