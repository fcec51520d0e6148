"""Add ``--hash=sha256:…`` to every pinned line of requirements/*.txt, so that pip
installs them with ``--require-hashes`` (a package swapped on the index, or a mirror
serving something else under the same version, is refused).

Each ``name==version`` line gets the digest of every file PyPI holds for that release
(wheels for every platform and the sdist), as pip-compile's ``--generate-hashes`` does:
the same file then installs on a developer's machine, in CI and in the Docker images.
Lines that already carry hashes are recomputed. Run by ``make lock``; needs the index.

    python scripts/pin_hashes.py requirements/services.txt requirements/gateway.txt …
"""
import json
import re
import sys
import urllib.request
from pathlib import Path

INDEX = "https://pypi.org/pypi/{name}/json"
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?P<extras>\[[^\]]*\])?==(?P<version>[^\s;\\]+)")


def release_hashes(name, version, fetch=None):
    """The sha256 of every file of ``name==version`` on the index, sorted."""
    fetch = fetch or _fetch_json
    files = fetch(INDEX.format(name=name)).get("releases", {}).get(version)
    if not files:
        raise SystemExit(f"pin_hashes: {name}=={version} is not on the index")
    return sorted({f["digests"]["sha256"] for f in files})


def with_hashes(text, fetch=None):
    """``text`` (a requirements file) with each pin followed by its hashes."""
    out = []
    for line in _logical_lines(text):
        match = PIN.match(line)
        if not match:
            out.append(line)
            continue
        pin = line.split(" --hash")[0].rstrip()
        hashes = release_hashes(match["name"], match["version"], fetch)
        out.append(" \\\n".join([pin] + [f"    --hash=sha256:{h}" for h in hashes]))
    return "\n".join(out) + "\n"


def _logical_lines(text):
    """Lines with their backslash continuations joined (an earlier run's hashes)."""
    lines, current = [], ""
    for raw in text.splitlines():
        if raw.rstrip().endswith("\\"):
            current += raw.rstrip()[:-1] + " "
            continue
        lines.append(current + raw)
        current = ""
    if current:
        lines.append(current)
    return lines


def _fetch_json(url):
    with urllib.request.urlopen(url, timeout=60) as answer:
        return json.load(answer)


def main(paths):
    for path in map(Path, paths):
        path.write_text(with_hashes(path.read_text()))
        print(f"pin_hashes: {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
