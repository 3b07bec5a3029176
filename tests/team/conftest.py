from support.redis_server import redis_url  # noqa: F401  (fixture: one Redis bucket for both instances)
