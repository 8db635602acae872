"""Benchmarks against the budget of DESIGN.md (`make bench`) and screenshots (`make screenshots`)."""
