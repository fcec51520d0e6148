"""The nameko side of the shared library: dependencies, entrypoints, base service.

Import only in service processes (they run on eventlet)."""
from .base import ServiceBase
from .closed_counts import CountsClosedRecords
from .copies import CopiesEstates, CopiesHouseholds
from .custom_fields import HasCustomFields
from .entrypoints import consumes, rpc_method
from .estate_settings import EstateSettings
from .exports import ExportsResources, runners as export_runners
from .jobs import RunsJobs

__all__ = ["ServiceBase", "CountsClosedRecords", "CopiesEstates", "CopiesHouseholds", "EstateSettings", "HasCustomFields", "RunsJobs",
           "ExportsResources", "export_runners", "consumes", "rpc_method"]
