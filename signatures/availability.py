"""Which signing failures mean that a service the signature needs is unavailable, as opposed to a
document or a key that is wrong.

A PAdES signature above B-B needs the timestamp authority (RFC 3161 over HTTP), and a key kept
in a token or an HSM needs the key store. When one of them does not answer (connection refused,
a timeout, an HTTP error, a TSA that refuses the request, a token removed), pyHanko raises
``TimestampRequestError`` (an ``OSError``), a network ``OSError`` or the PKCS#11 library's device
error, sometimes wrapped in another exception. The caller answers "try again later" (503) for
those and "this document cannot be signed" for everything else.
"""

from __future__ import annotations

from pyhanko.sign.timestamps import TimestampRequestError

#: PKCS#11 (python-pkcs11) errors that mean the token or the HSM is not reachable now.
PKCS11_UNAVAILABLE = frozenset({
    "DeviceError", "DeviceMemory", "DeviceRemoved", "TokenNotPresent", "TokenNotRecognised",
    "SessionClosed", "SessionCount", "SessionHandleInvalid", "SlotIDInvalid", "NoSuchToken",
})


def _unavailable(error: BaseException) -> bool:
    if isinstance(error, (TimestampRequestError, OSError)):  # OSError: ConnectionError, TimeoutError
        return True
    kind = type(error)
    return kind.__module__.split(".")[0] == "pkcs11" and kind.__name__ in PKCS11_UNAVAILABLE


def service_unavailable(error: BaseException) -> bool:
    """Whether ``error`` (or an exception it was raised from) says that the timestamp authority
    or the key store did not answer."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if _unavailable(current):
            return True
        seen.add(id(current))
        current = current.__cause__ or (None if current.__suppress_context__ else current.__context__)
    return False
