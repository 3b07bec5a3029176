"""The journal's backends for the fault trials: ``journal_backend`` runs a test on the SQLite file and on
a PostgreSQL schema of its own (tests/support/pg_cluster.py)."""

from support.pg_cluster import journal_backend, pg_schema_url, postgres_url  # noqa: F401  (fixtures)
