"""MongoDB for nameko services: one client per service container, the
service's own database, indexes ensured when the container starts."""
from nameko.extensions import DependencyProvider
from pymongo import MongoClient
from pymongo.errors import PyMongoError

# Fail fast (the caller maps it to 503) instead of pymongo's 30 s default.
CLIENT_OPTIONS = dict(serverSelectionTimeoutMS=3000, connectTimeoutMS=3000,
                      socketTimeoutMS=10000, retryWrites=True, tz_aware=True)


def connect(uri, **options):
    return MongoClient(uri, **{**CLIENT_OPTIONS, **options})


class MongoStore:
    """Base of each service's storage class: holds the database, answers ping."""

    def __init__(self, db):
        self.db = db

    def ensure_indexes(self):
        pass

    def ping(self):
        try:
            self.db.command("ping")
            return True
        except PyMongoError:
            return False


class Storage(DependencyProvider):
    """Injects ``storage_cls(database)``; ``storage_cls.ensure_indexes`` runs at start.

    ``database`` is fixed per service (docs/architecture.md: senja_queue, senja_permits…);
    ``MONGO_DB_PREFIX`` in the config lets tests isolate runs on one server.
    """

    def __init__(self, storage_cls, database):
        self.storage_cls = storage_cls
        self.database = database
        self.client = None

    def setup(self):
        config = self.container.config
        self.client = connect(config["MONGO_URI"])
        name = config.get("MONGO_DB_PREFIX", "") + self.database
        self.storage = self.storage_cls(self.client[name])

    def start(self):
        self.storage.ensure_indexes()

    def stop(self):
        if self.client is not None:
            self.client.close()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return self.storage
