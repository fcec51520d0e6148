"""Community activities (社区文化活动): the service center organises activities (a Mid-Autumn gathering,
a children's painting class, a health talk) "to build a friendly community and raise the owners'
satisfaction" (the seed's 社区文化建设与增值服务; the manager's 组织开展社区文化活动).

An activity (``new_activity``) has its title, kind, place, start and end (UTC; its local day is the
estate's), a capacity in people, a sign-up deadline (``activity_signup_close_hours`` before its start
unless given) and a budget in cents. Households sign up (``sign_up``: at the desk, by phone, or through
an owner app's key, whose sign-ups read ``app``) for a number of people (at most ``activity_people_per_household_max``): confirmed while
the places last, wait-listed after, in the order they came; a household signing up again is answered
its first sign-up (one place list per flat, not one per call); after the deadline, or once the
activity is cancelled or held, sign-ups are refused (422 / 409). A cancelled sign-up frees its places
and the wait list's sign-ups that fit are confirmed in the same write, in order (one too large for
them keeps its place at the head; a new sign-up that fits is confirmed ahead of it) (``promoted``), each
announced (``activity_signup_promoted``) so the household can be told. The sign-ups live in the
activity's document: two desks taking the last place at once write it one after the other (the store's
revision check), so one is confirmed and the other wait-listed, never both confirmed.

While it is planned the desk changes its places (``change_capacity``: more confirm the wait list's
that fit, as a cancellation does; fewer than the people confirmed is refused). The organiser moves it (``move``: a new time or place, rain) or cancels it (``cancel``), with the
reason; both are announced with the households signed up (``activity_moved``, ``activity_cancelled``)
for the notice board and webhooks to tell them. On the day (from its start) the attendance is taken
(``attend``: the households present, those that came without a place the desk let in (walk-ins), and its
actual cost in cents, the cost above the budget flagged: ``over_budget``); afterwards each household present
may rate it 1-5 within ``activity_rating_days`` (``rate``), and those ratings are owner-satisfaction
answers (``kpis.owner_satisfaction``). Names and phones are none of this: households by id."""
from datetime import timedelta

from estate_common import calendar, clock, transitions
from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden, field_error
from estate_common.roles import is_api_key
from estate_common.text import optional_text
from estate_common.wording import counted

from .domain import Change, history_entry

KINDS = ("festival", "class", "talk", "sports", "volunteer", "other")
CHANNELS = ("desk", "phone", "portal", "app")

# status -> {action: next status}. An action not listed is refused (409).
TRANSITIONS = {
    "planned": {"sign_up": "planned", "cancel_signup": "planned", "move": "planned", "cancel": "cancelled",
                "attend": "held", "capacity": "planned"},
    "held": {"attend": "held", "rate": "held"},
    "cancelled": {},
}

CONFIRMED, WAIT_LISTED, WITHDRAWN = "confirmed", "wait_listed", "cancelled"

# the sign-ups an activity's document keeps, cancelled ones included: they live in it, and a household
# signing up and cancelling again and again grew it past MongoDB's 16 MB, after which no write of the
# activity went through (r7 reviewing h7). An estate-wide activity of 2,000 households and as many
# cancellations fits; the worst case (each cancelled with a 500-character reason) stays under 12 MB.
SIGNUPS_MAX = 4000


def _times(data, now, field_prefix="data"):
    starts, ends = clock.parse_iso(data["starts_at"]), clock.parse_iso(data["ends_at"])
    if ends <= starts:
        raise BusinessRuleViolation("an activity ends after it starts",
                                    [field_error(f"{field_prefix}.ends_at", "is not after starts_at")])
    if starts <= now:
        raise BusinessRuleViolation("an activity is planned for a time to come",
                                    [field_error(f"{field_prefix}.starts_at", "is not in the future")])
    return starts, ends


def _deadline(data, starts, now, rules):
    """The sign-up deadline: given (before the start, after now), or ``activity_signup_close_hours``
    before the start; the start itself when that is past already (an activity planned for this
    afternoon: the moment it was planned closed its sign-ups at once, r7 reviewing h7)."""
    if data.get("signup_deadline") is None:
        default = starts - timedelta(hours=rules["activity_signup_close_hours"])
        return default if default > now else starts
    deadline = clock.parse_iso(data["signup_deadline"])
    if not now < deadline <= starts:
        raise BusinessRuleViolation("sign-ups close before the activity starts, and not in the past",
                                    [field_error("data.signup_deadline", "is not between now and starts_at")])
    return deadline


