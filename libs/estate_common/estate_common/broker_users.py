"""Who may touch what on RabbitMQ: one broker user per component, and the definitions file.

Each service and the gateway connects as a user of its own
(``estate-<component>`` by default), with permissions on its own queues and exchanges
only. The names below are nameko 2.14's and ours:

- a service consumes its RPC queue ``rpc-<service>`` (bound to the ``nameko-rpc`` topic
  exchange with ``<service>.*``), replies on ``nameko-rpc`` to the caller's reply key (a
  UUID), publishes its events to ``<service>.events`` (the outbox relay), consumes its
  event queues ``evt-<source>-<type>--<service>.<method>`` (bound to any service's
  ``<source>.events``) and owns its dead letters ``<service>.dead-letters`` (its probes read
  files in its pod: ``estate_common.probe``; they called its ``health`` over the broker until
  2026-12, with the user's own rights to do so, which went with them);
- the gateway publishes calls to ``nameko-rpc`` and consumes its reply queues
  ``rpc.reply-gateway-<uuid>``;
- the autoscaler (KEDA's rabbitmq scaler, ``deploy/k8s/components/keda``) only reads queue
  depths, with passive declares, which RabbitMQ allows without any permission: its user may
  open the vhost and nothing else.

RabbitMQ checks *configure* (declare, delete), *write* (publish to an exchange, bind a
queue) and *read* (consume from a queue, bind from an exchange) against a regex per
user and vhost, and, on a topic exchange, the routing key of a publish (write) or a
binding (read) against topic permissions. On ``nameko-rpc`` these say that a service may
bind only its own ``<service>.*`` (so it cannot bind a queue that steals another
service's calls) and publish only replies; the
gateway publishes calls to the services only and binds only reply keys.

What a service's user can still do: declare (and so delete) the shared exchanges that
nameko declares on every start (``nameko-rpc`` and the services' ``<service>.events``): a
denial of service, not impersonation. It cannot consume another component's queue or
publish to another service's event exchange (``ACCESS_REFUSED``).

``python -m estate_common.broker_users`` writes a RabbitMQ definitions file (users with
salted SHA-256 password hashes, the vhost, permissions, topic permissions) from the
passwords in the environment; RabbitMQ loads it at boot (``load_definitions``) or with
``rabbitmqctl import_definitions``. See README "Bus trust".
"""
import argparse
import base64
import hashlib
import json
import os
import re
import secrets
import sys

from . import secrets_policy, topology

RPC_EXCHANGE = "nameko-rpc"  # nameko's default AMQP exchange for RPC
COMPONENTS = (*topology.SERVICES, "gateway")  # the processes that run on the bus
AUTOSCALER = "autoscaler"  # an optional user: reads queue depths only
USERS = (*COMPONENTS, AUTOSCALER)
DEFAULT_PREFIX = "estate-"
ADMIN_USER_ENV, ADMIN_PASSWORD_ENV = "RABBITMQ_USER", "RABBITMQ_PASSWORD"
PASSWORD_MIN_CHARS = 16

_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_NAME = "[a-z][a-z0-9_]*"
_SERVICES = "(" + "|".join(re.escape(s) for s in topology.SERVICES) + ")"


def user_name(component, prefix=DEFAULT_PREFIX):
    return f"{prefix}{component}"


def password_env(component):
    """``RABBITMQ_PASSWORD_<COMPONENT>``: where compose and the generator read its password."""
    return f"{ADMIN_PASSWORD_ENV}_{component.upper()}"


def _any_of(*patterns):
    return "^(" + "|".join(patterns) + ")$"


def permissions(component):
    """``{"configure", "write", "read"}`` regexes of ``component``'s user on the vhost."""
    if component == AUTOSCALER:
        return {"configure": "^$", "write": "^$", "read": "^$"}
    if component == "gateway":
        replies = rf"rpc\.reply-gateway-{_UUID}"
        own = _any_of(re.escape(RPC_EXCHANGE), replies)
        return {"configure": own, "write": own, "read": own}
    if component not in topology.SERVICES:
        raise ValueError(f"unknown component {component!r}; have {COMPONENTS}")
    s = re.escape(component)
    queues = (rf"rpc-{s}", rf"evt-{_NAME}-{_NAME}--{s}\.{_NAME}", rf"{s}\.dead-letters")
    exchanges_declared = (re.escape(RPC_EXCHANGE), rf"{_SERVICES}\.events", rf"{s}\.dead-letters")
    return {
        # nameko declares the exchanges it binds to, the source's event exchange included
        "configure": _any_of(*queues, *exchanges_declared),
        # publish: replies (nameko-rpc), its events, its dead letters
        # (a queue's x-dead-letter-exchange needs write on it); bind: its own queues
        "write": _any_of(*queues, re.escape(RPC_EXCHANGE), rf"{s}\.events", rf"{s}\.dead-letters"),
        # consume its own queues; bind them from nameko-rpc, any service's events, its dead letters
        "read": _any_of(*queues, re.escape(RPC_EXCHANGE), rf"{_SERVICES}\.events", rf"{s}\.dead-letters"),
    }


