"""finance's repository: the only module of the service that touches its database."""
from estate_common import replica

INDEXES = {**replica.INDEXES}