def new_activity(activity_id, estate_id, data, now, user, rules):
    starts, ends = _times(data, now)
    at = clock.to_iso(now)
    return {
        "_id": activity_id, "estate_id": estate_id, "title": data["title"].strip(), "kind": data["kind"],
        "place": data["place"].strip(), "description": optional_text(data, "description"),
        "starts_at": clock.to_iso(starts), "ends_at": clock.to_iso(ends),
        "signup_deadline": clock.to_iso(_deadline(data, starts, now, rules)),
        "capacity": data["capacity"], "budget_cents": data.get("budget_cents"), "actual_cost_cents": None,
        "status": "planned", "signups": [], "moves": [], "cancelled": None, "attendance": None, "ratings": [],
        "history": [history_entry(at, user, "planned")],
        "created_at": at, "updated_at": at, "created_by": user, "_rev": 0}


def taken(activity):
    """People on confirmed sign-ups."""
    return sum(s["people"] for s in activity["signups"] if s["status"] == CONFIRMED)


def _local(moment, tz):
    return clock.parse_iso(moment).astimezone(calendar.zone(tz)).strftime("%Y-%m-%dT%H:%M")


def shown(activity, tz):
    """The activity as the API answers it: its start and end on the estate's clock (``tz``), its places
    taken and left, its wait list's length, its rating so far (mean and count)."""
    confirmed = taken(activity)
    ratings = [r["score"] for r in activity.get("ratings") or ()]
    return {**activity, "local_starts_at": _local(activity["starts_at"], tz),
            "local_ends_at": _local(activity["ends_at"], tz), "timezone": tz, "places_taken": confirmed, "places_left": max(activity["capacity"] - confirmed, 0),
            "wait_listed": sum(1 for s in activity["signups"] if s["status"] == WAIT_LISTED),
            "over_budget_cents": over_budget(activity),
            "rating": {"count": len(ratings),
                       "average": round(sum(ratings) / len(ratings), 2) if ratings else None}}


def over_budget(activity):
    """The actual cost above the budget in cents (0 within it), None before a cost is recorded: the
    manager reads an activity that cost more than planned (it was shown beside its budget, unflagged).
    None with no budget set (``budget_cents`` None): it was kept as 0, and any cost counted over it
    (found by h7); a budget of 0 said outright is one."""
    cost, budget = activity.get("actual_cost_cents"), activity.get("budget_cents")
    return None if cost is None or budget is None else max(cost - budget, 0)


# what a list answers of each activity (``summary``): its figures, not its sign-ups, ratings, attendance
# and history, which an estate-wide activity holds by the thousand (r7 reviewing h7)
WHOLE_ONLY = ("signups", "ratings", "attendance", "history")


def summary(activity, tz):
    """The activity as a list answers it: ``shown`` without ``WHOLE_ONLY``, with the households present."""
    view = shown(activity, tz)
    present = (activity.get("attendance") or {}).get("present")
    return {name: value for name, value in view.items() if name not in WHOLE_ONLY} | {
        "households_present": len(present) if present is not None else None}


def _of_household(activity, household_id):
    return next((s for s in activity["signups"] if s["household_id"] == household_id and s["status"] != WITHDRAWN),
                None)


def existing_signup(activity, household_id):
    """The household's live sign-up (confirmed or wait-listed), or None: a repeated sign-up answers it."""
    return _of_household(activity, household_id)


def sign_up(activity, signup_id, data, now, user, rules):
    """A household's sign-up: confirmed when its people fit in the places left (those waiting
    do not fit them), wait-listed otherwise. None when the household has one already (the caller answers that one)."""
    transitions.next_status(TRANSITIONS, activity["status"], "sign_up", "an activity")
    if _of_household(activity, data["household_id"]) is not None:
        return None
    if now >= clock.parse_iso(activity["signup_deadline"]):
        raise BusinessRuleViolation(f"sign-ups closed at {activity['signup_deadline']}",
                                    [field_error("id", "sign-ups are closed")])
    if len(activity["signups"]) >= SIGNUPS_MAX:
        raise BusinessRuleViolation(f"an activity keeps at most {SIGNUPS_MAX} sign-ups, cancelled ones included",
                                    [field_error("id", "holds all the sign-ups it keeps")])
    most = rules["activity_people_per_household_max"]
    if data["people"] > most:
        raise BusinessRuleViolation(f"a household signs up at most {most} people",
                                    [field_error("data.people", f"is more than {most}")])
    if data["people"] > activity["capacity"]:
        raise BusinessRuleViolation("more people than the activity holds",
                                    [field_error("data.people", f"is more than the capacity {activity['capacity']}")])
    # the wait list holds only sign-ups that do not fit (each that fit was confirmed: ``_promoted``),
    # so one that fits takes its places now rather than leave them empty behind a larger family
    fits = taken(activity) + data["people"] <= activity["capacity"]
    at = clock.to_iso(now)
    signup = {"id": signup_id, "household_id": data["household_id"], "people": data["people"],
              "channel": data.get("channel", "desk"), "status": CONFIRMED if fits else WAIT_LISTED,
              "signed_up_at": at, "by": user, "promoted_at": None, "cancelled_at": None, "cancel_reason": None}
    return Change({"updated_at": at}, [history_entry(at, user, "signed_up", signup["status"])],
                  push={"signups": [signup]})


