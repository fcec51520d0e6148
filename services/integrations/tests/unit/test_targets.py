"""Where a webhook may go (SSRF): https, public addresses only, after resolving the name."""
import socket

import pytest

from integrations import targets
from integrations.targets import Refused, check, refusal


def resolver(*addresses):
    """A getaddrinfo that answers ``addresses`` for any name (no DNS in unit tests)."""
    def resolve(host, port, proto=0):
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, proto, "", (a, port))
                for a in addresses]
    return resolve


def unresolvable(host, port, proto=0):
    raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")


@pytest.mark.parametrize("address, why", [
    ("127.0.0.1", "loopback"), ("127.10.0.9", "loopback"), ("::1", "loopback"),
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"),
    ("10.0.0.5", "private"), ("172.16.3.4", "private"), ("172.31.255.255", "private"),
    ("192.168.1.1", "private"), ("100.64.0.1", "private"), ("fc00::1", "private"), ("fd12:3456::1", "private"),
    ("0.0.0.0", "unspecified"), ("::", "unspecified"), ("224.0.0.1", "multicast"), ("ff02::1", "multicast"),
    ("::ffff:127.0.0.1", "loopback"), ("::ffff:10.1.2.3", "private"), ("::ffff:169.254.169.254", "link-local"),
    ("64:ff9b::a9fe:a9fe", "link-local"), ("198.18.0.1", "private"), ("240.0.0.1", "private"),
    ("192.0.0.8", "not public"),  # IETF protocol assignments: Python 3.11 calls 192.0.0.8 global
    # 6to4 and Teredo wrap an IPv4 address: 169.254.169.254 and 127.0.0.1, or even a public one
    ("2002:a9fe:a9fe::", "link-local"), ("2002:7f00:1::", "loopback"),
    ("2002:808:808::", "an IPv4 address tunnelled in IPv6 (6to4, Teredo)"),
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", "loopback"),  # Teredo: the client's 127.0.0.1, inverted
])
def test_non_public_addresses_are_refused_and_say_why(address, why):
    assert refusal(address) == why


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "172.32.0.1", "2606:4700:4700::1111",
                                     "::ffff:8.8.8.8"])
def test_public_addresses_pass(address):
    assert refusal(address) is None


def test_an_https_url_to_a_public_name_is_a_target_with_the_checked_addresses():
    target = check("https://hooks.example.com:8443/in?x=1", resolve=resolver("93.184.215.14", "2606:2800::1"))
    assert (target.scheme, target.host, target.port, target.path) == ("https", "hooks.example.com", 8443, "/in?x=1")
    assert target.addresses == ("93.184.215.14", "2606:2800::1")
    assert target.host_header == "hooks.example.com:8443"
    assert check("https://hooks.example.com", resolve=resolver("8.8.8.8")).path == "/"


@pytest.mark.parametrize("addresses", [("10.0.0.1",), ("8.8.8.8", "127.0.0.1"), ("fd00::5",), ("169.254.169.254",)])
def test_a_name_resolving_to_a_private_address_is_refused(addresses):
    with pytest.raises(Refused, match="resolves to a"):
        check("https://internal.example.com/hook", resolve=resolver(*addresses))


@pytest.mark.parametrize("url", ["https://127.0.0.1/hook", "https://169.254.169.254/latest/meta-data",
                                 "https://[::1]:8443/", "https://[fe80::1]/", "https://10.1.2.3/",
                                 "https://[::ffff:127.0.0.1]/"])
def test_ip_literals_are_checked_without_dns(url):
    with pytest.raises(Refused):
        check(url, resolve=unresolvable)


@pytest.mark.parametrize("url, message", [
    ("http://hooks.example.com/", "must be https"), ("ftp://hooks.example.com/", "must be https"),
    ("http://127.0.0.1:9000/", "must be https"), ("https:///path", "must name a host"),
    ("https://user:pw@hooks.example.com/", "user name or password"), ("https://hooks.example.com/#x", "fragment"),
    ("https://hooks.example.com:99999/", "not a valid URL"), ("https://hooks example.com/", "spaces"),
    ("https://" + "a" * 2050 + ".com/", "at most"),
])
def test_malformed_or_plain_http_urls_are_refused(url, message):
    with pytest.raises(Refused, match=message):
        check(url, resolve=resolver("8.8.8.8"))


def test_a_name_that_does_not_resolve_is_refused():
    with pytest.raises(Refused, match="does not resolve"):
        check("https://nowhere.invalid/", resolve=unresolvable)


def test_allow_private_admits_private_addresses_and_plain_http_to_loopback_only():
    assert check("http://127.0.0.1:9000/hook", allow_private=True).addresses == ("127.0.0.1",)
    assert check("https://internal.example.com/", allow_private=True, resolve=resolver("10.0.0.1")).addresses
    with pytest.raises(Refused, match="must be https"):
        check("http://hooks.example.com/", allow_private=True, resolve=resolver("127.0.0.1"))
    with pytest.raises(Refused, match="must be https"):
        check("http://10.0.0.1/", allow_private=True)


@pytest.mark.parametrize("url", ["http://127.0.0.2:9000/hook", "http://127.255.255.254/", "http://[::1]:9000/",
                                 "http://[::ffff:127.0.0.1]/", "http://localhost:9000/"])
def test_allow_private_admits_plain_http_to_127_0_0_1_only_as_it_says(url):
    """Plain http went to any loopback address under WEBHOOK_ALLOW_PRIVATE=1, though the refusal,
    the contract and the READMEs say 127.0.0.1 (review); over https they are admitted."""
    with pytest.raises(Refused, match=r"plain http only to 127\.0\.0\.1"):
        check(url, allow_private=True, resolve=resolver("127.0.0.1"))
    assert check(url.replace("http://", "https://"), allow_private=True, resolve=resolver("127.0.0.1")).addresses


def test_localhost_resolves_to_loopback_and_is_refused_with_the_real_resolver():
    with pytest.raises(Refused, match="loopback"):
        check("https://localhost/hook")


def test_a_refusal_never_names_the_address_it_resolved_to():
    with pytest.raises(Refused) as refused:
        check("https://internal.example.com/", resolve=resolver("10.9.8.7"))
    assert "10.9.8.7" not in str(refused.value)
    assert targets.MAX_URL_LENGTH == 2048
