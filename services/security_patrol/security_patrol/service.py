"""security-patrol entrypoints. Today: health and the read copy of estates
that patrol routes and fire ledgers will belong to."""
from estate_common.nameko import CopiesEstates, ServiceBase

from . import store


class SecurityPatrolService(CopiesEstates, ServiceBase):
    name = "security_patrol"
    indexes = store.INDEXES
