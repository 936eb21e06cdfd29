"""Encryption of personal data at rest (AES-256-GCM) and keyed hashes for exact lookup.

Keys come from ``settings.ARREARS_ENCRYPTION_KEYS`` as ``key_id:base64(32 bytes)``; the first key
encrypts, every listed key decrypts, so a key can be rotated without downtime (see
``arrears rotate-keys`` and docs/security.md).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import operator
import os
from collections import deque
from collections.abc import Sequence
from functools import cache
from itertools import repeat

import polars as pl
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NONCE_BYTES = 12
_SHA256_BLOCK = 64


class UndecryptableValue(ValueError):
    """The stored token names an unknown key or was altered."""


@cache
def _keyring(raw_keys: tuple[str, ...]) -> tuple[str, dict[str, AESGCM]]:
    entries = [item.strip() for raw in raw_keys for item in raw.split(",") if item.strip()]
    if not entries:
        raise ImproperlyConfigured("ARREARS_ENCRYPTION_KEYS is empty")
    ring: dict[str, AESGCM] = {}
    for entry in entries:
        key_id, sep, encoded = entry.partition(":")
        if not sep or not key_id.isalnum():
            raise ImproperlyConfigured("ARREARS_ENCRYPTION_KEYS entries must look like 'keyid:base64key'")
        key = base64.b64decode(encoded)
        if len(key) != 32:
            raise ImproperlyConfigured(f"encryption key {key_id!r} must be 32 bytes")
        ring[key_id] = AESGCM(key)
    return entries[0].partition(":")[0], ring


def _current() -> tuple[str, dict[str, AESGCM]]:
    return _keyring(tuple(settings.ARREARS_ENCRYPTION_KEYS))


def current_key_id() -> str:
    """Return the id of the key new values are encrypted with."""
    return _current()[0]


def encrypt(plaintext: str) -> str:
    """Encrypt ``plaintext`` with the current key; the token starts with the key id."""
    key_id, ring = _current()
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring[key_id].encrypt(nonce, plaintext.encode("utf-8"), key_id.encode())
    return f"{key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"


def decrypt(token: str) -> str:
    """Decrypt a token made by :func:`encrypt` with whichever listed key made it.

    :raises UndecryptableValue: when the key is unknown or the token was altered.
    """
    key_id, _, body = token.partition(":")
    ring = _current()[1]
    if key_id not in ring:
        raise UndecryptableValue(f"no key {key_id!r} in ARREARS_ENCRYPTION_KEYS")
    raw = base64.urlsafe_b64decode(body)
    try:
        plain = ring[key_id].decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], key_id.encode())
    except Exception as exc:  # InvalidTag: altered ciphertext
        raise UndecryptableValue("encrypted value was altered") from exc
    return plain.decode("utf-8")


def key_id_of(token: str) -> str:
    """Return the id of the key that encrypted ``token``."""
    return token.partition(":")[0]


@cache
def _hash_key(raw: str) -> bytes:
    return hashlib.sha256(b"arrears-lookup:" + raw.encode("utf-8")).digest()


def lookup_hash(normalized: str) -> int:
    """Return the keyed hash used to find an encrypted value exactly: HMAC-SHA256 cut to 64 bits.

    Sixty-four bits keep the lookup indexes small (a bigint, not 64 hex characters), which is what
    makes bulk imports fast; a collision would only add a candidate to a search result.
    """
    key = _hash_key(settings.ARREARS_HASH_KEY)
    return _int64(hmac.new(key, normalized.encode("utf-8"), hashlib.sha256).digest())


def _int64(digest: bytes) -> int:
    return int.from_bytes(digest[:8], "big", signed=True)


def encrypt_many(plaintexts: Sequence[str]) -> list[str]:
    """Encrypt each of ``plaintexts`` like :func:`encrypt`, with one random draw for all nonces (bulk loads)."""
    key_id, ring = _current()
    seal, aad, prefix = ring[key_id].encrypt, key_id.encode(), f"{key_id}:"
    nonces = os.urandom(NONCE_BYTES * len(plaintexts))
    b64 = base64.urlsafe_b64encode
    tokens = []
    for index, plaintext in enumerate(plaintexts):
        nonce = nonces[index * NONCE_BYTES : (index + 1) * NONCE_BYTES]
        tokens.append(prefix + b64(nonce + seal(nonce, plaintext.encode("utf-8"), aad)).decode("ascii"))
    return tokens


def lookup_hash_many(normalized_values: Sequence[str]) -> list[int]:
    """Return :func:`lookup_hash` of each value, for bulk loads.

    HMAC-SHA256 spelled out (RFC 2104) from the two keyed states computed once: the same digests as
    ``hmac.new``, without setting the key up again for every value.
    """
    key = _hash_key(settings.ARREARS_HASH_KEY).ljust(_SHA256_BLOCK, b"\0")
    inner_copy = hashlib.sha256(bytes(byte ^ 0x36 for byte in key)).copy
    outer_copy = hashlib.sha256(bytes(byte ^ 0x5C for byte in key)).copy
    digests = []
    for value in normalized_values:
        inner = inner_copy()
        inner.update(value.encode("utf-8"))
        outer = outer_copy()
        outer.update(inner.digest())
        digests.append(_int64(outer.digest()))
    return digests


def encrypt_series(plaintexts: pl.Series) -> pl.Series:
    """Return :func:`encrypt_many` of a column of strings as a column of tokens (nulls stay null).

    The Python work per value is one call into AES-GCM; the nonces come from one random draw and
    the base64 and key-id prefix are applied column-wise.
    """
    key_id, ring = _current()
    present = plaintexts.drop_nulls()
    count = present.len()
    randomness = os.urandom(NONCE_BYTES * count)
    nonces = [randomness[start : start + NONCE_BYTES] for start in range(0, NONCE_BYTES * count, NONCE_BYTES)]
    sealed = map(ring[key_id].encrypt, nonces, present.cast(pl.Binary).to_list(), repeat(key_id.encode()))
    tokens = (
        pl.Series(list(map(operator.add, nonces, sealed)), dtype=pl.Binary)
        .bin.encode("base64")
        .str.replace_all("+", "-", literal=True)
        .str.replace_all("/", "_", literal=True)
    )
    tokens = (f"{key_id}:" + tokens).alias(plaintexts.name)
    if count == plaintexts.len():
        return tokens
    return _scatter(plaintexts, tokens, pl.String)


def lookup_hash_series(normalized_values: pl.Series) -> pl.Series:
    """Return :func:`lookup_hash` of a column of strings as an Int64 column (nulls stay null)."""
    key = _hash_key(settings.ARREARS_HASH_KEY).ljust(_SHA256_BLOCK, b"\0")
    inner = hashlib.sha256(bytes(byte ^ 0x36 for byte in key))
    outer = hashlib.sha256(bytes(byte ^ 0x5C for byte in key))
    present = normalized_values.drop_nulls()
    # HMAC as in lookup_hash_many, driven by map() over C methods: no Python code runs per value.
    hash_type = type(inner)
    inner_states = list(map(hash_type.copy, repeat(inner, present.len())))
    deque(map(hash_type.update, inner_states, present.cast(pl.Binary).to_list()), maxlen=0)
    outer_states = list(map(hash_type.copy, repeat(outer, present.len())))
    deque(map(hash_type.update, outer_states, map(hash_type.digest, inner_states)), maxlen=0)
    digests = map(hash_type.digest, outer_states)
    hashes = (
        pl.Series(list(digests), dtype=pl.Binary)
        .bin.slice(0, 8)
        .bin.reinterpret(dtype=pl.Int64, endianness="big")
        .alias(normalized_values.name)
    )
    if present.len() == normalized_values.len():
        return hashes
    return _scatter(normalized_values, hashes, pl.Int64)


def _scatter(template: pl.Series, present: pl.Series, dtype: pl.DataType | type[pl.DataType]) -> pl.Series:
    """Return ``present`` spread over the non-null positions of ``template``, nulls elsewhere."""
    result = pl.Series(template.name, [None] * template.len(), dtype=dtype)
    if present.len():
        result.scatter(template.is_not_null().arg_true(), present)
    return result
