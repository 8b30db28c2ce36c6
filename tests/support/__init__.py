"""Helpers the tests share: exports built from rows, runs of the pipeline, a loopback S3.

Fixtures live in ``tests/conftest.py``; everything here is plain constants and functions,
imported as ``from tests.support.builders import ...``.
"""
