"""Make sure the browser tests have their browser: Debian's Chromium (and a CJK font).

``make test`` runs this first. Where Chromium is missing and apt-get can run (as
root), it installs the packages; otherwise it says loudly what is missing, and
the browser tests then fail with the same message (they never skip silently).
Playwright drives this Chromium (``executable_path``); its own browser download
is not used.
"""
import os
import shutil
import subprocess
import sys

CHROMIUM = os.environ.get("CONSOLE_BROWSER", "/usr/bin/chromium")
PACKAGES = ("chromium", "fonts-wqy-microhei")  # the font: Chinese pages in screenshots are not boxes


def main():
    if os.path.exists(CHROMIUM):
        return 0
    if shutil.which("apt-get") and os.geteuid() == 0:
        print(f"browser tests: {CHROMIUM} is missing; installing {' '.join(PACKAGES)} with apt-get", flush=True)
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], check=False, env=env)
        subprocess.run(["apt-get", "install", "-y", "-q", *PACKAGES], check=False, env=env)
    if os.path.exists(CHROMIUM):
        return 0
    print(f"\n*** browser tests: {CHROMIUM} is missing and could not be installed "
          f"(run 'apt-get install -y chromium' as root); the browser tests will FAIL ***\n",
          file=sys.stderr, flush=True)
    return 0  # the tests themselves fail with this message; the rest of the suite still runs


if __name__ == "__main__":
    sys.exit(main())
