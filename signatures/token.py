"""Keys on a PKCS#11 token (an HSM, a USB token; Debian's softhsm2 in the tests).

The private key is created on the token as sensitive and non-extractable (``CKA_SENSITIVE``
true, ``CKA_EXTRACTABLE`` false): it never exists outside the token, in memory or on disk.
Signatures go through pyHanko's :class:`pyhanko.sign.pkcs11.PKCS11Signer` (python-pkcs11).

- **Selection.** A token is chosen by its label (or the only token of the module); a key by
  its ``CKA_ID``. A label may be used once, to find an existing key when registering it, and
  is resolved to the key's ``CKA_ID`` then: labels are free text, often duplicated.
- **Certificate <-> key.** The certificate issued for a token key carries the key's ``CKA_ID``
  as its Subject Key Identifier (:func:`key_id_of`), so a stored certificate names its key.
  A key generated here gets ``CKA_ID`` = SHA-1 of its public key (RFC 5280 method 1, the usual
  convention of PKCS#11 tools), so that identifier is also the standard one.
- **Sessions.** One logged-in session per token and process, opened on first use and reused
  (a ``C_Login`` costs time on a real HSM); a lock serialises its use (``C_Logout`` of one
  session logs out all sessions of the process). After a fork the module is initialised again.
- **Failures.** Anything that makes the token unusable (module not loadable, token absent,
  wrong or locked PIN, key missing, device error) raises :class:`TokenUnavailable` with a
  ``reason``; the cached session is dropped so that the next use starts afresh. A PIN the
  token refused is not tried again in this process (tokens lock the PIN after a few failures).
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key

from .asn1 import to_asn1_cert
from .pki import PkiError, PublicKey, _check_key
from .signers import BuiltSigner

__all__ = [
    "TokenConfig",
    "TokenKey",
    "TokenSigner",
    "TokenUnavailable",
    "find_key",
    "generate_key",
    "key_id_of",
    "reset",
    "token_signer",
]

Reason = Literal["module", "token", "pin", "pin_locked", "key", "device"]

#: What each reason means, for logs and the command line (the portal words it for users).
REASONS: dict[str, str] = {
    "module": "the PKCS#11 module cannot be loaded",
    "token": "the token is absent or ambiguous",
    "pin": "the token refused the PIN",
    "pin_locked": "the token's user PIN is locked",
    "key": "the key is not on the token",
    "device": "the token failed",
}


class TokenUnavailable(Exception):
    """The token cannot be used now: ``reason`` is one of :data:`REASONS`."""

    def __init__(self, reason: Reason, detail: str = "") -> None:
        self.reason = reason
        super().__init__(REASONS[reason] + (f": {detail}" if detail else ""))


@dataclass(frozen=True)
class TokenConfig:
    """Where the token is: the module (``.so``), the token label (None: the only token of the
    module) and the user PIN (never shown by ``repr``)."""

    module_path: str
    token_label: str | None = None
    pin: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return f"TokenConfig(module_path={self.module_path!r}, token_label={self.token_label!r})"


@dataclass(frozen=True)
class TokenKey:
    """A key pair on the token: its ``CKA_ID``, label and public key."""

    key_id: bytes
    label: str
    public_key: PublicKey

    def __repr__(self) -> str:
        return f"TokenKey(key_id={self.key_id.hex()}, label={self.label!r})"


def key_id_of(certificate: x509.Certificate) -> bytes:
    """The ``CKA_ID`` of a token key's certificate: its Subject Key Identifier."""
    try:
        return certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except x509.ExtensionNotFound:
        raise PkiError("The certificate has no Subject Key Identifier (token key ID).") from None


# ---------------------------------------------------------------------------------------------
# Library and sessions (process-wide)

_lock = threading.RLock()
_sessions: dict[TokenConfig, Any] = {}
_refused_pins: set[tuple[str, str | None, str]] = set()
_modules: set[str] = set()  # module paths loaded by this process
_pid = os.getpid()


def _pin_mark(config: TokenConfig) -> tuple[str, str | None, str]:
    digest = hashlib.sha256((config.pin or "").encode("utf-8")).hexdigest()
    return config.module_path, config.token_label, digest


def _library(path: str) -> Any:
    import pkcs11

    global _pid
    if not os.path.isfile(path):
        raise TokenUnavailable("module", f"{path} does not exist")
    try:
        lib = pkcs11.lib(path)
        _modules.add(path)
        if _pid != os.getpid():  # forked: the parent's sessions and initialisation are not ours
            _sessions.clear()
            lib.reinitialize()
            _pid = os.getpid()
        return lib
    except pkcs11.PKCS11Error as error:
        raise TokenUnavailable("module", type(error).__name__) from None


