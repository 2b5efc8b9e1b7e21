"""Benchmarks against boto3, aioboto3 and capo-medical-imaging: ``python -m benchmarks``.

Never part of the test run (pytest collects ``tests/`` only).
"""