def find_signup(activity, signup_id):
    return next((s for s in activity["signups"] if s["id"] == signup_id), None)


def _promoted(activity, signups, at):
    """``signups`` with the wait list's sign-ups that fit confirmed, in their order: a large family the
    places freed cannot take keeps its place at the head of the list and a couple behind it that fits
    is confirmed (a strict stop at the family left the places empty while households waited: r7)."""
    room = activity["capacity"] - sum(s["people"] for s in signups if s["status"] == CONFIRMED)
    promoted = []
    for signup in signups:
        if signup["status"] != WAIT_LISTED:
            continue
        if signup["people"] > room:
            continue
        room -= signup["people"]
        signup.update(status=CONFIRMED, promoted_at=at)
        promoted.append(signup)
    return promoted


def cancel_signup(activity, signup_id, data, now, caller):
    """A household gives its place up (or leaves the wait list); the places freed go to the wait
    list's first in the same write. A sign-up cancelled already is a 409. An owner app's key gives up
    the sign-ups made through it (or the key it replaced), 403 else: a key is estate-wide, and another
    vendor's app gave up the desk's and other apps' households' places (r4 reviewing h4), as a key
    rates only the requests it filed (``portal.owner_rate``); the desk gives up any."""
    transitions.next_status(TRANSITIONS, activity["status"], "cancel_signup", "an activity")
    signups = [dict(s) for s in activity["signups"]]
    signup = next((s for s in signups if s["id"] == signup_id), None)
    if signup is None:
        raise BusinessRuleViolation("no such sign-up on this activity", [field_error("signup_id", "is not one of its")])
    if is_api_key(caller.user) and not caller.acts_for(signup["by"]):
        raise Forbidden("an owner app gives up the sign-ups made through its own key: the desk gives up another")
    user = caller.user
    if signup["status"] == WITHDRAWN:
        raise Conflict(f"the sign-up was cancelled at {signup['cancelled_at']}")
    at = clock.to_iso(now)
    signup.update(status=WITHDRAWN, cancelled_at=at, cancel_reason=optional_text(data, "reason"))
    promoted = _promoted(activity, signups, at)
    events = [("activity_signup_promoted", promoted_announced(activity, s)) for s in promoted]
    entries = [history_entry(at, user, "signup_cancelled", signup["household_id"])]
    entries += [history_entry(at, user, "promoted", s["household_id"]) for s in promoted]
    return Change({"signups": signups, "updated_at": at}, entries, events)


def change_capacity(activity, data, now, user):
    """The places changed while it is planned (a larger hall, fewer helpers): more places confirm the
    wait list's sign-ups that fit, in order, in the same write as a cancellation does (each announced,
    ``activity_signup_promoted``); fewer than the people confirmed already is a 422 naming them (a
    confirmed place is given up by its household, not taken back). The places it has already: no change,
    nothing written (a "9 -> 9" history line was; found by h10), the activity answered as it stands."""
    transitions.next_status(TRANSITIONS, activity["status"], "capacity", "an activity")
    capacity, confirmed = data["capacity"], taken(activity)
    if capacity == activity["capacity"]:
        return None
    if capacity < confirmed:
        raise BusinessRuleViolation(
            f"the capacity is not below the people holding confirmed places ({confirmed})",
            [field_error("data.capacity", f"is less than the {confirmed} people confirmed")])
    # a household waiting with more people than the places left it waiting for a place that could never
    # hold it, told nothing (found by h7): the desk gives its sign-up up first, telling it, then cuts
    never = [s for s in activity["signups"] if s["status"] == WAIT_LISTED and s["people"] > capacity]
    if never:
        named = ", ".join(f"{s['household_id']} ({s['people']})" for s in never)
        raise BusinessRuleViolation(
            f"the capacity is not below a wait-listed household's people, which could then never come: {named}; "
            "give their sign-ups up first",
            [field_error("data.capacity", f"is less than the people of wait-listed sign-ups: {named}")])
    at = clock.to_iso(now)
    signups = [dict(s) for s in activity["signups"]]
    promoted = _promoted({**activity, "capacity": capacity}, signups, at)
    events = [("activity_signup_promoted", promoted_announced(activity, s)) for s in promoted]
    entries = [history_entry(at, user, "capacity", f"{activity['capacity']} -> {capacity}")]
    entries += [history_entry(at, user, "promoted", s["household_id"]) for s in promoted]
    return Change({"capacity": capacity, "signups": signups, "updated_at": at}, entries, events)


