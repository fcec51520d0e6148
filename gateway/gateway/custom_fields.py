"""Custom fields per estate (``estate_common.custom_fields``): the gateway routes by resource.

Each service keeps the definitions of the resources it owns (household: archive;
service_request: customer_service; work_order, equipment: maintenance). ``POST`` goes to the
owner of the body's ``resource``, ``PATCH``/``DELETE`` to the owner of the path's; ``GET``
asks every owner in parallel (only the owner when ``?resource=`` names one) and puts the
answers together, as the KPIs do (``fanout.py``): a service that does not answer is named in
``unavailable`` instead of failing a form that needs only the others' fields. ``POST`` takes an
``Idempotency-Key`` as every create does (``idempotency.once``).
"""
from functools import partial

from flask import current_app, g, jsonify, request

from estate_common import custom_fields
from estate_common.errors import InvalidInput, NotFound, field_error

from . import idempotency, requests_in
from .parallel import Fanout
from .access import authorize_route

LIST = "/api/v1/estates/<estate_id>/custom-fields"
ONE = f"{LIST}/<resource>/<key>"
LIST_FILTERS = {"resource": tuple(custom_fields.RESOURCES), "archived": ("true", "false")}


def _rpc():
    return current_app.extensions["estate_ops"].rpc


def _no_query():
    requests_in.refuse_unknown_query(where="of this call")


def _list_filters():
    """The list's filters; a 400 naming every unknown parameter, else every value not allowed."""
    requests_in.refuse_unknown_query(LIST_FILTERS, "of this list")
    wrong = [name for name in sorted(request.args) if request.args[name] not in LIST_FILTERS[name]]
    if wrong:
        raise InvalidInput("query parameters are not valid",
                           [field_error(name, f"must be one of {', '.join(LIST_FILTERS[name])}") for name in wrong])
    return {name: request.args[name] for name in request.args}


def _owner(resource, refuse):
    owner = custom_fields.RESOURCES.get(resource) if isinstance(resource, str) else None
    if owner is None:
        refuse()
    return owner


def register(app):
    fan = Fanout("custom-fields", len(set(custom_fields.RESOURCES.values())))

    @app.get(LIST)
    def list_custom_fields(estate_id):
        caller = authorize_route(estate_id)
        filters = _list_filters()
        owners = sorted(set(custom_fields.RESOURCES.values())) if "resource" not in filters \
            else [custom_fields.RESOURCES[filters["resource"]]]
        payload = {"estate_id": estate_id, **({"filters": filters} if filters else {})}
        answers, unavailable = fan.ask_services({service: partial(_rpc().call, service, "list_custom_fields", payload,
                                                                  request_id=g.request_id, caller=caller)
                                                 for service in owners}, _rpc().timeout)
        items = sorted((item for answer in answers.values() for item in answer["items"]),
                       key=lambda item: (item["resource"], item["key"]))
        return jsonify({"items": items, "unavailable": unavailable})

    @app.post(LIST)
    def create_custom_field(estate_id):
        caller = authorize_route(estate_id)
        _no_query()
        body = requests_in.json_body()

        def refuse():
            raise InvalidInput("resource is not valid", [field_error("resource", "must be one of "
                                                                     + ", ".join(custom_fields.RESOURCES))])

        owner = _owner(body.get("resource"), refuse)
        _rpc().call("archive", "get_estate", {"estate_id": estate_id}, request_id=g.request_id, caller=caller)

        def create(context):
            return _rpc().call(owner, "create_custom_field", {"estate_id": estate_id, "data": body},
                               request_id=g.request_id, caller=caller, context=context)

        # without the key's record a retry whose first answer was lost got 409 "already" (a probe)
        return idempotency.once(current_app.extensions["estate_ops"].db, caller, body, 201, create)

    @app.patch(ONE)
    def update_custom_field(estate_id, resource, key):
        caller = authorize_route(estate_id)
        _no_query()
        owner = _owner(resource, _no_such_field)
        body = requests_in.json_body()
        return jsonify(_rpc().call(owner, "update_custom_field",
                                   {"estate_id": estate_id, "resource": resource, "key": key, "data": body},
                                   request_id=g.request_id, caller=caller))

    @app.delete(ONE)
    def archive_custom_field(estate_id, resource, key):
        caller = authorize_route(estate_id)
        _no_query()
        owner = _owner(resource, _no_such_field)
        return jsonify(_rpc().call(owner, "archive_custom_field",
                                   {"estate_id": estate_id, "resource": resource, "key": key},
                                   request_id=g.request_id, caller=caller))


def _no_such_field():
    raise NotFound("no such custom field in this estate")
