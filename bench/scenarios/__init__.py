"""The scenarios, numbered as in BENCHMARKS.md; each returns rows of the table."""
