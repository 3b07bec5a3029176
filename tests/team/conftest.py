from support.pg_cluster import postgres_url  # noqa: F401  (fixture: the PostgreSQL journal both instances share)
from support.redis_server import redis_url  # noqa: F401  (fixture: one Redis bucket for both instances)
