"""A code that opens one thing to a person without an account: the owner portal's tracking code
(customer-service's ``portal``) and an owner's statement code (finance's ``owner_access``).

``<estate code>.<secret>``: the estate's code, as archive keeps it (upper case), leads the lookup
to one estate's documents (every query is led by ``estate_id``); the secret is 160 random bits in
lower-case base32, kept only as its SHA-256, so a copy of the database gives nobody a way in. A
code is read in any case (one copied by hand from a print-out or a message in capitals was
refused: found by a probe) and trimmed; a code of the wrong shape is refused as an unknown one.
"""
import base64
import hashlib
import secrets

SEPARATOR = "."  # an estate code never holds one (EstateCreate's pattern)
SECRET_BYTES = 20  # 160 bits: 32 base32 characters
SECRET_LENGTH = 32


def secret_text(raw):
    """``raw`` bytes as a code's secret: base32, lower case, no padding."""
    return base64.b32encode(raw).decode().rstrip("=").lower()


def new_secret():
    return secret_text(secrets.token_bytes(SECRET_BYTES))


def code(estate_code, secret):
    return f"{estate_code.upper()}{SEPARATOR}{secret}"


def split(text, unknown):
    """``(estate code, secret)`` of a code; ``unknown`` (the refusal of a code that opens nothing)
    is raised for one of the wrong shape, so that a guess learns nothing from its answer."""
    estate_code, _, secret = (text or "").strip().partition(SEPARATOR)
    if not estate_code or len(secret) != SECRET_LENGTH:
        raise unknown
    return estate_code, secret.lower()


def secret_hash(secret):
    """What is kept of a secret, and what a code's secret is looked up by."""
    return hashlib.sha256(secret.encode()).hexdigest()
