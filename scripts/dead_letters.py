"""Look at, replay or purge a service's dead-letter queue (``<service>.dead-letters``).

    python scripts/dead_letters.py list   --service archive [--limit 20]
    python scripts/dead_letters.py replay --service archive [--limit N]
    python scripts/dead_letters.py purge  --service archive [--limit N]

``list`` prints one line per message: event_type, event_id, estate_id, why it died (x-death
reason: ``delivery_limit`` for a handler that kept failing, ``rejected`` for an event that
breaks its contract), the queue it died in and how often. Never the event's data: it may hold
personal data. The messages stay in the queue.

``replay`` republishes each message, with its body and headers, to the queue it died in (the
default exchange, routing key = that queue) with publisher confirms, then acks it. Only the
consumer that failed gets it again: the other consumers of the event type had it already.
Replay once the cause is fixed (a deploy, a contract change); consumers dedupe by event_id.

``purge`` acks (drops) the first ``--limit`` messages, or all of them.

AMQP_URI as for the services (``--amqp-uri`` overrides it).
"""
import argparse
import json
import sys

from kombu import Connection

from estate_common import config
from estate_common.nameko import dead_letters

# set by the broker on each delivery; a replayed message starts afresh
DROPPED_HEADERS = ("x-delivery-count",)


def _headers(message):
    return dict(message.properties.get("application_headers") or {})


def _text(value):
    return value.decode() if isinstance(value, bytes) else value


def describe(message):
    """What an operator may see of a dead letter: its envelope and its death, no data."""
    try:
        body = json.loads(message.body)
    except (TypeError, ValueError):
        body = None
    if not isinstance(body, dict):
        body = {}
    deaths = _headers(message).get("x-death") or [{}]
    death = deaths[0]
    return {
        "event_type": body.get("event_type") or message.delivery_info.get("routing_key"),
        "event_id": body.get("event_id"),
        "estate_id": body.get("estate_id"),
        "reason": _text(death.get("reason")),
        "queue": _text(death.get("queue")),
        "count": death.get("count"),
        "died_at": str(death.get("time")) if death.get("time") else None,
    }


def _fetch(channel, queue, limit):
    """Up to ``limit`` messages (all when None), unacked: closing the channel puts back the rest."""
    fetched = []
    while limit is None or len(fetched) < limit:
        message = channel.basic_get(queue, no_ack=False)
        if message is None:
            break
        fetched.append(message)
    return fetched


def list_(channel, queue, limit, out):
    messages = _fetch(channel, queue, limit)
    for message in messages:
        out.write(json.dumps(describe(message)) + "\n")
    return len(messages)


def replay(channel, queue, limit, out):
    replayed = 0
    for message in _fetch(channel, queue, limit):
        target = describe(message)["queue"]
        if not target:
            out.write(f"skipped {describe(message)['event_id']}: no x-death queue to replay to\n")
            continue
        headers = {k: v for k, v in _headers(message).items() if k not in DROPPED_HEADERS}
        properties = {k: v for k, v in message.properties.items() if k != "application_headers"}
        replayed_message = channel.prepare_message(
            message.body, priority=properties.get("priority"),
            content_type=properties.get("content_type"),
            content_encoding=properties.get("content_encoding"),
            headers=headers, properties={k: v for k, v in properties.items()
                                         if k not in ("priority", "content_type", "content_encoding")})
        channel.basic_publish_confirm(replayed_message, exchange="", routing_key=target, mandatory=True)
        channel.basic_ack(message.delivery_tag)
        out.write(f"replayed {describe(message)['event_id']} to {target}\n")
        replayed += 1
    return replayed


def purge(channel, queue, limit, out):
    if limit is None:
        return channel.queue_purge(queue) or 0
    messages = _fetch(channel, queue, limit)
    for message in messages:
        channel.basic_ack(message.delivery_tag)
    return len(messages)


COMMANDS = {"list": list_, "replay": replay, "purge": purge}


def main(argv=None, out=sys.stdout):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=sorted(COMMANDS))
    parser.add_argument("--service", required=True)
    parser.add_argument("--limit", type=int, default=None,
                        help="at most this many messages (list: default 100; replay and purge: all)")
    parser.add_argument("--amqp-uri", default=None)
    args = parser.parse_args(argv)
    limit = args.limit if args.limit is not None or args.command != "list" else 100
    uri = args.amqp_uri or config.amqp_uri()
    queue = dead_letters.name(args.service)
    with Connection(uri) as connection:
        dead_letters.queue(args.service)(connection.default_channel).declare()
        channel = connection.channel()
        try:
            done = COMMANDS[args.command](channel, queue, limit, out)
        finally:
            channel.close()  # unacked messages (list) go back to the queue
    if args.command != "list":
        out.write(f"{args.command}: {done} message(s) in {queue}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