def promoted_announced(activity, signup):
    return {"id": activity["_id"], "title": activity["title"], "starts_at": activity["starts_at"],
            "place": activity["place"], "signup_id": signup["id"], "household_id": signup["household_id"],
            "people": signup["people"]}


def _told(activity):
    """The households signed up (confirmed or waiting): those the notice board or a webhook tells."""
    return [s["household_id"] for s in activity["signups"] if s["status"] != WITHDRAWN]


def move(activity, data, now, user):
    """A new time (and place): rain, the hall taken. Its deadline moves with it by as much; the sign-ups
    stay. Announced with the households signed up (``activity_moved``)."""
    transitions.next_status(TRANSITIONS, activity["status"], "move", "an activity")
    starts, ends = _times({"starts_at": data["starts_at"], "ends_at": data.get("ends_at") or clock.to_iso(
        clock.parse_iso(data["starts_at"]) + (clock.parse_iso(activity["ends_at"])
                                               - clock.parse_iso(activity["starts_at"])))}, now)
    shift = starts - clock.parse_iso(activity["starts_at"])
    # the deadline moves with it; moved into the past, sign-ups open before the move stay open until the
    # new start and closed ones stay closed (it was clamped to now: closed at the move, r7 reviewing h7)
    before = clock.parse_iso(activity["signup_deadline"])
    deadline = before + shift if before + shift > now else (starts if before > now else before)
    at = clock.to_iso(now)
    moved = {"at": at, "by": user, "reason": data["reason"].strip(), "from_starts_at": activity["starts_at"],
             "from_place": activity["place"], "starts_at": clock.to_iso(starts), "ends_at": clock.to_iso(ends),
             "place": optional_text(data, "place") or activity["place"]}
    announced = {"id": activity["_id"], "title": activity["title"], "from_starts_at": activity["starts_at"],
                 "starts_at": moved["starts_at"], "ends_at": moved["ends_at"], "from_place": activity["place"],
                 "place": moved["place"], "reason": moved["reason"], "household_ids": _told(activity)}
    return Change({"starts_at": moved["starts_at"], "ends_at": moved["ends_at"], "place": moved["place"],
                   "signup_deadline": clock.to_iso(deadline), "updated_at": at},
                  [history_entry(at, user, "moved", moved["reason"])], [("activity_moved", announced)],
                  push={"moves": [moved]})


def cancel(activity, data, now, user):
    """Called off, with the reason; announced with the households signed up (``activity_cancelled``)."""
    status = transitions.next_status(TRANSITIONS, activity["status"], "cancel", "an activity")
    at = clock.to_iso(now)
    reason = data["reason"].strip()
    announced = {"id": activity["_id"], "title": activity["title"], "starts_at": activity["starts_at"],
                 "place": activity["place"], "reason": reason, "household_ids": _told(activity)}
    return Change({"status": status, "cancelled": {"at": at, "by": user, "reason": reason}, "updated_at": at},
                  [history_entry(at, user, "cancelled", reason)], [("activity_cancelled", announced)])


