"""CPU time of local processes from ``/proc`` (the bench's scripts that count a call's CPU in every
process it crosses: ``profile_write.py``, ``floor.py``), and the processes below a process
(``footprint.py``'s memory, ``household_import.py``'s quiet system)."""
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


def _parents():
    """``{pid: its parent's pid}`` of every process now."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(_stat(entry.name)[1])
            except (OSError, IndexError, ValueError):
                pass
    return parents


def children(pid):
    return [child for child, parent in _parents().items() if parent == pid]


def descendants(pids):
    """``pids`` and all their descendants (a gunicorn master and its workers), from one pass over
    ``/proc``."""
    below = {}
    for child, parent in _parents().items():
        below.setdefault(parent, []).append(child)
    found, todo = [], list(pids)
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.append(pid)
            todo.extend(below.get(pid, ()))
    return found


def tree(pid):
    """``pid`` and all its descendants."""
    return descendants([pid])


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
