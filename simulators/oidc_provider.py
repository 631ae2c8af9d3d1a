"""A test OpenID provider standing in for VNeID, run as its own process (docs/accounts.md, "VNeID").

    python -m simulators.oidc_provider --port 8766 --client-id portal --client-secret S

Discovery (``/.well-known/openid-configuration``), keys (``/jwks``: an RSA key generated at start),
``/authorize`` (Authorization Code with PKCE S256 and a nonce: a small page to choose a test
identity, or at once when a test set ``auto_identity``), ``/token`` (checks the client secret, the
code, its redirect_uri and the code_verifier; answers a signed ID token) and ``/userinfo``. Nothing
here imports ``portal``: the portal talks to it over HTTP only, as it would to VNeID.

Control endpoints (unsigned: a test and demo tool, bind it to localhost):

- ``GET /_sim/health``
- ``POST /_sim/control`` ``{"auto_identity": {...} | null, "tamper": "nonce" | "signature" |
  "issuer" | "audience" | "expired" | null, "reset": true}``: ``tamper`` spoils the next ID token
  only.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import secrets
import threading
import time
from urllib.parse import urlencode

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey

#: Test identities offered on the choice page (the claims VNeID gives at level 2).
IDENTITIES = [
    {"sub": "vneid-0001", "personal_identification_number": "012190000101", "name": "Lò Văn Minh",
     "phone_number": "0912000101", "email": "minh@example.vn"},
    {"sub": "vneid-0002", "personal_identification_number": "012195000202", "name": "Tòng Thị Hoa",
     "phone_number": "0912000202"},
]


def generated_key(kid: str) -> RSAKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return RSAKey.import_key(pem, {"kid": kid, "use": "sig", "alg": "RS256"})


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


def create_app(issuer: str, client_id: str, client_secret: str, token_lifetime: int = 300) -> Flask:
    app = Flask(__name__)
    key = generated_key(secrets.token_hex(8))
    stranger = generated_key(key.kid)  # same kid, another key: a forged signature
    lock = threading.Lock()
    state: dict = {"auto_identity": None, "tamper": None, "codes": {}, "access": {}}

    def issue_code(params: dict, identity: dict) -> str:
        code = secrets.token_urlsafe(24)
        with lock:
            state["codes"][code] = {"params": params, "identity": identity, "at": time.time()}
        return code

    def back_to_client(params: dict, **answer) -> object:
        answer["state"] = params.get("state", "")
        separator = "&" if "?" in params["redirect_uri"] else "?"
        return redirect(params["redirect_uri"] + separator + urlencode(answer))

    @app.get("/.well-known/openid-configuration")
    def discovery():
        return jsonify({
            "issuer": issuer, "authorization_endpoint": f"{issuer}/authorize",
            "token_endpoint": f"{issuer}/token", "userinfo_endpoint": f"{issuer}/userinfo",
            "jwks_uri": f"{issuer}/jwks", "response_types_supported": ["code"],
            "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"], "scopes_supported": ["openid", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        })

    @app.get("/jwks")
    def jwks():
        return jsonify({"keys": [key.as_dict(private=False)]})

    @app.route("/authorize", methods=["GET", "POST"])
    def authorize():
        params = request.values.to_dict()
        if params.get("client_id") != client_id or not params.get("redirect_uri", "").startswith("http"):
            return "unknown client or redirect_uri", 400
        if params.get("response_type") != "code":
            return back_to_client(params, error="unsupported_response_type")
        if params.get("code_challenge_method") != "S256" or not params.get("code_challenge"):
            return back_to_client(params, error="invalid_request", error_description="PKCE S256 required")
        if request.method == "POST":
            chosen = int(request.form.get("identity", "0"))
            return back_to_client(params, code=issue_code(params, IDENTITIES[chosen]))
        if state["auto_identity"] is not None:
            return back_to_client(params, code=issue_code(params, state["auto_identity"]))
        return choice_page(params)

    @app.post("/token")
    def token():
        auth = request.authorization
        given_id, given_secret = ((auth.username, auth.password) if auth and auth.username
                                  else (request.form.get("client_id"), request.form.get("client_secret")))
        if given_id != client_id or given_secret != client_secret:
            return jsonify({"error": "invalid_client"}), 401
        with lock:
            grant = state["codes"].pop(request.form.get("code", ""), None)  # a code is used once
        if grant is None or time.time() - grant["at"] > 120:
            return jsonify({"error": "invalid_grant"}), 400
        params = grant["params"]
        if request.form.get("redirect_uri") != params["redirect_uri"]:
            return jsonify({"error": "invalid_grant", "error_description": "redirect_uri"}), 400
        if s256(request.form.get("code_verifier", "")) != params["code_challenge"]:
            return jsonify({"error": "invalid_grant", "error_description": "code_verifier"}), 400
        access_token = secrets.token_urlsafe(24)
        with lock:
            state["access"][access_token] = grant["identity"]
            tamper, state["tamper"] = state["tamper"], None
        return jsonify({"access_token": access_token, "token_type": "Bearer", "expires_in": token_lifetime,
                        "id_token": id_token(grant["identity"], params, tamper)})

    def id_token(identity: dict, params: dict, tamper: str | None) -> str:
        now = int(time.time())
        claims = {**identity, "iss": issuer, "aud": client_id, "iat": now, "exp": now + token_lifetime,
                  "nonce": params.get("nonce")}
        if tamper == "nonce":
            claims["nonce"] = "another-nonce"
        elif tamper == "issuer":
            claims["iss"] = "https://someone-else.example"
        elif tamper == "audience":
            claims["aud"] = "another-client"
        elif tamper == "expired":
            claims["iat"], claims["exp"] = now - 3600, now - 1800
        signer = stranger if tamper == "signature" else key
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, signer)

    @app.get("/userinfo")
    def userinfo():
        bearer = (request.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        identity = state["access"].get(bearer)
        if identity is None:
            return jsonify({"error": "invalid_token"}), 401
        return jsonify(identity)

    @app.get("/_sim/health")
    def health():
        return jsonify({"ok": True})

    @app.post("/_sim/control")
    def control():
        orders = request.get_json(force=True) or {}
        with lock:
            if orders.get("reset"):
                state.update(auto_identity=None, tamper=None, codes={}, access={})
            for name in ("auto_identity", "tamper"):
                if name in orders:
                    state[name] = orders[name]
        return jsonify({"ok": True})

    return app


def choice_page(params: dict) -> str:
    hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" value="{html.escape(v)}">'
                     for k, v in params.items())
    buttons = "".join(
        f'<p><button name="identity" value="{i}">{html.escape(p["name"])} '
        f'({html.escape(p["personal_identification_number"])})</button></p>'
        for i, p in enumerate(IDENTITIES))
    return ('<!doctype html><html lang="vi"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<title>VNeID (mô phỏng)</title></head><body><main><h1>VNeID (mô phỏng)</h1>'
            f'<form method="post" action="/authorize">{hidden}<p>Chọn danh tính để đăng nhập:</p>'
            f'{buttons}</form></main></body></html>')


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A test OpenID provider standing in for VNeID")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--client-id", default="cong-dvc-lai-chau")
    parser.add_argument("--client-secret", default="vneid-demo-secret")
    args = parser.parse_args(argv)
    issuer = f"http://{args.host}:{args.port}"
    create_app(issuer, args.client_id, args.client_secret).run(host=args.host, port=args.port, threaded=True)


if __name__ == "__main__":
    main()
