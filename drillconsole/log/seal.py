"""Signed seals of a log's head: the installation's ed25519 key, its public part beside the logs, and checking seals.

A seal signs only the hash of the head event (which commits to every event
before it through the chain), so sealing costs one signature, not a pass over
the log. The signed message is `drillconsole log seal v1\\n<head_seq>\\n<head_hash>`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

PRIVATE_NAME = "installation.key"
KEYS_BESIDE_LOGS = "keys"
KEY_ID_HEX = 16


class SealKeyError(Exception):
    """The installation's key cannot be read or created (one line, meant for the user)."""


def key_dir() -> Path:
    """Where this installation keeps its signing key: `$DRILLCONSOLE_KEY_DIR`, else `~/.config/drillconsole/keys`."""
    explicit = os.environ.get("DRILLCONSOLE_KEY_DIR")
    if explicit:
        return Path(explicit)
    config = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config) / "drillconsole" / "keys"


def key_id(public: Ed25519PublicKey) -> str:
    """The short id of a public key: the first 16 hex digits of the sha256 of its 32 raw bytes."""
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:KEY_ID_HEX]


def _public_pem(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def message(head_seq: int, head_hash: str) -> bytes:
    """The exact bytes a seal signs."""
    return b"drillconsole log seal v1\n%d\n%s" % (head_seq, head_hash.encode("ascii"))


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Create `path` with `data` atomically (never half-written, never overwriting)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(tmp, path)  # fails if another process made the key first: theirs wins
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


@dataclass(frozen=True)
class Sealer:
    """Signs log heads with one private key."""

    private: Ed25519PrivateKey
    key_id: str

    @classmethod
    def for_installation(cls, directory: Path | None = None) -> Sealer:
        """The installation's key, created on first use (0600, directory 0700); raises SealKeyError."""
        folder = directory or key_dir()
        path = folder / PRIVATE_NAME
        try:
            if not path.exists():
                folder.mkdir(parents=True, exist_ok=True, mode=0o700)
                fresh = Ed25519PrivateKey.generate()
                pem = fresh.private_bytes(
                    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
                )
                _write_new(path, pem, 0o600)
            private = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except OSError as exc:
            raise SealKeyError(f"cannot use the signing key {path}: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise SealKeyError(f"cannot use the signing key {path}: {exc}") from None
        if not isinstance(private, Ed25519PrivateKey):
            raise SealKeyError(f"cannot use the signing key {path}: not an ed25519 key")
        sealer = cls(private, key_id(private.public_key()))
        sealer.publish(folder, beside=False)
        return sealer

    def publish(self, directory: Path, beside: bool = True) -> Path:
        """Write the public key as `<directory>/keys/<key-id>.pub` (or `<directory>/<key-id>.pub`) if absent."""
        folder = directory / KEYS_BESIDE_LOGS if beside else directory
        path = folder / f"{self.key_id}.pub"
        if not path.exists():
            folder.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError):
                _write_new(path, _public_pem(self.private.public_key()), 0o644)
        return path

    def seal(self, head_seq: int, head_hash: str) -> dict[str, Any]:
        """The data of a `log.sealed` record for this head."""
        sig = self.private.sign(message(head_seq, head_hash)).hex()
        return {"head_seq": head_seq, "head_hash": head_hash, "key_id": self.key_id, "sig": sig}


@dataclass(frozen=True)
class PublicKey:
    """A public key a verifier knows, where it came from, and whether this installation trusts it."""

    key: Ed25519PublicKey
    path: Path
    trusted: bool


def _load_public(path: Path) -> Ed25519PublicKey | None:
    try:
        key = serialization.load_pem_public_key(path.read_bytes()[:4096])
    except (OSError, ValueError):
        return None
    return key if isinstance(key, Ed25519PublicKey) else None


def find_key(kid: str, log_path: Path, trusted_files: tuple[Path, ...] = ()) -> PublicKey | None:
    """The public key with id `kid`: from `--trust` files or the installation's key folder (trusted), else beside the log.

    A file only counts if its content hashes to the id it is named by, so a
    key cannot be swapped under an id.
    """
    if not kid or len(kid) != KEY_ID_HEX or any(c not in "0123456789abcdef" for c in kid):
        return None
    candidates = [(p, True) for p in trusted_files]
    candidates.append((key_dir() / f"{kid}.pub", True))
    folder = Path(log_path).resolve().parent
    for up in (folder, *list(folder.parents)[:2]):
        candidates.append((up / KEYS_BESIDE_LOGS / f"{kid}.pub", False))
    for path, trusted in candidates:
        key = _load_public(path)
        if key is not None and key_id(key) == kid:
            return PublicKey(key, path, trusted)
    return None


def signature_ok(public: Ed25519PublicKey, data: dict[str, Any]) -> bool:
    """Whether a seal's `sig` is the key's signature over its head."""
    try:
        sig = bytes.fromhex(str(data.get("sig")))
        public.verify(sig, message(int(data["head_seq"]), str(data["head_hash"])))
    except (InvalidSignature, ValueError, KeyError, TypeError, UnicodeEncodeError):
        return False
    return True
