"""finance entrypoints. Today: health and the read copies of estates and
households (floor areas) that billing runs on."""
from estate_common.nameko import CopiesEstates, CopiesHouseholds, ServiceBase

from . import store


class FinanceService(CopiesEstates, CopiesHouseholds, ServiceBase):
    name = "finance"
    indexes = store.INDEXES
