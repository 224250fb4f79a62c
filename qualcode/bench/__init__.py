"""Benchmarks: a seeded reference workload and a whole-process timing harness.

``python -m qualcode.bench.generate`` builds the workload, ``python -m
qualcode.bench.run`` (``make bench``) times the commands against it. Nothing
here is imported by the application itself.
"""
