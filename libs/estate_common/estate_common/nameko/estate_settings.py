"""``get_settings`` / ``update_settings``: an estate's numbers of the service's rules.

A service mixes this in and names its ``rules.py`` tables; the gateway routes
``GET/PUT …/settings/<service>`` to it. Only a manager of the estate or the
operator admin changes them; they read them, and so do the roles a service names
in ``settings_readers`` (security patrol's: the guards, whose checkpoints its numbers
judge). Checked here as well as at the gateway.
"""
from .. import clock, roles, settings
from ..errors import Forbidden
from .entrypoints import rpc_method

MANAGER_ROLES = roles.MANAGEMENT


class EstateSettings:
    settings_defaults = {}
    settings_maxima = {}
    settings_minima = {}
    settings_ordered = ()  # (lower, upper) pairs: the first may not exceed the second (rules.ORDERED);
    # (lower, upper, settings.STRICTLY): nor equal it
    settings_choices = {}  # list-valued settings and what each may hold (rules.CHOICES)
    settings_allowed = {}  # numbers that take only some values between their bounds, and those (rules.ALLOWED)
    settings_follows = {}  # a setting not set takes the value of the one it follows (rules.FOLLOWS)
    settings_readers = MANAGER_ROLES  # who reads them (the gateway's policy table says the same); changes: managers

    def refuse_settings(self, estate_id, overrides):
        """A service's own check of ``overrides`` (valid alone and together) against what else it
        keeps: raise to refuse them (422 naming the setting). None by default."""

    def _require_manager(self):
        if not set(self.caller.roles) & MANAGER_ROLES:
            raise Forbidden("only a manager or the operator admin sees and changes an estate's settings")

    @rpc_method
    def get_settings(self, payload):
        if self.settings_readers == MANAGER_ROLES:
            self._require_manager()
        elif not set(self.caller.roles) & self.settings_readers:
            raise Forbidden("your role does not see this service's settings")
        return settings.view(self.db, self.settings_defaults, payload["estate_id"], self.settings_maxima,
                             self.settings_minima, self.settings_choices, self.settings_allowed, self.settings_follows)

    @rpc_method
    def update_settings(self, payload):
        self._require_manager()
        estate_id, overrides = payload["estate_id"], payload["data"]
        settings.check_overrides(self.settings_defaults, overrides, self.settings_maxima, self.settings_minima,
                                 self.settings_ordered, self.settings_choices, self.settings_allowed)
        self.refuse_settings(estate_id, overrides)
        settings.replace(self.db, estate_id, overrides, clock.now_iso(), self.caller.user)
        return settings.view(self.db, self.settings_defaults, estate_id, self.settings_maxima, self.settings_minima,
                             self.settings_choices, self.settings_allowed, self.settings_follows)
