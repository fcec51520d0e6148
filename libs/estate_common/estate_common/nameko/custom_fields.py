"""``create/list/update/archive_custom_field``: the custom-field definitions of the resources
a service owns (``estate_common.custom_fields.RESOURCES``).

A service mixes this in (and adds ``custom_fields_store.INDEXES`` to its ``indexes``); the
gateway routes ``POST/PATCH/DELETE …/custom-fields`` to the owner of the resource and asks every
owner for ``GET`` (``gateway/gateway/custom_fields.py``). Only a manager of the estate or the
operator admin defines, changes or archives (checked here as well as at the gateway); every
staff role reads them (forms need them).
"""
from .. import clock, custom_fields, custom_fields_store, roles
from ..errors import Conflict, Forbidden, NotFound, field_error
from ..writes import Change
from .entrypoints import rpc_method

MANAGER_ROLES = roles.MANAGEMENT


class HasCustomFields:

    def _custom_manager(self):
        if not set(self.caller.roles) & MANAGER_ROLES:
            raise Forbidden("only a manager or the operator admin defines an estate's custom fields")

    def check_custom_filters(self, resource, estate_id, filters):
        """An export's ``custom.<key>`` filters read as its list reads them (``ExportsResources``):
        a key that is no field of the resource, or a value that does not fit, is a 400 when the
        export starts, not a failed job."""
        singular = resource.removesuffix("s")
        if custom_fields.RESOURCES.get(singular) == self.name and custom_fields.custom_filters(filters):
            custom_fields.filter_query(custom_fields_store.definitions(self.db, estate_id, [singular]), filters)

    def custom_keys(self, resource, estate_id):
        """An export's custom columns (``ExportsResources.custom_keys``): the estate's keys of the
        listed resource (``households`` → ``household``), archived ones too (their values stay)."""
        singular = resource.removesuffix("s")
        if custom_fields.RESOURCES.get(singular) != self.name:
            return ()
        return sorted(d["key"] for d in custom_fields_store.definitions(self.db, estate_id, [singular]))

    def custom_words(self, resource, estate_id):
        """Each custom column's label (``{zh, en}``) by its key, which an export in a language
        adds to the heading (``ExportsResources.custom_words``)."""
        singular = resource.removesuffix("s")
        if custom_fields.RESOURCES.get(singular) != self.name:
            return {}
        return {d["key"]: d.get("label") for d in custom_fields_store.definitions(self.db, estate_id, [singular])}

    def _own_resource(self, resource):
        if custom_fields.RESOURCES.get(resource) != self.name:
            raise NotFound(f"{self.name} keeps no custom fields of {resource}")

    @rpc_method
    def create_custom_field(self, payload):
        self._custom_manager()
        estate_id, data = payload["estate_id"], payload["data"]
        self._own_resource(data["resource"])
        # A retry with the caller's Idempotency-Key whose first answer was lost (a timeout): the
        # definition it made, not a 409 "already" (the id is the field's own, not the key's)
        key = self.caller.idempotency_key and self.caller.created_id("cfk", estate_id)

        def taken(stored):
            if stored is None:  # its place was taken meanwhile: decided again
                return None
            raise Conflict(f"the {data['resource']} has a custom field {data['key']} already"
                           + (" (archived)" if stored.get("archived") else ""),
                           [field_error("data.key", "is already taken")])

        for _ in range(custom_fields.MAX_FIELDS):  # another definition took the place each time
            defined = custom_fields_store.definitions(self.db, estate_id, [data["resource"]])
            made = next((d for d in defined if key and d.get("_created_key") == key), None)
            if made is not None:
                return custom_fields.definition_view(made)
            live = [d for d in defined if not d.get("archived")]
            place = custom_fields.free_place(live) if len(live) < custom_fields.MAX_FIELDS else None
            definition = custom_fields.new_definition(estate_id, data, clock.now(), self.caller.user, len(live), place)
            if key:
                definition["_created_key"] = key
            created = custom_fields_store.create(self.db, self.outbox, definition, taken)
            if created is not None:
                return custom_fields.definition_view(created)
        raise Conflict("it kept changing while it was being written: read it again and retry")

    @rpc_method
    def list_custom_fields(self, payload):
        filters = payload.get("filters", {})
        resources = custom_fields.resources_of(self.name)
        if "resource" in filters:
            resources = [r for r in resources if r == filters["resource"]]
        found = custom_fields_store.definitions(self.db, payload["estate_id"], resources)
        if filters.get("archived") in ("true", "false"):
            found = [d for d in found if bool(d.get("archived")) == (filters["archived"] == "true")]
        return {"items": [custom_fields.definition_view(d) for d in found]}

    @rpc_method
    def update_custom_field(self, payload):
        self._custom_manager()
        return self._change_definition(payload, lambda d: custom_fields.definition_changes(d, payload["data"],
                                                                                           clock.now()), "changed")

    @rpc_method
    def archive_custom_field(self, payload):
        self._custom_manager()
        return self._change_definition(payload, lambda d: custom_fields.archive_changes(d, clock.now()), "archived")

    def _change_definition(self, payload, changes_of, action):
        estate_id, resource = payload["estate_id"], payload["resource"]
        self._own_resource(resource)
        definition_id = custom_fields.definition_id(estate_id, resource, payload["key"])

        def decide(definition):
            changes = changes_of(definition)
            if not changes:
                return None
            entry = {"at": changes["updated_at"], "by": self.caller.user, "action": action, "fields": sorted(changes)}
            return Change(changes, entries=[entry])

        return custom_fields.definition_view(
            custom_fields_store.change(self.db, self.outbox, estate_id, definition_id, decide))
