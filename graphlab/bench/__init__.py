"""Benchmarks (``graphlab bench NAME``): speed as ratios against the alternatives, in one run.

Nothing here is asserted by the tests; numbers are recorded in RESULTS.md with the JSON.
"""
