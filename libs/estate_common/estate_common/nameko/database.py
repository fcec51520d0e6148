"""The service's own database, connected once per container, indexes made at start-up."""
from nameko.extensions import DependencyProvider

from .. import store


class Database(DependencyProvider):
    """Injects the service's database; the service class lists its ``indexes`` and the
    ``retired_collections`` and ``retired_indexes`` an older version left behind (dropped at
    start-up)."""

    def setup(self):
        self.db = store.connect(self.container.service_name)
        store.ensure_indexes(self.db, getattr(self.container.service_cls, "indexes", {}))
        store.drop_retired(self.db, getattr(self.container.service_cls, "retired_collections", ()))
        store.drop_retired_indexes(self.db, getattr(self.container.service_cls, "retired_indexes", {}))

    def get_dependency(self, worker_ctx):
        return self.db
