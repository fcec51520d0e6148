"""One delivery attempt over HTTP (urllib3): to an address ``targets.check`` has just approved,
never following a redirect, with a short timeout, reading at most a little of the answer.

The connection goes to the checked IP address while TLS checks the certificate against the
host name in the URL (SNI and ``assert_hostname``) and the ``Host`` header carries it: a name
that resolves to a public address at the check and a private one a moment later (DNS
rebinding) is never reached at the second.
"""
import certifi
import eventlet
import urllib3

from . import targets

ANSWER_BYTES = 1024  # how much of the receiver's answer is read (and dropped)


def attempt_seconds(timeout_seconds):
    """The whole attempt's limit: a connect and a read's worth, and a second to spare.
    urllib3's timeouts bound each socket operation, not the attempt: a receiver that sends a
    byte now and then held an attempt for as long as it liked (30 s with a 2 s timeout)."""
    return 2 * timeout_seconds + 1


def send(url, body, headers, timeout_seconds, allow_private, resolve=None):
    """``(status_code, error)``: the receiver's status (None when none came), and why it failed
    (a refused target, a timeout, a connection error), or None; never longer than
    ``attempt_seconds``."""
    try:
        with eventlet.Timeout(attempt_seconds(timeout_seconds)):
            return _send(url, body, headers, timeout_seconds, allow_private, resolve)
    except eventlet.Timeout:
        return None, f"timed out after {attempt_seconds(timeout_seconds):g} s (the whole attempt)"


def _send(url, body, headers, timeout_seconds, allow_private, resolve):
    try:
        target = targets.check(url, allow_private, resolve)
    except targets.Refused as refused:
        return None, f"target refused: the URL {refused}"
    timeout = urllib3.Timeout(connect=timeout_seconds, read=timeout_seconds)
    error = None
    for address in target.addresses[:2]:  # a second address when the first does not connect
        pool = _pool(target, address, timeout)
        try:
            answer = pool.urlopen("POST", target.path, body=body.encode(), headers={**headers, "Host": target.host_header},
                                  redirect=False, retries=False, preload_content=False, assert_same_host=False)
            try:
                answer.read(ANSWER_BYTES)
            finally:
                answer.release_conn()
            return answer.status, None
        except urllib3.exceptions.NewConnectionError as failed:  # (a ConnectTimeoutError subclass in urllib3)
            error = f"connection failed ({type(failed).__name__})"
        except urllib3.exceptions.TimeoutError:
            return None, f"timed out after {timeout_seconds} s"
        except urllib3.exceptions.SSLError:
            return None, "TLS failed (certificate or handshake)"
        except (urllib3.exceptions.HTTPError, OSError) as failed:
            error = f"connection failed ({type(failed).__name__})"
        finally:
            pool.close()
    return None, error


def _pool(target, address, timeout):
    if target.scheme == "https":
        return urllib3.HTTPSConnectionPool(address, target.port, timeout=timeout, maxsize=1, retries=False,
                                           cert_reqs="CERT_REQUIRED", ca_certs=certifi.where(),
                                           server_hostname=target.host, assert_hostname=target.host)
    return urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, maxsize=1, retries=False)
