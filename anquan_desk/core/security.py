"""Passwords and signing keys.

* Passwords are hashed with argon2id (libsodium through PyNaCl, ``$argon2id$v=19$m=…,t=…,p=1$…``).
  Hashes of older versions (``scrypt$…``) still verify; :func:`needs_rehash` tells the login to
  replace them (and argon2id hashes made with weaker limits than :data:`STRENGTH`).
* Every user has an Ed25519 signing key. Its private half is kept sealed: encrypted with
  ``nacl.secret.SecretBox`` under a key derived from the user's password by argon2id
  (:func:`new_sealed_key`, :func:`unseal`, :func:`reseal`). Unsealed at login it becomes a
  :class:`Signer`, which signs every audit entry the user writes.

Strength: :data:`STRONG` is t=3 passes over 64 MiB (RFC 9106's second recommended argon2id
setting, above OWASP's Password Storage Cheat Sheet minimum of 19 MiB, t=2, p=1); about 0.15 s on a
laptop per hash. libsodium always uses one lane (p=1). Tests may set :data:`STRENGTH` to
:data:`FAST_FOR_TESTS` to stay quick; the program never does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Sequence
from dataclasses import dataclass

import nacl.exceptions
import nacl.pwhash
import nacl.secret
import nacl.signing
from nacl.pwhash import argon2id

from anquan_desk.core.errors import UserInputError


@dataclass(frozen=True)
class Strength:
    """argon2id limits: passes (opslimit) and memory in bytes (memlimit)."""

    opslimit: int
    memlimit: int


#: t=3, m=64 MiB (RFC 9106 §4, second recommendation; stronger than OWASP's 19 MiB, t=2 minimum).
STRONG = Strength(opslimit=3, memlimit=64 * 1024 * 1024)
#: The weakest limits libsodium accepts — for test suites only.
FAST_FOR_TESTS = Strength(opslimit=argon2id.OPSLIMIT_MIN, memlimit=argon2id.MEMLIMIT_MIN)
#: What new hashes and sealed keys use. The one setting tests may lower.
STRENGTH = STRONG

_SCRYPT = "scrypt"
#: Prefix of the message a signature covers (so an audit signature is never valid for anything else).
SIGNING_CONTEXT = b"anquan-desk audit entry v1\x1f"


# --- passwords ------------------------------------------------------------------------------------


def hash_password(password: str) -> str:
    """An argon2id hash (PHC string) of ``password`` at :data:`STRENGTH`."""
    limits = STRENGTH
    return argon2id.str(password.encode(), opslimit=limits.opslimit, memlimit=limits.memlimit).decode("ascii")


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches ``stored`` (argon2id, or an older scrypt hash)."""
    if stored.startswith(f"{_SCRYPT}$"):
        return _verify_scrypt(password, stored)
    if not stored.startswith("$argon2id$"):
        return False
    try:
        return bool(argon2id.verify(stored.encode("ascii"), password.encode()))
    except (nacl.exceptions.InvalidkeyError, nacl.exceptions.CryptoError, UnicodeEncodeError, ValueError):
        return False


def needs_rehash(stored: str) -> bool:
    """True for an old scheme (scrypt) or an argon2id hash weaker than :data:`STRENGTH`."""
    if not stored.startswith("$argon2id$"):
        return True
    try:
        params = dict(part.split("=", 1) for part in stored.split("$")[3].split(","))
        memory_kib, passes = int(params["m"]), int(params["t"])
    except (IndexError, KeyError, ValueError):
        return True
    return memory_kib * 1024 < STRENGTH.memlimit or passes < STRENGTH.opslimit


def _verify_scrypt(password: str, stored: str) -> bool:
    """Hashes of versions before argon2id: ``scrypt$N$r$p$salt$digest`` (base64)."""
    try:
        _scheme, n, r, p, salt_b64, digest_b64 = stored.split("$")
        salt = base64.b64decode(salt_b64)
        expected = base64.b64decode(digest_b64)
        digest = hashlib.scrypt(password.encode(), salt=salt, n=int(n), r=int(r), p=int(p), dklen=len(expected))
    except ValueError:
        return False
    return hmac.compare_digest(digest, expected)


