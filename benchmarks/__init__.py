"""Benchmarks of ``chargeback run`` at scale; the scripts run as ``python benchmarks/run.py``."""
