"""防汛防台准备检查表 to several estates at once (h7, the operator's leftover of the last sessions): ``POST
/api/v1/checklists {estate_ids, name, target, items}`` writes the operator's checklist in each estate
named as that estate's own inspection checklist (maintenance's ``create_checklist``: its id, its
``checklist_created``), where the operator admin wrote the same preparation checklist estate by estate.
Each estate's manager then makes it the estate's own (``PATCH …/checklists/{id}``, until it is used)
and its staff tick it (``POST …/inspections`` at a location, ``…/complete``: a failed item opens its
work order).

The one fan-out of ``POST /api/v1/notices`` (``across_estates``): the operator admin or a manager of
every estate named, every estate checked before any is written, an ``Idempotency-Key`` required and
each estate's checklist made once under it, 201 / 207 naming each estate's outcome / the first
estate's refusal.
"""
from . import across_estates

PATH = "/api/v1/checklists"
CHECKLIST_FIELDS = ("name", "target", "items")  # ChecklistCreate's


def register(app):
    across_estates.register(app, PATH, contract="ChecklistAcrossEstatesCreate", service="maintenance",
                            rpc="create_checklist", fields=CHECKLIST_FIELDS, answers="checklists",
                            what="a checklist")