def legacy_scrypt_hash(password: str) -> str:
    """An scrypt hash as versions before argon2id made it (for tests of the upgrade path)."""
    n, r, p = 2**14, 8, 1
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32)
    return f"{_SCRYPT}${n}${r}${p}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


# --- signing keys ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SealedKey:
    """The stored form of a signing key: the public half in hex, the private half encrypted."""

    public_key: str
    sealed: bytes  # SecretBox nonce + ciphertext of the 32-byte seed
    salt: bytes
    opslimit: int
    memlimit: int


@dataclass(frozen=True)
class Signer:
    """An unlocked signing key: ``key_id`` names its ``user_keys`` row."""

    key_id: str
    signing_key: nacl.signing.SigningKey

    @property
    def public_key(self) -> str:
        return self.signing_key.verify_key.encode().hex()

    def sign(self, entry_hash: str) -> str:
        """The hex Ed25519 signature of an audit entry's hash."""
        return self.signing_key.sign(SIGNING_CONTEXT + entry_hash.encode("ascii")).signature.hex()


def verify_signature(public_key: str, entry_hash: str, signature: str) -> bool:
    """Whether ``signature`` (hex) is the key's signature of the entry hash."""
    return not failed_signatures(public_key, [(0, entry_hash, signature)])


def failed_signatures(public_key: str, entries: Sequence[tuple[int, str, str]]) -> list[int]:
    """Of ``(seq, entry hash, hex signature)`` signed by one key, the seqs whose signature is wrong.
    libsodium runs without Python's lock, so batches may be checked on several threads at once."""
    try:
        key = nacl.signing.VerifyKey(bytes.fromhex(public_key))
    except (nacl.exceptions.ValueError, nacl.exceptions.TypeError, ValueError):
        return [seq for seq, _hash, _sig in entries]
    failed: list[int] = []
    for seq, entry_hash, signature in entries:
        try:
            key.verify(SIGNING_CONTEXT + entry_hash.encode("ascii"), bytes.fromhex(signature))
        except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, nacl.exceptions.TypeError, ValueError):
            failed.append(seq)
    return failed


def _box(password: str, salt: bytes, opslimit: int, memlimit: int) -> nacl.secret.SecretBox:
    key = argon2id.kdf(nacl.secret.SecretBox.KEY_SIZE, password.encode(), salt, opslimit=opslimit, memlimit=memlimit)
    return nacl.secret.SecretBox(key)


def seal(signing_key: nacl.signing.SigningKey, password: str) -> SealedKey:
    """The key's private half encrypted under ``password`` (new salt, :data:`STRENGTH`)."""
    limits = STRENGTH
    salt = os.urandom(argon2id.SALTBYTES)
    sealed = bytes(_box(password, salt, limits.opslimit, limits.memlimit).encrypt(bytes(signing_key)))
    return SealedKey(signing_key.verify_key.encode().hex(), sealed, salt, limits.opslimit, limits.memlimit)


def new_sealed_key(password: str) -> tuple[SealedKey, nacl.signing.SigningKey]:
    """A fresh Ed25519 key: its stored form and the unlocked key."""
    signing_key = nacl.signing.SigningKey.generate()
    return seal(signing_key, password), signing_key


def unseal(stored: SealedKey, password: str) -> nacl.signing.SigningKey:
    """The private key, or UserInputError when the password does not open it (or it was altered)."""
    try:
        seed = _box(password, stored.salt, stored.opslimit, stored.memlimit).decrypt(stored.sealed)
        signing_key = nacl.signing.SigningKey(seed)
    except (nacl.exceptions.CryptoError, ValueError) as exc:
        raise UserInputError("签名密钥无法用该密码解开（密码不符或密钥被改动）。") from exc
    if signing_key.verify_key.encode().hex() != stored.public_key:
        raise UserInputError("签名密钥与登记的公钥不符（密钥被改动）。")
    return signing_key
