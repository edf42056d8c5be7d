# Sourced by .ci/run: installs the real services the integration tests start themselves.
# (Filled in by the integrations work; empty means the integration suite is not required yet.)