def topic_permissions(component):
    """Routing keys ``component`` may publish (write) and bind (read) on ``nameko-rpc``."""
    if component == AUTOSCALER:
        return []  # it may neither publish nor bind anywhere
    if component == "gateway":
        write, read = _any_of(rf"{_SERVICES}\.{_NAME}"), _any_of(_UUID)
    else:
        s = re.escape(component)
        write = _any_of(_UUID)  # replies to callers
        read = _any_of(rf"{s}\.\*")  # its RPC queue's binding
    return [{"exchange": RPC_EXCHANGE, "write": write, "read": read}]


def password_hash(password, salt=None):
    """RabbitMQ's ``rabbit_password_hashing_sha256``: base64(salt + sha256(salt + password)),
    with a 4-byte salt."""
    salt = secrets.token_bytes(4) if salt is None else salt
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode()).digest()).decode()


def definitions(passwords, vhost="/", prefix=DEFAULT_PREFIX, admin=None):
    """The definitions document: a user per component in ``passwords`` (component ->
    password), and ``admin`` = (user, password), an administrator for the operator's tools
    (``scripts/dead_letters.py``, ``rabbitmqctl``), with full permissions on the vhost."""
    users, perms, topics = [], [], []

    def user(name, password, tags):
        users.append({"name": name, "password_hash": password_hash(password),
                      "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": tags, "limits": {}})

    if admin is not None:
        user(admin[0], admin[1], ["administrator"])
        perms.append({"user": admin[0], "vhost": vhost, "configure": ".*", "write": ".*", "read": ".*"})
    for component in USERS:
        if component not in passwords:
            continue
        name = user_name(component, prefix)
        user(name, passwords[component], [])
        perms.append({"user": name, "vhost": vhost, **permissions(component)})
        topics.extend({"user": name, "vhost": vhost, **t} for t in topic_permissions(component))
    return {"users": users, "vhosts": [{"name": vhost}], "permissions": perms, "topic_permissions": topics}


def amqp_uri(component, password, host="rabbitmq", port=5672, vhost="/", prefix=DEFAULT_PREFIX, scheme="amqp"):
    from urllib.parse import quote
    path = "/" if vhost == "/" else "/" + quote(vhost, safe="")
    return f"{scheme}://{quote(user_name(component, prefix), safe='')}:{quote(password, safe='')}@{host}:{port}{path}"


def _password(environ, name):
    value = environ.get(name, "")
    reason = secrets_policy.weakness(value, PASSWORD_MIN_CHARS)
    if reason is None and not re.fullmatch(r"[A-Za-z0-9._~-]+", value):
        reason = "must be URL-safe (docker-compose.yml writes it into AMQP_URI as it is)"
    if reason:
        raise secrets_policy.InsecureSecret(
            f"{name} {reason}: use at least {PASSWORD_MIN_CHARS} random URL-safe characters "
            "(python -c \"import secrets; print(secrets.token_urlsafe(24))\")")
    return value


def from_environment(environ=None, vhost="/", prefix=DEFAULT_PREFIX):
    """Definitions from ``RABBITMQ_PASSWORD_<COMPONENT>`` for each component (and the
    autoscaler, when ``RABBITMQ_PASSWORD_AUTOSCALER`` is set), and the administrator
    ``RABBITMQ_USER`` (default ``estate-admin``) / ``RABBITMQ_PASSWORD``."""
    environ = os.environ if environ is None else environ
    passwords = {c: _password(environ, password_env(c)) for c in COMPONENTS}
    if environ.get(password_env(AUTOSCALER)):
        passwords[AUTOSCALER] = _password(environ, password_env(AUTOSCALER))
    admin = (environ.get(ADMIN_USER_ENV) or f"{prefix}admin", _password(environ, ADMIN_PASSWORD_ENV))
    return definitions(passwords, vhost=vhost, prefix=prefix, admin=admin)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Write RabbitMQ definitions: a user per estate-ops component.")
    parser.add_argument("--vhost", default="/")
    parser.add_argument("--prefix", default=DEFAULT_PREFIX, help="user names: <prefix><component>")
    parser.add_argument("--out", default="-", help="file to write; - for stdout")
    parser.add_argument("--mode", default="600", help="the file's mode, octal (644 when another user, "
                        "RabbitMQ's, reads it from a volume only the two share)")
    args = parser.parse_args(argv)
    try:
        document = from_environment(vhost=args.vhost, prefix=args.prefix)
    except secrets_policy.InsecureSecret as refused:
        print(f"broker definitions not written: {refused}", file=sys.stderr)
        return 2
    text = json.dumps(document, indent=2) + "\n"
    if args.out == "-":
        sys.stdout.write(text)
    else:
        descriptor = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(text)
        os.chmod(args.out, int(args.mode, 8))
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
