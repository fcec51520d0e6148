"""The open work orders counted (GET …/work-orders/counts): the engineering board's team load,
exact where the board's columns show the 200 oldest of a status. The counts themselves are the
store's (``store.open_order_counts``: index buckets counted); this is their answer's shape."""

TALLIED = ("open", "late", "emergency")


def _zero():
    return {key: 0 for key in TALLIED}


def _add(into, tally):
    for key in TALLIED:
        into[key] += tally[key]


def answer(counts, statuses, as_of):
    """The counts' answer from ``counts`` (``{status: {technician or None: tally}}``), each tally
    ``{open, late, emergency}``: the estate's open orders, the late ones (past their deadline at
    ``as_of``, the list's ``overdue=true``) and the emergencies; ``by_status`` every one of
    ``statuses`` (the open ones, zero where none); ``by_technician`` each technician holding one,
    by name, with his by status (the statuses he holds); ``unassigned`` those no one holds (pending,
    or handed back for help)."""
    total, by_status = _zero(), {status: _zero() for status in statuses}
    technicians, unassigned = {}, {**_zero(), "by_status": {}}
    for status, held in counts.items():
        for technician, tally in held.items():
            _add(total, tally)
            _add(by_status[status], tally)
            row = unassigned if technician is None else technicians.setdefault(
                technician, {"technician": technician, **_zero(), "by_status": {}})
            _add(row, tally)
            row["by_status"][status] = dict(tally)
    return {"as_of": as_of, **total, "by_status": by_status,
            "by_technician": [technicians[name] for name in sorted(technicians)], "unassigned": unassigned}
