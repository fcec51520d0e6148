"""Emergency plans (应急预案): the ordered steps of each incident type, and which
step escalates to the service-center manager or to the authorities.

The sources ask the security supervisor to know "火警、盗警等各种突发事故的应急处理",
to start the plan at once when something happens and to report to the
departments concerned (及时上报相关部门); DOMAIN.md names the first five types below;
a typhoon night adds a power outage (停电) and storm damage (台风/暴雨: fallen trees, loose objects).
These are the default plans; an estate sets its own plan for a type (``PUT
…/emergency-plans/{type}``, a manager), kept in ``emergency_plans`` (one per estate and type)
and copied into each incident it opens; incidents already open keep the plan they started with.

A plan also says whether its incident needs engineering at once (``work_order``): opening
such an incident asks maintenance for an emergency work order (抢险, ``emergency_repair_requested``).
Flooding (the plan calls the maintenance emergency team), an elevator entrapment (the lift
is out of service until checked), a power outage (停电: the generator, the pumps) and storm damage
(台风/暴雨: a fallen tree to clear) do by default; the others do not.
"""
from estate_common import clock, ids, roles
from estate_common.errors import BusinessRuleViolation, Conflict, Forbidden, field_error

MANAGER = "manager"
AUTHORITIES = "authorities"
# Who sets an estate's plans: the service-center manager (and the operator).
PLAN_EDITORS = roles.MANAGEMENT


def _step(key, title, escalate_to=None):
    return {"step": key, "title": title, "escalate_to": escalate_to}


PLANS = {
    "fire_alarm": [
        _step("verify_alarm", "Verify the alarm on site and from the monitoring room (确认火情)"),
        _step("call_fire_brigade", "Call the fire brigade (119) for a real fire", AUTHORITIES),
        _step("notify_manager", "Report to the service-center manager", MANAGER),
        _step("evacuate", "Evacuate the building; keep fire lanes and exits clear"),
        _step("first_response", "Fight an early fire with extinguishers and hydrants where it is safe"),
        _step("guide_fire_brigade", "Meet and guide the fire brigade; secure the scene"),
    ],
    "burglary": [
        _step("secure_scene", "Protect the scene; touch nothing"),
        _step("call_police", "Report to the police (110)", AUTHORITIES),
        _step("notify_manager", "Report to the service-center manager", MANAGER),
        _step("preserve_records", "Keep the CCTV footage and gate records of the period"),
        _step("inform_household", "Inform the household concerned"),
    ],
    "flooding": [
        _step("stop_water", "Find the source and shut off the water"),
        _step("call_maintenance", "Call the maintenance emergency team (抢险)"),
        _step("notify_manager", "Report to the service-center manager", MANAGER),
        _step("protect_equipment", "Protect equipment rooms and lifts; lay sandbags"),
        _step("inform_households", "Inform the households affected"),
    ],
    "elevator_entrapment": [
        _step("reassure_passengers", "Talk to the trapped passengers over the intercom"),
        _step("call_elevator_company", "Call the lift maintenance company"),
        _step("notify_manager", "Report to the service-center manager", MANAGER),
        _step("call_rescue", "Call the rescue service (119) if someone is hurt or release is slow", AUTHORITIES),
        _step("release_passengers", "Passengers released; lift out of service until checked"),
    ],
    "public_disorder": [
        _step("assess_scene", "Go to the scene, assess it, calm the people involved"),
        _step("notify_manager", "Report to the service-center manager", MANAGER),
        _step("call_police", "Call the police (110) on violence or a crime", AUTHORITIES),
        _step("restore_order", "Restore order and clear the area"),
    ],
    # 停电 and 台风/暴雨 damage (a typhoon night, h5's probe: a power cut and a fallen tree had no type;
    # the cut was written up as a flooding, the tree nowhere)
    "power_outage": [
        _step("check_scope", "Find out what is cut: the whole estate, a building, a phase; the grid or our own"),
        _step("call_power_company", "Report to the power supply company (95598) for a cut of the grid", AUTHORITIES),
        _step("notify_manager", "Report to the service-center manager", MANAGER),
        _step("start_generator", "Start the standby generator for fire pumps, drainage pumps and emergency lighting"),
        _step("check_lifts", "Check every lift for trapped passengers (an entrapment is an incident of its own)"),
        _step("inform_households", "Inform the households affected and when power is expected back"),
    ],
    "storm_damage": [
        _step("cordon_off", "Cordon off the danger (a fallen tree, a loose sign or window, debris); keep people away"),
        _step("notify_manager", "Report to the service-center manager", MANAGER),
        _step("call_authorities", "Report to the municipal or landscaping authority (or 119) what blocks a road "
                                  "or lies on power lines", AUTHORITIES),
        _step("call_maintenance", "Call the maintenance emergency team to clear and make safe"),
        _step("record_damage", "Photograph and list the damage (vehicles, buildings, greenery) for the claims"),
    ],
}


