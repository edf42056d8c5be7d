"""`drillconsole audit LOG -o DIR`: one folder an auditor can take away, with a manifest of sha256 sums.

The pack holds the log byte for byte, its verification (chain and signed
seals, with the public keys that signed it), the playbook exactly as run (the
text embedded in `session.started`), the report in every format, the change
ledger, the criteria table, the residual discrepancies, and a README that
answers: what changed, who decided, on what evidence, and what is left.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
from pathlib import Path
from typing import Any

from drillconsole.errors import UserError
from drillconsole.log.contract import EventType
from drillconsole.report.blocks import clock

MANIFEST = "MANIFEST.sha256"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _copy_hashed(src: Path, dst: Path) -> str:
    """Copy a file byte for byte and return its sha256 (one read of a log that may be hundreds of MB)."""
    digest = hashlib.sha256()
    with src.open("rb") as fin, dst.open("wb") as fout:
        for block in iter(lambda: fin.read(1 << 20), b""):
            digest.update(block)
            fout.write(block)
    return digest.hexdigest()


def _csv(rows: list[dict[str, Any]], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(
            [
                json.dumps(row.get(c), ensure_ascii=False) if isinstance(row.get(c), (dict, list)) else row.get(c)
                for c in columns
            ]
        )
    return out.getvalue()


def _keys(log: Path, signed_by: list[str], out: Path) -> list[dict[str, Any]]:
    """Copy the public keys that signed the log into keys/ (never a private key) and say whether each is trusted."""
    from drillconsole.log.seal import find_key

    found = []
    for kid in signed_by:
        key = find_key(kid, log)
        if key is None:
            found.append({"key_id": kid, "file": None, "trusted": False})
            continue
        (out / "keys").mkdir(exist_ok=True)
        shutil.copyfile(key.path, out / "keys" / f"{kid}.pub")
        found.append({"key_id": kid, "file": f"keys/{kid}.pub", "trusted": key.trusted})
    return found


EVIDENCE = frozenset(
    {
        EventType.TRIGGER_FIRED,
        EventType.GATE_APPROVED,
        EventType.VERIFY_PASSED,
        EventType.VERIFY_FAILED,
        EventType.FIDELITY_MEASURED,
    }
)


def _evidence(d: dict[str, Any]) -> list[dict[str, Any]]:
    """What the decision and the restore rested on: triggers, approvals, verifications, fidelity, downstream."""
    rows = [x for x in d.get("timeline") or [] if x["type"] in EVIDENCE]
    downstream = d.get("downstream") or {}
    for c in downstream.get("consistency") or []:
        verdict = "all on the live version" if c["passed"] else c["reason"]
        rows.append({"t": c["t"], "type": EventType.CONSISTENCY_CHECKED.value, "subject": c["step"], "detail": verdict})
    for r in downstream.get("reconciliations") or []:
        detail = f"{r['scored']:,} records scored by v{r['suspect']} ({r['source']}), method {r['method']}"
        rows.append({"t": r["t"], "type": EventType.RECONCILE_RECORDED.value, "subject": r["step"], "detail": detail})
    return sorted(rows, key=lambda x: x["t"])


def _residual_line(ds: dict[str, Any], residuals: list[dict[str, Any]]) -> str:
    """How much is left unreconciled, and where; or that nobody reconciled at all."""
    if residuals:
        systems = ", ".join(sorted({s for r in residuals for s in r["systems"]}))
        return f"{ds['residual_records']:,} records unreconciled in {systems}"
    if ds.get("reconciled") is False:
        count = ds.get("unreconciled_never_ran")
        return (
            f"the reconcile step never ran ({count:,} records not reconciled)"
            if count
            else "the reconcile step never ran"
        )
    return "none" if ds.get("reconciled") else "no reconciliation step"


def _change_line(x: dict[str, Any]) -> str:
    """One change: what, when, by whom, approved by whom, under which decision, and whether it still holds."""
    approved = f", approved by {x['approval']['approver']}" if x["approval"] else ""
    decision = f", decision {x['decision']['option']} by {x['decision']['by']}" if x["decision"] else ""
    undone = f" at {clock(x['undone_t'])}" if x["undone_t"] is not None else ""
    return (
        f"- {clock(x['t'])} {x['change']} by {x['role']} (step {x['step']}){approved}{decision}: {x['status']}{undone}"
    )


def _readme(d: dict[str, Any], verification: dict[str, Any], files: list[str]) -> str:
    """The auditor's first page: the verdicts at a glance, then where each answer is."""
    ds = d.get("downstream") or {}
    ledger = d.get("change_ledger") or []
    changes = [x for x in ledger if x["kind"] != "dependent"]
    decided = d.get("decision")
    criteria = d.get("criteria") or []
    missed = [c for c in criteria if c["met"] is False]
    residuals = d.get("residual_discrepancies") or []
    lines = [
        f"# Audit pack: {d.get('title') or d.get('drill')}",
        "",
        f"- Log: `session.jsonl` — verification: **{'OK' if verification['ok'] else 'FAILED'}** ({verification['line']})",
        f"- Outcome: **{d.get('outcome') or 'unfinished'}**" + (f" ({d['end_reason']})" if d.get("end_reason") else ""),
        f"- Downstream: **{ds.get('glance') or 'no dependents declared'}**",
        f"- Criteria: **{len(criteria) - len(missed)} of {len(criteria)} met**"
        + (f" — NOT MET: {', '.join(c['id'] for c in missed)}" if missed else ""),
        f"- Residual discrepancies: **{_residual_line(ds, residuals)}**",
        "",
        "## What changed",
        "",
    ]
    lines += [_change_line(x) for x in changes] or ["- nothing"]
    lines += ["", "## Who decided, on what evidence", ""]
    if decided:
        lines.append(f"- {decided['option']} by {decided['actor']} at {clock(decided['t'])}: {decided['rationale']}")
        lines.append(f"- Triggers proposed: {decided.get('proposed') or 'nothing'}")
    else:
        lines.append("- no decision was recorded")
    lines += [
        f"- {clock(x['t'])} {x['type']} {x['subject']}" + (f": {x['detail']}" if x["detail"] else "")
        for x in _evidence(d)
    ]
    lines.append("- the signals, triggers and every decisive event: `report.md` (Timeline, Signals)")
    lines += ["", "## What is left", ""]
    lines += [
        f"- {r['count']:,} records in {', '.join(r['systems'])}, owner {r['owner']}: {r['reason']}" for r in residuals
    ]
    lines += [f"- {dep} is not on the restored version" for dep in ds.get("lagging") or []]
    if ds.get("reconciled") is False and not residuals:
        lines.append(f"- reconciliation: {_residual_line(ds, residuals)}")
    lines += [f"- criterion {c['id']} not met: {c['title']} (measured {c['measured']})" for c in missed]
    if len(lines) == lines.index("## What is left") + 2:
        lines.append("- nothing")
    lines += ["", "## Files", ""] + [f"- `{f}`" for f in files] + [f"- `{MANIFEST}`: sha256 of every file above", ""]
    lines += ["Check the pack with `sha256sum -c MANIFEST.sha256` and the log with", ""]
    lines += ["    drillconsole verify session.jsonl --trust keys/<key-id>.pub", ""]
    return "\n".join(lines)


