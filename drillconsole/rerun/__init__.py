"""Drills as regression tests: re-run a log's operator inputs against a playbook, compare, and follow the cadence."""
