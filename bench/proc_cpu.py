"""CPU time of local processes from ``/proc`` (the bench's scripts that count a call's CPU in every
process it crosses: ``profile_write.py``, ``floor.py``)."""
from pathlib import Path
import os

TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid):
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pid):
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


def cpu_of(pids):
    """CPU seconds of a pid or a list of them; a process gone meanwhile counts nothing more."""
    total = 0.0
    for pid in pids if isinstance(pids, list) else [pids]:
        try:
            total += cpu_seconds(pid)
        except OSError:
            pass
    return total


def children(pid):
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if int(_stat(entry.name)[1]) == pid:
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def tree(pid):
    """``pid`` and all its descendants (a gunicorn master and its workers)."""
    return [pid] + [each for child in children(pid) for each in tree(child)]


def broker_pid():
    """The RabbitMQ node's pid (its CPU is part of every call), or None when it is not local."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if "beam.smp" in Path(entry, "cmdline").read_text():
                    return int(entry.name)
            except OSError:
                pass
    return None
