import pytest

from estate_common import public_codes
from estate_common.errors import NotFound


def test_a_code_is_the_estate_code_and_160_random_bits_and_only_its_hash_is_kept():
    secrets = {public_codes.new_secret() for _ in range(50)}
    assert len(secrets) == 50 and all(len(secret) == 32 and secret == secret.lower() for secret in secrets)
    secret = next(iter(secrets))
    code = public_codes.code("sh-pd-01", secret)
    assert code == f"SH-PD-01.{secret}"
    assert public_codes.secret_hash(secret) != secret and len(public_codes.secret_hash(secret)) == 64


def test_a_code_is_read_in_any_case_and_trimmed():
    secret = public_codes.new_secret()
    assert public_codes.split(f" SH-PD-01.{secret.upper()}\n", NotFound("x")) == ("SH-PD-01", secret)


@pytest.mark.parametrize("bad", ["", None, "SH-PD-01", "SH-PD-01.short", "." + "a" * 32, "SH-PD-01." + "a" * 33])
def test_a_code_of_the_wrong_shape_is_refused_as_an_unknown_one(bad):
    with pytest.raises(NotFound, match="no such thing"):
        public_codes.split(bad, NotFound("no such thing"))
