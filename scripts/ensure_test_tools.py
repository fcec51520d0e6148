"""Make sure the tests have the programs they drive that are not Python packages: Debian's
Chromium (and a CJK font) for the browser tests, ``promtool`` (Debian's ``prometheus``) for
the alert rules' unit tests, and ``rabbitmq-server`` for the broker-restart fault test (a
private node of its own; where the tests' broker is another, a service container say, the
package's own service may stay off).

``make test`` runs this first. Where one is missing and apt-get can run (as root), it installs
the packages; otherwise it says loudly what is missing, and the tests that need it then fail
with the same message (they never skip silently). Playwright drives this Chromium
(``executable_path``); its own browser download is not used. Installing ``prometheus`` does not
start a Prometheus server where the system's policy denies it (``policy-rc.d``, as in
containers); only its ``promtool`` is used.
"""
import os
import shutil
import subprocess
import sys

CHROMIUM = os.environ.get("CONSOLE_BROWSER", "/usr/bin/chromium")
# (what, the file it must leave, the packages that bring it, apt-get's options, what tests need it)
TOOLS = (
    # Chromium with what it recommends, as the browser tests have always run; the font: Chinese screenshots
    ("Chromium", CHROMIUM, ("chromium", "fonts-wqy-microhei"), (), "the browser tests"),
    # only promtool is used: not the exporters prometheus recommends
    ("promtool", shutil.which("promtool") or "/usr/bin/promtool", ("prometheus",), ("--no-install-recommends",),
     "the alert rules' unit tests"),
    # the fault test starts and restarts a node of its own (tests/faults/private_broker.py); it
    # skipped where none was installed, so CI's green said nothing of it (found by review)
    ("rabbitmq-server", "/usr/lib/rabbitmq/bin/rabbitmq-server", ("rabbitmq-server",), ("--no-install-recommends",),
     "the broker-restart fault test"),
)


def missing():
    return [tool for tool in TOOLS if not os.path.exists(tool[1])]


def main():
    wanted = missing()
    if wanted and shutil.which("apt-get") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=False, env=env)
        for what, _, packages, options, _ in wanted:
            print(f"test tools: {what} is missing; installing {' '.join(packages)} with apt-get", flush=True)
            subprocess.run(["apt-get", "install", "-y", "-q", *options, *packages], check=False, env=env)
    for what, path, packages, _, needed_by in missing():
        print(f"\n*** {needed_by}: {what} ({path}) is missing and could not be installed "
              f"(run 'apt-get install -y {' '.join(packages)}' as root); they will FAIL ***\n",
              file=sys.stderr, flush=True)
    return 0  # the tests themselves fail with this message; the rest of the suite still runs


if __name__ == "__main__":
    sys.exit(main())
