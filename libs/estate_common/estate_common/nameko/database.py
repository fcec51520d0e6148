"""The service's own database, connected once per container, indexes made at start-up."""
from nameko.extensions import DependencyProvider

from .. import store


class Database(DependencyProvider):
    """Injects the service's database; the service class lists its ``indexes``."""

    def setup(self):
        self.db = store.connect(self.container.service_name)
        store.ensure_indexes(self.db, getattr(self.container.service_cls, "indexes", {}))

    def get_dependency(self, worker_ctx):
        return self.db
