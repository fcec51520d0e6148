"""Who reads which archive records directly, and who only through a borrow request: the one
table of it (services/archive/README.md "Who reads which record").

DOMAIN.md: viewing or borrowing an archive needs the manager's approval (查阅、借阅档案必须经过
服务中心经理许可, seeds/001). The archive's keepers read every record directly: the archivist
keeps them, the manager approves their borrowing, the operator admin is above both. Any other
role reads directly only the records of the work it already sees in its own service's live
register (``DIRECT_READERS``); every other record it gets only through a borrow request of its
own that is approved, not returned and not past its due back
(``GET …/archive/borrow-requests/{id}/records``).

A subject type not in the table is read directly by the keepers alone (deny by default). The
gateway lets ``list_records`` through for :func:`list_roles`; archive filters again by this
table (``archive.operations.list_records``). Role names as in ``gateway.policy.ROLES``.
"""
KEEPERS = frozenset({"operator_admin", "manager", "archivist"})

# subject type of a record -> the roles besides the keepers that read it directly
DIRECT_READERS = {
    # the front desk's own register (it registers, dispatches, follows up and closes requests,
    # complaints included): its history is no file to borrow
    "service_request": frozenset({"agent"}),
    # notices are published to the owners of an estate: nothing in them is confidential
    "notice": frozenset({"agent"}),
}


def direct_roles(subject_type):
    """The roles that read records of ``subject_type`` directly."""
    return KEEPERS | DIRECT_READERS.get(subject_type, frozenset())


def reads_everything(roles):
    return bool(KEEPERS & set(roles or ()))


def direct_types(roles):
    """The subject types ``roles`` read directly; None: every type (a keeper)."""
    if reads_everything(roles):
        return None
    return sorted(t for t, readers in DIRECT_READERS.items() if readers & set(roles or ()))


def list_roles():
    """The roles that may list records at all (those that read some type directly)."""
    return KEEPERS.union(*DIRECT_READERS.values())
