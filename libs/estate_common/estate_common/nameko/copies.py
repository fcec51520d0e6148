"""Mixins that keep read copies of archive's master data (see ``estate_common.replica``)."""
from .. import replica
from .entrypoints import consumes


class CopiesEstates:
    @consumes("archive", "estate_created")
    def copy_estate(self, event):
        replica.apply(self.db, "estate", event)

    @consumes("archive", "estate_updated")
    def copy_estate_edit(self, event):
        """An edit (its timezone moves the estate's calendar here too); the newer version wins."""
        replica.apply(self.db, "estate", event)

    @consumes("archive", "estate_restated")
    def restate_estate(self, event):
        """Sent again on an operator's request (archive/restatements.py): what this copy lacks."""
        replica.restate(self.db, "estate", event["data"])


class CopiesHouseholds:
    @consumes("archive", "household_created")
    def copy_household(self, event):
        replica.apply(self.db, "household", event)

    @consumes("archive", "household_updated")
    def copy_household_edit(self, event):
        """An edit (a new area is what the next billing run bills); the newer version wins."""
        replica.apply(self.db, "household", event)

    @consumes("archive", "households_restated")
    def restate_households(self, event):
        """A batch sent again on an operator's request: each copy written at its version or newer."""
        for household in event["data"]["households"]:
            replica.restate(self.db, "household", household)
