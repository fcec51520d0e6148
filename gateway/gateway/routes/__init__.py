"""The route table: each public path, the RPC behind it and the roles it admits.

Each service's routes are in this package's module of that name; ``ROUTES``
joins them.

One generic handler turns an HTTP request into an RPC payload:
``estate_id`` from the path, the resource id (``id_param``) as ``id``, a part of it
(``item_param``) as ``item``, the JSON
body as ``data``, ``limit``/``cursor`` and the listed query filters as
``filters`` (and, where ``custom_filters`` says so, ``custom.<key>`` ones). Anything else in the
query string is refused (400).

Every write (POST, PUT, PATCH, DELETE) keeps its ``Idempotency-Key`` (``idempotent``, by
default; ``idempotency.once``), but a POST that only reads (``reads``: a search whose terms are
personal data, kept out of URLs): a retry with the key answers the first result, a create's as a
step's (a step that appends, an incident's step or a return-visit attempt, was written again by a
retry after a lost answer: an integrator's probe). A public route's key is its own rule
(``public.py``).
"""
from dataclasses import dataclass, field

ESTATE = "/api/v1/estates/<estate_id>"
PUBLIC = "/api/v1/public"


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    service: str
    rpc: str
    roles: frozenset
    status: int = 200
    body: bool = False
    paged: bool = False
    filters: tuple = ()
    id_param: str = None
    item_param: str = None  # a second path part, e.g. an action's number in a plan, as ``item``
    idempotent: bool = None  # keeps Idempotency-Key: by default every write of an account's (module docstring)
    # a POST that only reads: what it asks is in its body so that it is in no URL, and so in no log
    # line (the desk's search by phone); no Idempotency-Key kept, a lost answer no write maybe done
    reads: bool = False
    shown_once: tuple = ()  # fields of the answer its Idempotency-Key record never keeps (idempotency.once)
    custom_filters: bool = False  # takes ?custom.<key>=<value> (estate_common.custom_fields), passed as filters
    public: bool = False  # no account (PUBLIC_FORWARDED below): the owner portal's, see public.py
    # what only the gateway knows (its accounts), for the service to judge in its own order of
    # checks: ``facts(db, estate_id, body, caller)`` -> more context values of the call
    facts: object = None
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.idempotent is None:
            object.__setattr__(self, "idempotent", self.method != "GET" and not self.public and not self.reads)

    @property
    def estate_scoped(self):
        return "<estate_id>" in self.path


from . import archive, customer_service, finance, integrations, maintenance, security_patrol  # noqa: E402 (they need Route)

ROUTES = [
    *archive.ROUTES,
    *customer_service.ROUTES,
    *maintenance.ROUTES,
    *finance.ROUTES,
    *security_patrol.ROUTES,
    *integrations.ROUTES,
]

# the routes without an account (each in policy.PUBLIC_ROUTES): forwarded by gateway/public.py
PUBLIC_FORWARDED = [*customer_service.PUBLIC_ROUTES, *finance.PUBLIC_ROUTES]
