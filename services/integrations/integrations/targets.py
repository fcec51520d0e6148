"""Where a webhook may be sent (SSRF): https only, and never to a private, loopback, link-local
or otherwise non-public address, whatever the name resolves to.

``check(url, allow_private, resolve)`` parses the URL, resolves its host (``resolve``: a
``socket.getaddrinfo``-shaped function, injected so the rule is tested without DNS) and
classifies every address it resolves to: one refused address refuses the URL (a name may hold
a public and a private address and answer with either). It runs when a subscription is created
or changed (a 400 naming ``data.url``) and again before every delivery, whose connection then
goes to one of the addresses checked, never to a second resolution (no DNS rebinding).

``allow_private`` (``WEBHOOK_ALLOW_PRIVATE=1``, set by ``make run`` and the end-to-end tests)
admits private and loopback addresses over https, and plain http to 127.0.0.1 written as such (a
local receiver, as the refusal, the contract and the READMEs say): it took plain http to any
loopback address, 127.0.0.2 or ``[::1]`` (review). A name (``localhost``) is not read as 127.0.0.1.
"""
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_URL_LENGTH = 2048


class Refused(ValueError):
    """Why a URL is not a webhook target (the message names no address it resolved to)."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str        # as written in the URL (SNI, certificate check, Host header)
    port: int
    path: str        # path and query, as sent in the request line
    addresses: tuple  # the checked addresses to connect to, in the resolver's order

    @property
    def host_header(self):
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def refusal(address):
    """Why an address is not a public one, or None when it is."""
    ip = ipaddress.ip_address(address)
    if ip.version == 6 and ip.ipv4_mapped is not None:  # ::ffff:127.0.0.1 is 127.0.0.1
        ip = ip.ipv4_mapped
    if ip.version == 6 and ip in _NAT64:  # 64:ff9b::a9fe:a9fe reaches 169.254.169.254 through NAT64
        ip = ipaddress.ip_address(int(ip) & 0xFFFFFFFF)
    if ip.version == 6 and (ip.sixtofour or ip.teredo):  # 2002:a9fe:a9fe:: and Teredo wrap an IPv4 too
        wrapped = ip.sixtofour or ip.teredo[1]
        return refusal(str(wrapped)) or "an IPv4 address tunnelled in IPv6 (6to4, Teredo)"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_unspecified:
        return "unspecified"
    if ip.is_multicast:
        return "multicast"
    if ip.is_private or ip in _SHARED or ip.is_reserved or getattr(ip, "is_site_local", False):
        return "private"
    if not ip.is_global or ip in _PROTOCOL_ASSIGNMENTS:
        return "not public"
    return None


_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT: not global, not "private" in 3.11
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# IETF protocol assignments (RFC 6890): not global, but Python 3.11 calls most of them so
_PROTOCOL_ASSIGNMENTS = ipaddress.ip_network("192.0.0.0/24")
_LOCAL_RECEIVER = ipaddress.ip_address("127.0.0.1")  # plain http only to it, with allow_private


def _literal(host):
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def parse(url, allow_private=False):
    """``(scheme, host, port, path)`` of a URL that may be a target as written, or Refused."""
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        raise Refused(f"must be a URL of at most {MAX_URL_LENGTH} characters")
    if any(c.isspace() or ord(c) < 32 for c in url):
        raise Refused("must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused("is not a valid URL") from None
    scheme, host = parts.scheme.lower(), (parts.hostname or "")
    if parts.username is not None or parts.password is not None:
        raise Refused("must not carry a user name or password")
    if parts.fragment:
        raise Refused("must not have a fragment")
    if not host:
        raise Refused("must name a host")
    literal = _literal(host)
    if scheme == "http":
        if not (allow_private and literal == _LOCAL_RECEIVER):
            raise Refused("must be https (plain http only to 127.0.0.1 with WEBHOOK_ALLOW_PRIVATE=1)")
    elif scheme != "https":
        raise Refused("must be https")
    port = port or (443 if scheme == "https" else 80)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, host, port, path


def check(url, allow_private=False, resolve=None):
    """The Target of ``url`` with every address its host resolves to checked, or Refused.
    ``resolve``: ``socket.getaddrinfo`` (looked up at the call: eventlet's green one in a service)."""
    resolve = resolve or socket.getaddrinfo
    scheme, host, port, path = parse(url, allow_private)
    literal = _literal(host)
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            infos = resolve(host, port, proto=socket.IPPROTO_TCP)
        except (OSError, UnicodeError):
            raise Refused("does not resolve") from None
        addresses = list(dict.fromkeys(info[4][0].split("%")[0] for info in infos))
        if not addresses:
            raise Refused("does not resolve")
    if not allow_private:
        for address in addresses:
            why = refusal(address)
            if why is not None:
                raise Refused(f"resolves to a {why} address; only public addresses are allowed")
    return Target(scheme, host, port, path, tuple(addresses))
