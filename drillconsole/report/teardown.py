"""The report's Teardown section: each action run after the drill ended, whether it worked, why not, and when."""

from __future__ import annotations

from typing import Any

from drillconsole.report.blocks import Block, clock


def glance(d: dict[str, Any]) -> str:
    """One line for the header table: `2 of 2 ok`, `1 of 2 FAILED`, `not run (2 declared)`, `none in the playbook`."""
    done, declared = d.get("teardown") or [], d.get("teardown_declared")
    if not done:
        if declared is None:
            return "none recorded (playbook not loaded)"
        return "none in the playbook" if declared == 0 else f"not run ({declared} action(s) declared)"
    failed = sum(1 for x in done if x["result"] != "ok")
    return f"{failed} of {len(done)} FAILED" if failed else f"{len(done)} of {len(done)} ok"


def blocks(d: dict[str, Any]) -> list[Block]:
    """The section: a table of actions, a warning when one failed or none ran after the end, or why there is none."""
    done, declared = d.get("teardown") or [], d.get("teardown_declared")
    out = [Block("heading", "Teardown")]
    failed = [x for x in done if x["result"] != "ok"]
    again = f"run `drillconsole teardown {d.get('playbook') or 'PLAYBOOK'} --log {d['log']}`"
    if failed:
        out.append(
            Block("note", f"{len(failed)} teardown action(s) failed: the environment may not be clean; {again}.")
        )
    elif not done and declared and d.get("outcome"):
        out.append(Block("note", f"The drill ended but its teardown did not run; {again}."))
    if done:
        rows = [
            [clock(x["t"]), str(x["action"]), "ok" if x["result"] == "ok" else "FAILED", x["reason"] or ""]
            for x in done
        ]
        out.append(Block("table", headers=["Time", "Action", "Result", "Reason"], rows=rows))
    elif declared == 0:
        out.append(Block("para", "The playbook has no teardown."))
    elif declared is None:
        out.append(Block("para", "No teardown action was recorded."))
    else:
        out.append(Block("para", f"Not run: the playbook declares {declared} teardown action(s)."))
    return out
