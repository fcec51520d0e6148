"""``python -m gateway.admin_reset`` (``make admin-reset``): the explicit way back in.

Sets the operator admin ``admin`` to active, ``operator_admin`` and the password in
``ESTATE_ADMIN_PASSWORD`` (checked like at start-up), creating it if it is gone;
every token issued to ``admin`` before stops working. The gateway never does this
by itself: a restart must not undo a password change or a deactivation.

Runs against the gateway's MongoDB (``MONGO_URI``, ``MONGO_DB``). Without
``MONGO_URI`` there is nothing to reset: each gateway process then has its own
in-memory store, created with the admin from ``ESTATE_ADMIN_PASSWORD``.

The reset is a change of the admin like ``PATCH /api/v1/users/admin`` (``users.reset_admin``):
written over the record as it was read, so that neither writes over the other.
"""
import sys

from estate_common import config, secrets_policy

from . import store, users


def main():
    if not config.mongo_uri():
        print("admin-reset: MONGO_URI is not set; the embedded store lives inside each gateway process "
              "(restart it with the ESTATE_ADMIN_PASSWORD you want)", file=sys.stderr)
        return 2
    password = config.env("ESTATE_ADMIN_PASSWORD", "")
    try:
        secrets_policy.check_admin_password(password)
    except secrets_policy.InsecureSecret as refused:
        print(f"admin-reset: {refused}", file=sys.stderr)
        return 2
    try:
        created = users.reset_admin(store.connect(), password)
    except users.AdminOvertaken:
        print("admin-reset: the admin was being changed through the API meanwhile, each time it was read: "
              "nothing was written; run it again", file=sys.stderr)
        return 1
    print(f"admin-reset: operator admin 'admin' {'created' if created else 'reset'}; "
          "it signs in with ESTATE_ADMIN_PASSWORD, older tokens are void", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
