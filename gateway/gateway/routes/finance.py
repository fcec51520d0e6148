"""finance routes: fees, bills and payments."""
from .. import policy
from . import ESTATE, Route

ROUTES = []
