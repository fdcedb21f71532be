"""Benchmarks run by `just bench`, never by the test suite."""
