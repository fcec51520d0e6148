"""``python -m estate_common.serve --config config.yml module:Class``

Exactly ``nameko run`` with the same arguments, after refusing guessable broker
credentials (``secrets_policy``: the only secret a service reads) and filtering two start-up
warnings: nameko 2.14 stands on eventlet and pkg_resources, both deprecated,
and their multi-line warnings would break the JSON-lines log stream. Its containers freeze their
start-up heap once started (``estate_common.collector``). A test system's service declares its
queues under the suite's broker lock (``estate_common.vhosts.declare_under_lock_when_asked``).
"""
import sys
import warnings

from estate_common import collector, config, secrets_policy


def main():
    try:
        secrets_policy.check_service(config.amqp_uri())
    except secrets_policy.InsecureSecret as refused:
        print(f"refusing to start: {refused}", file=sys.stderr)
        return 2
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    warnings.filterwarnings("ignore", message=r"pkg_resources is deprecated")
    collector.freeze_when_started()  # a server: its start-up heap leaves the full collections
    import eventlet
    eventlet.monkey_patch()  # as nameko run does first: before nameko (and the lock's threading) is imported here
    from estate_common import vhosts
    vhosts.declare_under_lock_when_asked()
    from nameko.cli.main import main as nameko_main
    sys.argv = ["nameko", "run", *sys.argv[1:]]
    return nameko_main()


if __name__ == "__main__":
    sys.exit(main())
