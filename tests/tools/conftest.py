from support.harness import h  # noqa: F401  (fixture)
