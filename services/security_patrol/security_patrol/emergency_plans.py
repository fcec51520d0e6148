"""Emergency plans (应急预案): the ordered steps of each incident type, and which
step escalates to the service-center manager or to the authorities.

The sources ask the security supervisor to know "火警、盗警等各种突发事故的应急处理",
to start the plan at once when something happens and to report to the
departments concerned (及时上报相关部门); DOMAIN.md names the five types below.
These are the default plans.

A plan also says whether its incident needs engineering at once (``work_order``): opening
such an incident asks maintenance for an emergency work order (抢险, ``emergency_repair_requested``).
Flooding (the plan calls the maintenance emergency team) and an elevator entrapment (the lift
is out of service until checked) do by default; the others do not.
"""
MANAGER = "manager"
AUTHORITIES = "authorities"


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
}


# incident type -> its plan opens an emergency work order
OPENS_WORK_ORDER = {"fire_alarm": False, "burglary": False, "flooding": True, "elevator_entrapment": True,
                    "public_disorder": False}


def plan_for(incident_type):
    return [dict(step) for step in PLANS[incident_type]]


def default_plan(incident_type):
    """The plan an incident of this type runs where the estate has none of its own."""
    return {"type": incident_type, "steps": plan_for(incident_type), "work_order": OPENS_WORK_ORDER[incident_type]}
