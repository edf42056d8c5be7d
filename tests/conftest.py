"""Suite-wide setup: drills sign their logs with a key of the test run's own, never the user's."""

from __future__ import annotations

import os
import tempfile

# Set at import so subprocesses (the CLI under test) inherit it too.
os.environ.setdefault("DRILLCONSOLE_KEY_DIR", tempfile.mkdtemp(prefix="drillconsole-test-keys-"))
