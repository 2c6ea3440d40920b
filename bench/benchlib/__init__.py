"""Helpers of bench/run.py: processes, servers, data, load, SSE client and reporting."""