# incident type -> its plan opens an emergency work order
OPENS_WORK_ORDER = {"fire_alarm": False, "burglary": False, "flooding": True, "elevator_entrapment": True,
                    "public_disorder": False, "power_outage": True, "storm_damage": True}


def plan_for(incident_type):
    return [dict(step) for step in PLANS[incident_type]]


def default_plan(incident_type):
    """The plan an incident of this type runs where the estate has none of its own."""
    return {"type": incident_type, "steps": plan_for(incident_type), "work_order": OPENS_WORK_ORDER[incident_type]}


def plan_id(estate_id, incident_type):
    return ids.natural_id("eplan", estate_id, incident_type)


def in_force(incident_type, stored):
    """The plan incidents of this type open with: the estate's own, else the default. An estate's
    plan stored before it had to keep a step (``KEPT_STEPS``) takes the default's (review r1 of h1: an
    entrapment plan of before could record no release, each entrapment past its target for good)."""
    if stored:
        steps = [dict(step) for step in stored["steps"]]
        kept = KEPT_STEPS.get(incident_type)
        if kept and kept not in {step["step"] for step in steps}:
            steps += [step for step in plan_for(incident_type) if step["step"] == kept]
        return {"type": incident_type, "steps": steps, "work_order": stored["work_order"]}
    return default_plan(incident_type)


def shown(estate_id, incident_type, stored):
    """A plan as the API shows it: which one is in force, and whose."""
    plan = in_force(incident_type, stored)
    return {**plan, "estate_id": estate_id, "source": "estate" if stored else "default",
            "version": stored["version"] if stored else 0,
            "updated_at": stored and stored["updated_at"], "updated_by": stored and stored["updated_by"]}


def require_editor(caller):
    if not set(caller.roles) & PLAN_EDITORS:
        raise Forbidden("an estate's emergency plans are set by its manager")


# a step an estate's plan of a type keeps: an entrapment's release (its passengers out) is recorded by it
# (``incidents.RELEASE_STEP``, the release time reported against its target)
KEPT_STEPS = {"elevator_entrapment": "release_passengers"}


def checked_steps(steps, incident_type=None):
    """Step keys are unique (a step is recorded once by its key), someone reaches the manager
    (DOMAIN.md: an incident escalates to the manager as its plan says), and an entrapment's plan
    keeps its release step (``KEPT_STEPS``: a plan without it could record no release time): 422
    otherwise."""
    errors, seen = [], set()
    for index, step in enumerate(steps):
        if step["step"] in seen:
            errors.append(field_error(f"data.steps[{index}].step", "appears twice in the plan"))
        seen.add(step["step"])
    if not any(step.get("escalate_to") == MANAGER for step in steps):
        errors.append(field_error("data.steps", "no step escalates to the manager"))
    kept = KEPT_STEPS.get(incident_type)
    if kept and kept not in seen:
        errors.append(field_error("data.steps", f"has no step '{kept}': the release time is recorded by it"))
    if errors:
        raise BusinessRuleViolation("the plan breaks a rule of emergency plans", errors)
    return [{"step": step["step"], "title": step["title"].strip(), "escalate_to": step.get("escalate_to")}
            for step in steps]


def _version_read(stored, data):
    """Who edits says which version they read (0: the default); another one is 409."""
    current = stored["version"] if stored else 0
    if data.get("version") is not None and data["version"] != current:
        raise Conflict(f"the plan changed since version {data['version']} was read (now {current})",
                       [field_error("data.version", f"is not the current version {current}")])
    return current


def set_plan(estate_id, incident_type, stored, data, now, actor):
    """The estate's own plan for a type: a new document, or the fields that replace the stored one."""
    version = _version_read(stored, data) + 1
    fields = {"steps": checked_steps(data["steps"], incident_type), "work_order": data["work_order"], "version": version,
              "updated_at": clock.to_iso(now), "updated_by": actor}
    if stored:
        return fields
    return {"_id": plan_id(estate_id, incident_type), "estate_id": estate_id, "type": incident_type,
            "created_at": fields["updated_at"], **fields}