def write_pack(log: Path, out: Path) -> tuple[bool, str]:
    """Write the pack; (whether the log verifies, the verdict line). UserError (exit 2) on bad input."""
    from drillconsole.report.build import build_report
    from drillconsole.report.commands import render
    from drillconsole.report.load import NotASessionLog, read_header

    log = Path(log)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UserError(f"{out}: exists and is not an empty folder; choose a new one")
    try:
        header = read_header(log)
        report = build_report(log)  # verifies the chain and the seals once; the verdict is in its data
    except NotASessionLog:
        raise UserError(f"{log}: not a session log (no session.started on its first line)") from None
    except OSError as exc:
        raise UserError(f"cannot read {log}: {exc.strerror or exc}") from None
    out.mkdir(parents=True, exist_ok=True)
    files: list[str] = ["session.jsonl"]
    sums = {"session.jsonl": _copy_hashed(log, out / "session.jsonl")}
    checked = report.data["verification"]
    keys = _keys(log, checked["signed_by"], out)
    files += [k["file"] for k in keys if k["file"]]
    verification = {
        "ok": checked["ok"],
        "line": checked["verdict"].replace(log.name, "session.jsonl"),
        "complete": checked["complete"],
        "signed_by": checked["signed_by"],
        "keys": keys,
        "events": checked["events"],
        "head_seq": checked["head_seq"],
        "head_hash": checked["head_hash"],
    }
    written: dict[str, str] = {"verification.json": json.dumps(verification, indent=2) + "\n"}
    text = (header.get("data") or {}).get("playbook_text")
    if isinstance(text, str):
        written["playbook.yaml"] = text
    for fmt in ("md", "html", "json"):
        written[f"report.{fmt}"] = render(report, fmt)
    d = report.data
    ledger_cols = [
        "t",
        "kind",
        "target",
        "change",
        "step",
        "role",
        "person",
        "approval",
        "decision",
        "status",
        "undone_t",
    ]
    written["change-ledger.json"] = json.dumps(d["change_ledger"], indent=2, ensure_ascii=False) + "\n"
    written["change-ledger.csv"] = _csv(d["change_ledger"], ledger_cols)
    written["criteria.json"] = (
        json.dumps({"risks": d["risks"], "criteria": d["criteria"]}, indent=2, ensure_ascii=False) + "\n"
    )
    written["criteria.csv"] = _csv(d["criteria"], ["id", "title", "metric", "bound", "measured", "status", "risks"])
    residuals = d["residual_discrepancies"]
    written["residual-discrepancies.json"] = json.dumps(residuals, indent=2, ensure_ascii=False) + "\n"
    written["residual-discrepancies.csv"] = _csv(residuals, ["t", "count", "systems", "owner", "step", "reason"])
    files += list(written)
    written["README.md"] = _readme(d, verification, files)
    files.insert(0, "README.md")
    for name, body in written.items():
        (out / name).write_text(body, encoding="utf-8")
    manifest = "".join(f"{sums.get(name) or _sha256(out / name)}  {name}\n" for name in sorted(files))
    (out / MANIFEST).write_text(manifest, encoding="utf-8")
    return bool(verification["ok"]), verification["line"]
