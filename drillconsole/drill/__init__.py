"""The drill model: state, the fold over events, flow and authority rules, trigger evaluation, metrics, wording.

Pure: it imports only `playbook` and `log`. The engine, the replay, the report
and every participant use it; nothing else decides what an event means.
"""
