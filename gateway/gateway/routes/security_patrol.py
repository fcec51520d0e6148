"""security_patrol routes: patrols, fire checks, incidents and the gate."""
from .. import policy
from . import ESTATE, Route

ROUTES = []
