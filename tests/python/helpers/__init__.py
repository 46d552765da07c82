"""Helpers shared by the tests (tests/python) and the benchmarks (bench/, which put tests/python
on sys.path): process memory from /proc (procfs), small deterministic corpora (corpora), and the
official fastText oracle run in a clean child interpreter (official)."""
