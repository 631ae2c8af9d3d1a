"""The OpenID Connect client of VNeID sign-in (Authlib): discovery from ``OIDC_ISSUER``,
Authorization Code with PKCE (S256), state and nonce kept in the session by Authlib, and the ID
token verified by Authlib (signature by the provider's JWKS, issuer, audience, expiry, nonce).
What the person is allowed to open is decided by ``portal.operations.vneid``."""

from __future__ import annotations

from authlib.common.errors import AuthlibBaseError
from authlib.integrations.flask_client import FlaskIntegration, FlaskOAuth2App
from flask import current_app
from joserfc.errors import JoseError
from requests import RequestException

from portal.operations.vneid import VneidIdentity, VneidRefused

NAME = "vneid"


def enabled() -> bool:
    return bool(current_app.config.get("OIDC_ISSUER"))


def _client() -> FlaskOAuth2App:
    """One client per configuration (kept with the app: it caches the discovery document and keys)."""
    config = current_app.config
    key = (config["OIDC_ISSUER"], config["OIDC_CLIENT_ID"], config["OIDC_CLIENT_SECRET"])
    clients = current_app.extensions.setdefault("vneid_clients", {})
    if key not in clients:
        clients[key] = FlaskOAuth2App(
            FlaskIntegration(NAME), NAME, client_id=key[1], client_secret=key[2],
            server_metadata_url=f"{key[0]}/.well-known/openid-configuration",
            client_kwargs={"scope": "openid profile", "code_challenge_method": "S256",
                           "default_timeout": config["OIDC_TIMEOUT_SECONDS"]},
        )
    return clients[key]


def authorize_redirect(redirect_uri: str):
    """The redirect to the provider (state, nonce and the PKCE verifier kept in the session)."""
    try:
        return _client().authorize_redirect(redirect_uri)
    except (AuthlibBaseError, RequestException, ValueError, KeyError) as error:
        current_app.logger.warning("VNeID unavailable: %s", type(error).__name__)
        raise VneidRefused("vneid_unavailable") from None


def verified_identity() -> VneidIdentity:
    """The identity in the provider's answer, after Authlib checked the state, exchanged the code
    (with the PKCE verifier) and verified the ID token. Any failure is one refusal."""
    try:
        token = _client().authorize_access_token()
    except (AuthlibBaseError, JoseError, RequestException, ValueError, KeyError) as error:
        current_app.logger.warning("VNeID sign-in refused: %s", type(error).__name__)
        raise VneidRefused("vneid_failed") from None
    claims = dict(token.get("userinfo") or {})
    if not claims:  # no ID token in the answer: nothing verified
        raise VneidRefused("vneid_failed")
    return VneidIdentity.from_claims(claims, current_app.config["OIDC_ID_NUMBER_CLAIM"])