def attend(activity, data, now, user, rules):
    """The day's attendance: the households present (each one signed up and confirmed: 422 naming the
    index else), the walk-ins (``walk_ins``: a household with no confirmed place that came, let in by the
    desk, with its people: present without a sign-up, so it rates as any household present does; one
    named in ``present`` too, or twice, is a 422) and the actual cost in cents; from its start on (422
    before); taken again, it replaces the first (a name missed at the door). Announced
    (``activity_held``, with ``over_budget_cents`` when it cost more than its budget): archive keeps it."""
    status = transitions.next_status(TRANSITIONS, activity["status"], "attend", "an activity")
    if now < clock.parse_iso(activity["starts_at"]):
        raise BusinessRuleViolation(f"attendance is taken from the activity's start ({activity['starts_at']})",
                                    [field_error("id", "has not started")])
    confirmed = {s["household_id"]: s["people"] for s in activity["signups"] if s["status"] == CONFIRMED}
    signed = list(dict.fromkeys(data["present"]))
    for index, household_id in enumerate(signed):
        if household_id not in confirmed:
            raise BusinessRuleViolation("only a household with a confirmed place is present",
                                        [field_error(f"data.present[{index}]", "has no confirmed sign-up")])
    walk_ins, named, most = [], set(), rules["activity_people_per_household_max"]
    for index, walk_in in enumerate(data.get("walk_ins") or ()):
        household_id = walk_in["household_id"]
        # each compared once (against all those before it: 10,000 walk-ins took 7.7 s, r4 reviewing h4)
        if household_id in confirmed or household_id in named:
            raise BusinessRuleViolation("a walk-in is a household without a confirmed place, named once",
                                        [field_error(f"data.walk_ins[{index}].household_id",
                                                     "has a confirmed place or is named twice")])
        if walk_in["people"] > most:
            raise BusinessRuleViolation(f"a household signs up at most {most} people",
                                        [field_error(f"data.walk_ins[{index}].people", f"is more than {most}")])
        walk_ins.append({"household_id": household_id, "people": walk_in["people"]})
        named.add(household_id)
    present = signed + [w["household_id"] for w in walk_ins]
    at = clock.to_iso(now)
    cost = data.get("actual_cost_cents", activity.get("actual_cost_cents"))
    attendance = {"at": at, "by": user, "present": present, "walk_ins": walk_ins,
                  "people": sum(confirmed[h] for h in signed) + sum(w["people"] for w in walk_ins)}
    announced = {"id": activity["_id"], "title": activity["title"], "kind": activity["kind"],
                 "starts_at": activity["starts_at"], "place": activity["place"], "capacity": activity["capacity"],
                 "households_signed_up": len(confirmed), "households_present": len(present),
                 "people_present": attendance["people"], "budget_cents": activity["budget_cents"],
                 "actual_cost_cents": cost}
    over = over_budget({**activity, "actual_cost_cents": cost})
    if over:
        announced["over_budget_cents"] = over
    if walk_ins:
        announced["households_walked_in"] = len(walk_ins)
    return Change({"status": status, "attendance": attendance, "actual_cost_cents": cost, "updated_at": at},
                  [history_entry(at, user, "attendance", f"{len(present)} households")],
                  [("activity_held", announced)])


def rate(activity, data, now, caller, rules):
    """A household present rates the activity 1-5 (a comment if it likes), within
    ``activity_rating_days`` of its end; once (409 naming the first). An owner app's key rates for a
    household whose sign-up it made (or the key it replaced), 403 else: any key rated in the name of the
    desk's, another app's and the walk-ins' households, into the owner-satisfaction figures (r4 reviewing
    h4), where a key rates only the requests it filed (``portal.owner_rate``); the desk records any."""
    transitions.next_status(TRANSITIONS, activity["status"], "rate", "an activity")
    household_id = data["household_id"]
    if household_id not in (activity.get("attendance") or {}).get("present", ()):
        raise BusinessRuleViolation("only a household present rates the activity",
                                    [field_error("data.household_id", "was not present")])
    if is_api_key(caller.user) and not caller.acts_for((_of_household(activity, household_id) or {}).get("by")):
        raise Forbidden("an owner app rates for the households it signed up: the desk records another's rating")
    user = caller.user
    first = next((r for r in activity.get("ratings") or () if r["household_id"] == household_id), None)
    if first is not None:
        raise Conflict(f"the household rated it at {first['rated_at']}: a household rates an activity once")
    days = rules["activity_rating_days"]
    if now > clock.parse_iso(activity["ends_at"]) + timedelta(days=days):
        raise BusinessRuleViolation(f"an activity is rated within {counted(days, 'day')} of its end",
                                    [field_error("id", "is past its rating time")])
    at = clock.to_iso(now)
    rating = {"household_id": household_id, "score": data["score"], "comment": optional_text(data, "comment"),
              "rated_at": at, "by": user}
    return Change({"updated_at": at}, [history_entry(at, user, "rated", str(data["score"]))],
                  push={"ratings": [rating]})


def public_activity(activity, tz, now):
    """An activity as the owner portal's board shows it: what, where, when, the places left and whether
    sign-ups are open (by the desk, a phone to the service centre, an owner app); no sign-up, no household."""
    view = shown(activity, tz)
    return {name: view[name] for name in ("id", "title", "kind", "place", "description", "starts_at", "ends_at",
                                          "local_starts_at", "local_ends_at", "signup_deadline", "capacity",
                                          "places_left", "wait_listed")} | {
        "signups_open": clock.to_iso(now) < activity["signup_deadline"]}


def ratings_between(activities, start, end):
    """The scores of the activities' ratings given in [start, end) (ISO texts): owner-satisfaction answers."""
    return [r["score"] for a in activities for r in a.get("ratings") or () if start <= r["rated_at"] < end]
