"""`drillconsole verify`: the chain, the seals and completeness of a session log, as one verdict line."""

from __future__ import annotations

import mmap
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from drillconsole.log.reader import Scan, SealRecord, scan_log

if TYPE_CHECKING:
    from drillconsole.log.seal import PublicKey

CUT = "no session.ended: the drill did not finish, or the log was cut"


@dataclass(frozen=True)
class Verdict:
    """What `verify` concluded: exit status, the line it prints, and the facts behind it."""

    ok: bool
    line: str
    scan: Scan
    signed_by: tuple[str, ...] = ()
    complete: bool = False
    problem: str | None = None

    @property
    def head_hash(self) -> str | None:
        """The hash of the last verified line (what `--expect-head` compares with)."""
        return self.scan.head_hash


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _seal_shape(path: Path, seal: SealRecord) -> str | None:
    """Why a seal is not a seal of the event just before it, as a FILE:LINE line, or None."""
    d = seal.data
    if d.get("head_seq") != seal.seq - 1 or d.get("head_hash") != seal.prev:
        return f"{path}:{seal.line}: seal does not name the event just before it (forged or moved)"
    if not isinstance(d.get("key_id"), str) or not isinstance(d.get("sig"), str):
        return f"{path}:{seal.line}: seal without a key id or signature (forged)"
    return None


def _seal_problem(
    path: Path, seal: SealRecord, keys: dict[str, PublicKey | None], trust: tuple[Path, ...]
) -> str | None:
    """Why one seal's signature does not hold, as a FILE:LINE line, or None."""
    # Imported here: a log whose seals cannot hold anyway (a broken chain, no seals) needs no cryptography.
    from drillconsole.log.seal import find_key, key_dir, signature_ok

    d = seal.data
    kid = str(d["key_id"])
    where = f"{path}:{seal.line}"
    if kid not in keys:
        keys[kid] = find_key(kid, path, trust)
    found = keys[kid]
    if found is None:
        return f"{where}: seal by unknown key {kid} (no {kid}.pub in {key_dir()} or in a keys/ folder beside the log)"
    if not signature_ok(found.key, d):
        return f"{where}: bad signature on the seal of seq {seal.seq - 1} (key {kid}): the chain was rewritten or the seal forged"
    if not found.trusted:
        return (
            f"{where}: sealed by key {kid}, which this installation does not trust "
            f"(found at {found.path}; copy it into {key_dir()} or pass --trust {found.path})"
        )
    return None


def _expect(path: Path, scan: Scan, expect: str) -> str | None:
    """Why the head is not the expected one, or None."""
    want = expect.strip().lower()
    if len(want) < 16 or any(c not in "0123456789abcdef" for c in want):
        return f"--expect-head wants at least 16 hex digits of a hash, got {expect!r}"
    if scan.head_hash is not None and scan.head_hash.startswith(want):
        return None
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        inside = m.find(b'"hash":"' + want.encode()) >= 0
    head = f"the head is seq {scan.head_seq} ({(scan.head_hash or '')[:16]}…)"
    if inside:
        return f"expected head {want[:16]}… is not the last event: {head}; events were added after it"
    return f"expected head {want[:16]}… is not in this log: {head} (truncated or rewritten)"


def check(
    path: Path, *, complete: bool = False, expect_head: str | None = None, trust: tuple[Path, ...] = ()
) -> Verdict:
    """Verify chain, seals and completeness; raises OSError only if the file cannot be read."""
    path = Path(path)
    scan = scan_log(path)
    if not scan.ok:
        line = f"{path}:{scan.bad_line}: {scan.problem}"
        return Verdict(False, line, scan, problem=line)
    keys: dict[str, PublicKey | None] = {}
    # Every seal must seal the line before it; signatures are checked on the last seal of each key: the chain up
    # to a valid seal already fixes every line (and every earlier seal) before it.
    last_by_key = {str(seal.data.get("key_id")): seal for seal in scan.seals}
    for seal in scan.seals:
        problem = _seal_shape(path, seal)
        if problem is None and last_by_key[str(seal.data["key_id"])] is seal:
            problem = _seal_problem(path, seal, keys, trust)
        if problem is not None:
            return Verdict(False, problem, scan, problem=problem)
    signers = tuple(dict.fromkeys(str(s.data["key_id"]) for s in scan.seals))
    n = _plural(scan.events - len(scan.seals), "event")
    ended = scan.ended_seq is not None
    last_sealed = scan.seals[-1].seq - 1 if scan.seals else None
    unsealed = scan.head_seq - (last_sealed + 1) if last_sealed is not None else scan.events
    who = f"signed by {', '.join(signers)}" if signers else "unsigned"
    if signers and unsealed:
        who += f" up to seq {last_sealed} ({_plural(unsealed, 'event')} after the last seal unsigned)"
    problem = None
    if ended and not signers:
        problem = f"{n}, unsigned: a finished drill must end with a signed seal"
    elif ended and unsealed:
        problem = f"{n}, {who}: the last seal of a finished drill must cover its last event"
    elif not ended and complete:
        problem = f"{n}, {who}, truncated after seq {scan.head_seq} ({CUT}; --complete)"
    if problem is None and expect_head is not None:
        problem = _expect(path, scan, expect_head)
    if problem is not None:
        return Verdict(False, f"fail: {problem}", scan, signers, ended, problem)
    state = "complete" if ended else f"truncated after seq {scan.head_seq} ({CUT})"
    head = ", head matches" if expect_head is not None else ""
    return Verdict(True, f"ok: {n}, {who}, {state}{head}", scan, signers, ended)


def verify_command(
    path: Path, complete: bool = False, expect_head: str | None = None, trust: tuple[Path, ...] = ()
) -> int:
    """`drillconsole verify LOG`: one line of verdict; exit 0 holds, 1 fails, 2 unreadable."""
    try:
        verdict = check(Path(path), complete=complete, expect_head=expect_head, trust=trust)
    except OSError as exc:
        print(f"drillconsole: cannot read {path}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # never a traceback
        print(f"drillconsole: cannot read {path}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2
    print(verdict.line)
    return 0 if verdict.ok else 1


def head_hash(path: Path) -> str | None:
    """The hash of the last line of a log (for the incident ticket; `verify --expect-head` checks it later)."""
    with open(path, "rb") as f:
        size = f.seek(0, 2)
        f.seek(max(0, size - 65536))
        tail = f.read().rstrip()
    last = tail.rsplit(b"\n", 1)[-1]
    key = last.rfind(b'"hash":"')
    return last[key + 8 : key + 72].decode("ascii", "replace") if key >= 0 else None