def _open(config: TokenConfig, *, rw: bool) -> Any:
    import pkcs11
    from pkcs11 import TokenFlag

    lib = _library(config.module_path)
    try:
        if config.token_label is not None:
            token = lib.get_token(token_label=config.token_label)
        else:
            token = lib.get_token()
    except (pkcs11.NoSuchToken, pkcs11.MultipleTokensReturned, pkcs11.TokenNotPresent) as error:
        raise TokenUnavailable("token", type(error).__name__) from None
    except pkcs11.PKCS11Error as error:
        raise TokenUnavailable("device", type(error).__name__) from None
    if token.flags & TokenFlag.USER_PIN_LOCKED:
        raise TokenUnavailable("pin_locked")
    if _pin_mark(config) in _refused_pins:
        raise TokenUnavailable("pin", "refused before, not tried again")
    try:
        return token.open(rw=rw, user_pin=config.pin)
    except (pkcs11.PinIncorrect, pkcs11.PinInvalid, pkcs11.PinLenRange) as error:
        _refused_pins.add(_pin_mark(config))
        raise TokenUnavailable("pin", type(error).__name__) from None
    except pkcs11.PinLocked:
        raise TokenUnavailable("pin_locked") from None
    except (pkcs11.TokenNotPresent, pkcs11.TokenNotRecognised, pkcs11.SlotIDInvalid) as error:
        raise TokenUnavailable("token", type(error).__name__) from None
    except pkcs11.PKCS11Error as error:
        raise TokenUnavailable("device", type(error).__name__) from None


def _close(session: Any) -> None:
    import pkcs11

    try:
        session.close()
    except pkcs11.PKCS11Error:
        pass


def _drop(config: TokenConfig) -> None:
    session = _sessions.pop(config, None)
    if session is not None:
        _close(session)


@contextmanager
def _session(config: TokenConfig, *, rw: bool = False) -> Iterator[Any]:
    """A logged-in session, held under the process lock for the ``with`` block.

    Read-only sessions are cached per token; a read-write one (key generation) is opened for
    the block only, after closing the cached one. A PKCS#11 error inside the block drops the
    session and becomes :class:`TokenUnavailable`.
    """
    import pkcs11

    with _lock:
        if rw:
            _drop(config)
            session = _open(config, rw=True)
        else:
            session = _sessions.get(config) if _pid == os.getpid() else None
            if session is None:
                session = _sessions[config] = _open(config, rw=False)
        try:
            yield session
        except pkcs11.PKCS11Error as error:
            _drop(config)
            raise TokenUnavailable("device", type(error).__name__) from None
        finally:
            if rw:
                _close(session)


def reset() -> None:
    """Close every cached session, forget refused PINs and initialise the loaded modules again
    (tests switch softhsm2 configurations; an operator after changing the PIN)."""
    import pkcs11

    with _lock:
        for config in list(_sessions):
            _drop(config)
        _refused_pins.clear()
        for path in sorted(_modules):
            try:
                pkcs11.lib(path).reinitialize()
            except pkcs11.PKCS11Error:
                pass


# ---------------------------------------------------------------------------------------------
# Keys


def _public_key(obj: Any) -> PublicKey:
    from pkcs11 import Attribute, KeyType
    from pkcs11.util.ec import encode_ec_public_key

    if obj.key_type == KeyType.EC:
        key = load_der_public_key(encode_ec_public_key(obj))
    elif obj.key_type == KeyType.RSA:
        key = rsa.RSAPublicNumbers(
            int.from_bytes(obj[Attribute.PUBLIC_EXPONENT], "big"),
            int.from_bytes(obj[Attribute.MODULUS], "big"),
        ).public_key()
    else:
        raise PkiError(f"Unsupported key type on the token: {obj.key_type!r} (RSA or ECDSA only).")
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise PkiError("Unsupported key type on the token (RSA or ECDSA only).")
    _check_key(key)
    return key


def _label(obj: Any) -> str:
    from pkcs11 import Attribute

    try:
        return str(obj[Attribute.LABEL])
    except Exception:  # noqa: BLE001 - a token without labels
        return ""


def _key_pair(session: Any, *, key_id: bytes | None = None, label: str | None = None) -> tuple[Any, Any]:
    """(private, public) objects of the one key pair with this ``CKA_ID`` (or label)."""
    from pkcs11 import Attribute, ObjectClass

    query: dict[Any, Any] = {}
    if key_id is not None:
        query[Attribute.ID] = key_id
    if label is not None:
        query[Attribute.LABEL] = label
    private = list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY, **query}))
    if len(private) != 1:
        what = f"ID {key_id.hex()}" if key_id is not None else f"label {label!r}"
        raise TokenUnavailable("key", f"{len(private)} private keys with {what}")
    found_id = private[0][Attribute.ID]
    public = list(session.get_objects({Attribute.CLASS: ObjectClass.PUBLIC_KEY, Attribute.ID: found_id}))
    if len(public) != 1:
        raise TokenUnavailable("key", f"{len(public)} public keys with ID {bytes(found_id).hex()}")
    return private[0], public[0]


