"""Exports in a service (``estate_common.exports``): ``start_export``, ``read_export`` and the
job runner, for the resources the service owns.

A service mixes this in (in ``RunsJobs``' place among its bases) and declares, per resource,
the list RPC whose filters an export takes (``export_lists = {"bills": "list_bills"}``), the
resource's column list (``export_columns``, from the service's ``exports.py``) and one method
``export_documents(resource, estate_id, filters)``: an iterator over the documents (its
``store.py``). Its ``job_runners`` get :func:`runners` of those resources.

Custom fields: :meth:`ExportsResources.custom_keys` answers no keys; a service that keeps
custom fields (``HasCustomFields``, before this class among its bases) answers the estate's
keys of the resource, and each becomes a column ``custom.<key>`` after the resource's own
(``exports.custom_columns``), the heading the household import reads back; in an export asked
in a language, followed by the field's label in it (``custom_words``).

An export's ``language`` (``zh``, ``en``), when the request names one, is kept in its job's
``params`` and written for people in it (``exports.in_language``); a request without one makes a
job, and a file, exactly as before.
"""
import base64

from .. import contracts, export_store, exports, job_scopes, jobs, replica
from ..errors import BusinessRuleViolation, Conflict, Forbidden, Gone, InvalidInput, NotFound, field_error
from .entrypoints import rpc_method
from .jobs import RunsJobs


def runners(resources):
    """``job_runners`` entries: each resource's export kind run by ``_run_export``."""
    return {exports.job_kind(resource): "_run_export" for resource in resources}


class ExportsResources(RunsJobs):
    export_lists = {}
    export_columns = {}

    def export_documents(self, resource, estate_id, filters):
        raise NotImplementedError

    def custom_keys(self, resource, estate_id):
        """The custom-field keys of ``resource`` in the estate that become columns (none here;
        ``HasCustomFields.custom_keys`` answers them)."""
        return ()

    def custom_words(self, resource, estate_id):
        """The custom columns' labels by key (none here; ``HasCustomFields.custom_words`` answers them)."""
        return {}

    def check_custom_filters(self, resource, estate_id, filters):
        """Nothing here; ``HasCustomFields`` reads the ``custom.<key>`` filters as the list does."""

    def check_export_filters(self, resource, estate_id, filters):
        """Nothing here; a service whose list refuses a filter's value by a rule (finance's arrears of
        a day not over yet: 422) refuses the export of it the same way, before a job is made."""

    def export_scope(self, resource, filters):
        """The filters an export of ``resource`` by this caller runs with: what its list would
        show the caller (a service that shows some callers less narrows them here)."""
        return filters

    def export_timezone(self, estate_id):
        """The estate's timezone, on whose clock an XLSX shows times (its copy of the estate;
        archive, which keeps the estates themselves, answers from them)."""
        return replica.estate_timezone(self.db, estate_id)

    def columns(self, resource, estate_id, language=None):
        words = self.custom_words(resource, estate_id) if language else None
        return list(self.export_columns[resource]) + exports.custom_columns(self.custom_keys(resource, estate_id), words)

    def _export_filters(self, resource, filters):
        """The filters of the resource's list route, checked by that route's contract."""
        document = f"rpc/{self.name}/{self.export_lists[resource]}.json"
        loaded = contracts.load()
        if "filters" not in loaded.documents[document]["input"].get("properties", {}):
            if filters:
                raise InvalidInput("this list takes no filters",
                                   [field_error(f"data.filters.{name}", "is not a filter of this list")
                                    for name in sorted(filters)])
            return {}
        ref = f"{document}#/input/properties/filters"
        errors = loaded.errors(ref, filters)
        if errors:
            named = [field_error(f"data.filters.{e['field']}" if e["field"] else "data.filters", e["message"])
                     for e in errors]
            raise InvalidInput("; ".join(f"{e['field']}: {e['message']}" for e in named[:5]), named)
        return filters

    @rpc_method
    def start_export(self, payload):
        estate_id, data = payload["estate_id"], payload["data"]
        resource = data["resource"]
        if resource not in self.export_lists:
            raise InvalidInput(f"{self.name} does not export {resource}",
                               [field_error("data.resource", f"is not exported by {self.name}")])
        kind = exports.job_kind(resource)
        jobs.require_may_start(kind, self.caller)
        filters = self._export_filters(resource, data.get("filters") or {})
        try:
            self.check_custom_filters(resource, estate_id, filters)
            self.check_export_filters(resource, estate_id, filters)
        except (InvalidInput, BusinessRuleViolation) as refused:
            named = [dict(e, field=f"data.{e['field']}") for e in refused.errors]
            if isinstance(refused, InvalidInput):
                raise InvalidInput(refused.detail, named) from None
            raise BusinessRuleViolation(refused.detail, named) from None
        filters = self.export_scope(resource, filters)
        columns = self.columns(resource, estate_id)
        params = {"resource": resource, "format": data["format"], "filters": filters,
                  "full": exports.full_kinds(columns, self.caller.roles)}
        if data.get("language"):  # kept only when asked: a job without one is as it was
            params["language"] = data["language"]
        job = jobs.create(self.db, jobs.created_id(self.caller, self.name, estate_id, kind), estate_id, kind, params,
                          self.caller.user)
        return jobs.public(job)

    def _run_export(self, job, progress):
        estate_id, params = job["estate_id"], job["params"]
        columns = self.columns(params["resource"], estate_id, params.get("language"))
        documents = self.export_documents(params["resource"], estate_id, params["filters"])
        return exports.run(job, columns, documents,
                           lambda n, data, expires: export_store.save_chunk(self.db, estate_id, job["_id"], n, data,
                                                                             expires),
                           progress, timezone=self.export_timezone(estate_id))

    @rpc_method
    def read_export(self, payload):
        """Chunk ``n`` of a finished export's file, checked at each read: the export is of this
        estate (404), the caller's roles may read its resource (403), the caller reads all its
        filters select (``export_scope`` leaves them as they are: 403) and sees in full the
        personal data it holds in full (403), it is finished (409) and its link has not
        expired (410)."""
        estate_id, job_id, n = payload["estate_id"], payload["id"], payload["n"]
        job = jobs.get(self.db, job_id)
        resource = job and exports.resource_of(job["kind"])
        if job is None or job["estate_id"] != estate_id or resource is None:
            raise NotFound("no such export")
        if not job_scopes.may_read(job["kind"], self.caller.roles):
            raise Forbidden(f"your role may not read {resource.replace('_', ' ')}")
        if self.export_scope(resource, job["params"]["filters"]) != job["params"]["filters"]:
            # a file made for a caller who reads more (the desk's, another technician's) holds what
            # this one does not read: a technician downloaded the desk's export of every repair
            raise Forbidden(f"this export holds {resource.replace('_', ' ')} you do not read")
        if job["status"] != "succeeded":
            raise Conflict(f"the export is {job['status']}, not ready to download")
        result = job["result"]
        if not exports.may_download(result["personal_data_in_full"], self.caller.roles):
            raise Forbidden("this file holds personal data your role does not see in full")
        if exports.expired(job):
            raise Gone("the download link has expired: export again")
        if n >= result["chunks"]:
            raise NotFound("no such part of the file")
        data = export_store.read_chunk(self.db, estate_id, job_id, n)
        if data is None:
            raise Gone("the file has expired: export again")
        return {"filename": result["filename"], "content_type": result["content_type"], "bytes": result["bytes"],
                "chunks": result["chunks"], "n": n, "data_base64": base64.b64encode(data).decode()}
