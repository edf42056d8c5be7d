"""Per-person invite tokens: who may join as whom, with which roles, until when, signed with the installation's key.

For a shared Unix account or SSH (`ssh drill@host` with a forced `join`), the
kernel cannot tell people apart; the token can. A token is
`dci1.<base64url JSON>.<base64url ed25519 signature>`; the engine checks it with
the same installation key that seals its logs.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

PREFIX = "dci1"
DOMAIN = b"drillconsole invite v1\n"
"""Signed before the payload, so a seal signature can never pass as an invite."""


class TokenError(Exception):
    """An invite that is malformed, forged, expired or for another drill (one line)."""


@dataclass(frozen=True)
class Invite:
    """What an invite grants."""

    person: str
    roles: tuple[str, ...]
    expires: float
    drill: str | None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def make_token(key: Ed25519PrivateKey, invite: Invite) -> str:
    """Sign an invite."""
    body = {
        "name": invite.person,
        "roles": list(invite.roles),
        "exp": int(invite.expires),
        "drill": invite.drill,
        "nonce": secrets.token_hex(8),
    }
    payload = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return f"{PREFIX}.{_b64(payload)}.{_b64(key.sign(DOMAIN + payload))}"


def check_token(key: Ed25519PrivateKey, token: str, drill: str, now: float | None = None) -> Invite:
    """The invite a token grants for this drill now; raises TokenError."""
    parts = token.strip().split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise TokenError("not a drillconsole invite token")
    try:
        payload, sig = _unb64(parts[1]), _unb64(parts[2])
        key.public_key().verify(sig, DOMAIN + payload)
    except (ValueError, InvalidSignature):
        raise TokenError("invite token is not signed by this installation") from None
    body = json.loads(payload)
    invite = Invite(str(body["name"]), tuple(body.get("roles") or ()), float(body["exp"]), body.get("drill"))
    if (time.time() if now is None else now) >= invite.expires:
        raise TokenError(f"invite token for {invite.person} expired")
    if invite.drill is not None and invite.drill != drill:
        raise TokenError(f"invite token is for drill {invite.drill}, not {drill}")
    return invite
