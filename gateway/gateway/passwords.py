"""Password hashing with Argon2id, RFC 9106's low-memory profile (t=3, 64 MiB, p=4), and what
a chosen password may not be.

``ESTATE_PASSWORD_HASHING=fast-insecure-for-tests`` is for the test suite's systems only
(tests/e2e, tests/security and tests/browser start the gateway with it): Argon2id at t=1, 64 KiB, p=1,
the same code path at a thousandth of the cost (some 0.3 s of CPU a hash or a check otherwise, and
a system-side run of the suite makes hundreds). A gateway told so where anything says it is a
deployment (``production_said``) refuses to start; any other value is refused too. A hash made
with it is replaced by one with the real parameters at the next sign-in without it
(``needs_rehash``)."""
import dataclasses
import os
from urllib.parse import urlsplit

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

from estate_common import config
from estate_common.errors import BusinessRuleViolation, field_error
from estate_common.guessable import refuse_guessable
from estate_common.secrets_policy import is_loopback

PARAMETERS = profiles.RFC_9106_LOW_MEMORY
TEST_ONLY_SETTING = "ESTATE_PASSWORD_HASHING"
FAST_INSECURE_FOR_TESTS = "fast-insecure-for-tests"
FAST_INSECURE_PARAMETERS = dataclasses.replace(PARAMETERS, time_cost=1, memory_cost=64, parallelism=1)


class RefusedHashing(RuntimeError):
    """The test-only hashing asked for where it must not be, or a value it does not know."""


def production_said(environ):
    """Why ``environ`` looks like a deployment (a sentence), or None: a Kubernetes pod, compose's
    and the ConfigMap's ESTATE_STORE, or a broker on another machine."""
    if environ.get("KUBERNETES_SERVICE_HOST"):
        return "this process runs in Kubernetes (KUBERNETES_SERVICE_HOST is set)"
    if (environ.get("ESTATE_STORE") or "").strip():
        return "ESTATE_STORE is set, as docker-compose.yml and deploy/k8s set it"
    if not is_loopback(urlsplit(environ.get("AMQP_URI") or config.DEFAULT_AMQP_URI).hostname):
        return "the broker (AMQP_URI) is not on this machine"
    return None


def chosen_parameters(environ=os.environ):
    """The real parameters, or the test-only ones when ``ESTATE_PASSWORD_HASHING`` asks for them
    where nothing says production; ``RefusedHashing`` otherwise (the gateway does not start)."""
    value = (environ.get(TEST_ONLY_SETTING) or "").strip()
    if not value:
        return PARAMETERS
    if value != FAST_INSECURE_FOR_TESTS:
        raise RefusedHashing(f"{TEST_ONLY_SETTING} may only be {FAST_INSECURE_FOR_TESTS} (the test suite's "
                             f"systems), or unset")
    said = production_said(environ)
    if said:
        raise RefusedHashing(f"{TEST_ONLY_SETTING}={FAST_INSECURE_FOR_TESTS} is for the test suite only and "
                             f"{said}: unset it")
    return FAST_INSECURE_PARAMETERS


_hasher = PasswordHasher.from_parameters(chosen_parameters())
# Verified against when the user does not exist, so that a wrong username takes as long as a wrong password.
_DECOY = _hasher.hash("estate-ops decoy password")


def hash_password(password):
    return _hasher.hash(password)


def verify(password_hash, password):
    try:
        return _hasher.verify(password_hash or _DECOY, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash):
    """A hash made with other parameters than ours (older, weaker, the tests' fast ones) is
    replaced at the next sign-in."""
    return _hasher.check_needs_rehash(password_hash)


# different characters a chosen password holds at least (its length, 12, is the contract's): an
# account was made with "aaaaaaaaaaaa" (found by a probe), which a guess finds at once
MIN_DISTINCT = 5


def refuse_weak(password, field, username=""):
    """422 naming ``field`` when a password set through the API repeats too few characters or is
    among a guess's first tries (``estate_common.guessable``): rules beyond the contract's length,
    as "must differ from the current one" is."""
    if len(set(password)) < MIN_DISTINCT:
        raise BusinessRuleViolation("a password holds at least 5 different characters",
                           [field_error(field, "has fewer than 5 different characters")])
    refuse_guessable(password, field, username)