def find_key(config: TokenConfig, *, key_id: bytes | None = None, label: str | None = None) -> TokenKey:
    """An existing key pair on the token, by ``CKA_ID`` or (to register it) by label."""
    if (key_id is None) == (label is None):
        raise ValueError("give either key_id or label")
    with _session(config) as session:
        private, public = _key_pair(session, key_id=key_id, label=label)
        from pkcs11 import Attribute

        return TokenKey(bytes(private[Attribute.ID]), _label(private), _public_key(public))


def generate_key(
    config: TokenConfig, *, label: str, key_type: Literal["ec", "rsa"] = "ec", rsa_bits: int = 2048
) -> TokenKey:
    """A new key pair generated on the token: the private key sensitive, non-extractable, for
    signing only; ``CKA_ID`` = SHA-1 of the public key."""
    from pkcs11 import Attribute, KeyType
    from pkcs11.util.ec import encode_named_curve_parameters

    if key_type == "rsa" and rsa_bits < 2048:
        raise PkiError("RSA keys must have at least 2048 bits.")
    temporary_id = os.urandom(20)
    private_template = {
        Attribute.TOKEN: True,
        Attribute.PRIVATE: True,
        Attribute.SENSITIVE: True,
        Attribute.EXTRACTABLE: False,
        Attribute.SIGN: True,
        Attribute.DECRYPT: False,
        Attribute.UNWRAP: False,
        Attribute.DERIVE: False,
    }
    public_template = {Attribute.TOKEN: True, Attribute.VERIFY: True, Attribute.ENCRYPT: False,
                       Attribute.WRAP: False}
    with _session(config, rw=True) as session:
        if key_type == "ec":
            params = session.create_domain_parameters(
                KeyType.EC, {Attribute.EC_PARAMS: encode_named_curve_parameters("secp256r1")}, local=True
            )
            public, private = params.generate_keypair(
                store=True, id=temporary_id, label=label,
                public_template=public_template, private_template=private_template,
            )
        elif key_type == "rsa":
            public, private = session.generate_keypair(
                KeyType.RSA, rsa_bits, store=True, id=temporary_id, label=label,
                public_template=public_template, private_template=private_template,
            )
        else:
            raise PkiError(f"Unknown key type {key_type!r} (use 'rsa' or 'ec').")
        public_key = _public_key(public)
        key_id = x509.SubjectKeyIdentifier.from_public_key(public_key).digest
        private[Attribute.ID] = key_id
        public[Attribute.ID] = key_id
        return TokenKey(key_id, label, public_key)


# ---------------------------------------------------------------------------------------------
# Signing


class TokenSigner(BuiltSigner):
    """Signs with a private key on the token (pyHanko's ``PKCS11Signer``, key by ``CKA_ID``).

    Build it with :func:`token_signer`, which holds the token's session for the ``with`` block.
    """

    def __init__(
        self,
        session: Any,
        certificate: x509.Certificate,
        key_id: bytes,
        chain: tuple[x509.Certificate, ...] = (),
    ) -> None:
        from pyhanko.sign.pkcs11 import PKCS11Signer

        self._certificate = certificate
        self._chain = tuple(chain)
        self._signer = PKCS11Signer(
            session,
            signing_cert=to_asn1_cert(certificate),
            ca_chain=[to_asn1_cert(c) for c in self._chain],
            key_id=key_id,
            # ECDSA: hash here and sign with CKM_ECDSA, which every token has (softhsm2 and
            # many HSMs lack the combined CKM_ECDSA_SHA256).
            use_raw_mechanism=isinstance(certificate.public_key(), ec.EllipticCurvePublicKey),
        )


@contextmanager
def token_signer(
    config: TokenConfig, certificate: x509.Certificate, chain: tuple[x509.Certificate, ...] = ()
) -> Iterator[TokenSigner]:
    """A :class:`TokenSigner` for ``certificate``'s key (found by the certificate's key ID),
    usable inside the ``with`` block. Refuses (``TokenUnavailable("key")``) when the token's
    key is missing or is not the certificate's key."""
    key_id = key_id_of(certificate)
    with _session(config) as session:
        _, public = _key_pair(session, key_id=key_id)
        if _public_key(public).public_numbers() != certificate.public_key().public_numbers():  # type: ignore[union-attr]
            raise TokenUnavailable("key", f"the key with ID {key_id.hex()} is not the certificate's key")
        yield TokenSigner(session, certificate, key_id, chain)
