"""The nameko side of the shared library: dependencies, entrypoints, base service.

Import only in service processes (they run on eventlet)."""
from .base import ServiceBase
from .copies import CopiesEstates, CopiesHouseholds
from .custom_fields import HasCustomFields
from .entrypoints import consumes, rpc_method
from .estate_settings import EstateSettings
from .jobs import RunsJobs

__all__ = ["ServiceBase", "CopiesEstates", "CopiesHouseholds", "EstateSettings", "HasCustomFields", "RunsJobs", "consumes", "rpc_method"]
