"""Rate limits: the one place the gateway counts calls and refuses with 429 and ``Retry-After``.

Two ways of counting, both on the gateway's store (shared by every worker and replica on
MongoDB; the embedded store is per process), each record expiring with ``retention``:

- failures since the last one (the sign-in guard, ``login_guard``: a lock that lasts a while
  after the last failure), which uses ``too_many`` to refuse;
- calls within a fixed window (``within_window``: the public routes, ``public``; an API key's
  calls, ``key_calls``): a subject's count of the window that holds now; over the limit, the
  caller waits until the window ends.
"""
import ipaddress
import math

from estate_common import clock, ids, retention
from flask import g, request
from werkzeug.exceptions import TooManyRequests

from . import store


def client_address():
    """Whom the per-address limits count: the client's IPv4 address, or the /64 network of its
    IPv6 one (a single host is given a whole /64, so counted per /128 one client had 2^64
    addresses to spread its guesses or filings over: found by review). ``request.remote_addr``
    is the client's as ``TRUSTED_PROXIES`` lets the app take it."""
    address = request.remote_addr or "-"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 6:
        if ip.ipv4_mapped is not None:  # ::ffff:203.0.113.7 is 203.0.113.7
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def too_many(wait_seconds, why):
    """Refuse with 429, ``Retry-After`` the whole seconds left (at least 1)."""
    raise TooManyRequests(f"{why}: try again later", retry_after=max(1, int(wait_seconds) + 1))


def within_window(db, scope, subject, limit, window_seconds, why):
    """Count one call of ``subject`` (an address, an estate code) under ``scope`` in the window
    of ``window_seconds`` that holds now; refuse it (429) when the count passes ``limit``. The
    count's key, for ``give_back``."""
    now = clock.now().timestamp()
    window = int(now // window_seconds)
    key = ids.natural_id("limit", scope, subject, window)
    count = store.count_call(db, key, retention.expire_at(window_seconds * 2))
    left_seconds = (window + 1) * window_seconds - now
    g.setdefault("rate_limits", []).append((scope, limit, window_seconds, max(0, limit - count), left_seconds))
    if count > limit:
        too_many(left_seconds, why)
    return key


def advertised(response):
    """The limits this request was counted under, on its answer (draft-ietf-httpapi-ratelimit-headers,
    the fields of its drafts since 2024): ``RateLimit-Policy: "api-key";q=600;w=60`` (the quota of a
    window) and ``RateLimit: "api-key";r=599;t=42`` (what is left of it, and the seconds until it ends),
    so that a program paces itself before it meets the 429. Nothing for a call counted under none (a
    person's token)."""
    counted = g.get("rate_limits")
    if counted:
        response.headers["RateLimit-Policy"] = ", ".join(
            f'"{scope}";q={limit};w={window}' for scope, limit, window, _, _ in counted)
        response.headers["RateLimit"] = ", ".join(
            f'"{scope}";r={left};t={math.ceil(seconds)}' for scope, _, _, left, seconds in counted)
    return response


KEY_WINDOW_SECONDS = 60


def key_calls(db, key_id, per_minute):
    """Count one call made with the API key ``key_id`` in the minute that holds now; refuse it (429)
    past ``per_minute``, the key's own limit or the deployment's (``API_KEY_CALLS_PER_MINUTE``).
    Counted before the route's roles and estates are checked: a program that loops on a 403 loads
    the gateway all the same. A person's token is not counted: staff at a desk do not loop, and
    the sign-in guard bounds what a password can try. Once a request: the caller is identified once
    a request (``access._caller``), however many checks a route makes."""
    within_window(db, "api-key", key_id, per_minute, KEY_WINDOW_SECONDS, "too many calls with this API key")


def give_back(db, key):
    """A counted call that was refused and wrote nothing leaves the count (``within_window``'s key)."""
    store.uncount_call(db, key)
