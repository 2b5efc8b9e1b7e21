"""Benchmarks against boto3, aioboto3, capo-medical-imaging and the stack's floors: ``python -m benchmarks``.

Never part of the test run (``tests/test_benchmark_harness.py`` checks only the judging logic).

- ``_inputs``, ``_responses``: what every variant sends, and the recorded answers the server replays;
- ``_server``, ``_wire``: the replay server in its own process, and its check of every request it verifies;
- ``_sdks``: the workload written once per SDK and floor; ``_cold``: one cold start in a fresh process;
- ``_phases``: the paired measurements; ``_stats``: ratios per repetition, quartiles, targets;
- ``_map``, ``_workload``, ``_micro``: where our client CPU goes (py-spy), and the micro-costs;
- ``bench_metadata``: the 50 MB document; ``_report``: the Markdown written to docs/performance.md.
"""
