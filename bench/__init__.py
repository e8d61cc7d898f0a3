"""Benchmarks: each measures the portal against a baseline taken in the same run and prints the ratio."""
