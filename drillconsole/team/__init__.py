"""Team drills: one engine, many participants, each bound to a person and the roles they hold.

`protocol` is the wire format, `hub` applies participants' commands through the
drill model's rules with the person attached, `server` serves the hub on a Unix
socket beside the log, `follower` is the client that catches up and follows,
`tokens` signs per-person invites and `nats` bridges the log to NATS JetStream.
"""
