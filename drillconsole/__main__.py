from __future__ import annotations

from drillconsole.cli import main

if __name__ == "__main__":
    main()
