"""The benchmark suite: ``python -m bench`` (see BENCHMARKS.md).

Benchmarks are not tests: they measure a real uvicorn server on 127.0.0.1 against a
generated region (:mod:`campusgraph.db.region_seed`) and print one table of figures with
their floors and targets; ``tests/bench/test_bench_smoke.py`` only checks the generator.
"""
