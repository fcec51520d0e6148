"""防台通知 to several estates at once: ``POST /api/v1/notices {estate_ids, title, body, until?,
expected_restoration_at?}`` publishes one notice in each estate named, as that estate's own notice
(its own id, its ``notice_published`` from customer service's outbox, its board), where the operator
admin published a typhoon warning estate by estate (h5's probe of three estates).

Written by the one fan-out of a write to several estates (``across_estates``, which
``checklists_across`` shares). Who: the operator admin, or a manager of every estate named (``policy.MANAGEMENT``; each estate is
checked as an estate route checks it, ``access.authorize``, before anything is published: one outside
the caller's scope is a 403, an estate that does not exist a 404, a retired one a 409, and none is
published). The body is held to its contract (``NoticeAcrossEstatesCreate``) first too.

Once per estate: an ``Idempotency-Key`` is required (a 400 without one). Each estate's notice is
created under it (customer service derives the notice's id from the caller, the key and the estate,
``Caller.created_id``), so a retry finds each estate's first notice and publishes none twice. The
key is passed on as this route's (``service_key``): a key's record is the route's, and the key the
client sent to an estate's own ``…/notices`` before would find that notice (停水) and answer it as
the warning published there. The estates are asked in parallel; the answer names each estate's
outcome:

- every estate published: 201 ``{notices, failed: []}``, kept under the key (a replay answers it);
- some published, some not (a service down, an estate's own rule: its ``notice_shown_max_days``):
  207 ``{notices, failed: [{estate_id, status, code, detail, errors}]}``, never a silent partial
  write. The key's record is held with its body's digest (``idempotency.hold``): the same request
  sent again publishes in the estates that failed and answers the others' first notices (none
  twice); another body under the key is a 422 (it would have answered the others' first notices
  beside notices of the new body);
- none published: the first estate's refusal, as that estate's route would answer it.
"""

from . import across_estates

PATH = "/api/v1/notices"
NOTICE_FIELDS = ("title", "body", "until", "expected_restoration_at")  # what an estate-wide warning carries


def register(app):
    across_estates.register(app, PATH, contract="NoticeAcrossEstatesCreate", service="customer_service",
                            rpc="create_notice", fields=NOTICE_FIELDS, answers="notices", what="a notice")


def service_key(key):
    """The key customer service makes each estate's notice under (``across_estates.service_key``)."""
    return across_estates.service_key(PATH, key)
