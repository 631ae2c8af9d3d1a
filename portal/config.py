"""Configuration from the environment.

``PORTAL_ENV`` picks the profile: ``production`` (the default, used by ``wsgi.py``),
``development`` (``make run``) or ``testing``. Every setting can be overridden by an
environment variable of the same name; ``DATABASE_URL`` selects PostgreSQL.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"
MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
TRANSLATIONS_DIR = PROJECT_ROOT / "translations"


def normalize_database_url(url: str) -> str:
    """Use the psycopg 3 driver for plain ``postgresql://`` URLs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


#: Placeholder Zalo templates of the development profile (its sink shows what would be sent).
DEVELOPMENT_ZALO_TEMPLATES = {kind: f"dev-{kind}" for kind in (
    "accept", "request_supplement", "request_fee", "issue_result", "refuse", "return_result")}


def _env_json(name: str, default: dict) -> dict:
    value = os.environ.get(name)
    return json.loads(value) if value not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value not in (None, "") else default


def _env_list(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = os.environ.get(name)
    if value is None:
        return default
    return tuple(item.strip() for item in value.split(",") if item.strip())


#: Roles that must sign in with a second factor (TOTP) in production (docs/accounts.md).
PRODUCTION_TWO_FACTOR_ROLES = ("unit_leader", "agency_leader", "admin")


def _development_secret_key() -> str:
    """A random key kept under instance/, so sessions survive a restart of ``make run``."""
    INSTANCE_DIR.mkdir(exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48), encoding="ascii")
        path.chmod(0o600)
    return path.read_text(encoding="ascii").strip()


def build_config(environment: str | None = None) -> dict:
    env = environment or os.environ.get("PORTAL_ENV", "production")
    if env not in {"production", "development", "testing"}:
        raise RuntimeError(f"PORTAL_ENV must be production, development or testing, not {env!r}")
    default_db = f"sqlite:///{INSTANCE_DIR / 'portal.sqlite3'}"
    secret = os.environ.get("SECRET_KEY")
    if not secret:
        if env == "production":
            raise RuntimeError(
                "SECRET_KEY is not set. Set SECRET_KEY (and DATABASE_URL) for production, "
                "or PORTAL_ENV=development for a local run."
            )
        secret = _development_secret_key() if env == "development" else "testing-secret-key"
    config = {
        "PORTAL_ENV": env,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": normalize_database_url(os.environ.get("DATABASE_URL", default_db)),
        # hide_parameters: SQLAlchemy's errors and logs never carry bound values (personal data, hashes).
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        # HTTP Strict Transport Security: production is served over HTTPS only (a year, subdomains
        # included); development and tests run over plain http and send none.
        "STRICT_TRANSPORT_SECURITY": os.environ.get(
            "STRICT_TRANSPORT_SECURITY", "max-age=31536000; includeSubDomains" if env == "production" else ""),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _env_bool("SESSION_COOKIE_SECURE", env == "production"),
        "REMEMBER_COOKIE_SECURE": _env_bool("SESSION_COOKIE_SECURE", env == "production"),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PERMANENT_SESSION_LIFETIME": _env_int("SESSION_LIFETIME_SECONDS", 8 * 3600),
        "WTF_CSRF_ENABLED": _env_bool("WTF_CSRF_ENABLED", True),
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "BABEL_DEFAULT_LOCALE": "vi",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Ho_Chi_Minh",
        "BABEL_TRANSLATION_DIRECTORIES": str(TRANSLATIONS_DIR),
        "LANGUAGES": ("vi", "en"),
        "MAX_CONTENT_LENGTH": _env_int("MAX_CONTENT_LENGTH", 50 * 1024 * 1024),
        # Attachments: content-addressed files outside the database (shared storage in production).
        "STORAGE_DIR": os.environ.get("STORAGE_DIR", str(INSTANCE_DIR / "files")),
        # Online filing: size limits of one attachment and of all attachments of one dossier.
        "MAX_UPLOAD_BYTES": _env_int("MAX_UPLOAD_BYTES", 10 * 1024 * 1024),
        "MAX_DOSSIER_BYTES": _env_int("MAX_DOSSIER_BYTES", 40 * 1024 * 1024),
        # A request with files up to this size is parsed in memory (larger ones are spooled to a
        # temporary file): each upload is read whole anyway (portal.PortalRequest).
        "UPLOAD_MEMORY_BYTES": _env_int("UPLOAD_MEMORY_BYTES", 16 * 1024 * 1024),
        # Fee payments: the sandbox provider's HMAC secret (set a real secret outside development).
        # PAYMENT_PROVIDER: sandbox (development and tests) or national; production defaults to the
        # national platform when PAYMENT_PLATFORM_URL is set, otherwise to none (pay at the desk).
        "PAYMENT_PROVIDER": os.environ.get("PAYMENT_PROVIDER", ("national" if os.environ.get("PAYMENT_PLATFORM_URL") else "")
                                           if env == "production" else "sandbox"),
        "PAYMENT_SANDBOX_SECRET": os.environ.get("PAYMENT_SANDBOX_SECRET", "sandbox-secret-not-for-production"),
        # The national payment platform (docs/payments.md), used when PAYMENT_PROVIDER=national:
        # empty URL = provider off (fees paid at the desk). The secret signs messages both ways.
        "PAYMENT_PLATFORM_URL": os.environ.get("PAYMENT_PLATFORM_URL", "").rstrip("/"),
        "PAYMENT_PLATFORM_MERCHANT": os.environ.get("PAYMENT_PLATFORM_MERCHANT", "LAICHAU"),
        "PAYMENT_PLATFORM_SECRET": os.environ.get("PAYMENT_PLATFORM_SECRET", ""),
        "PAYMENT_PLATFORM_TIMEOUT_SECONDS": _env_int("PAYMENT_PLATFORM_TIMEOUT_SECONDS", 10),
        # Where the platform posts its notifications (default: this portal's own callback URL).
        "PAYMENT_PLATFORM_NOTIFY_URL": os.environ.get("PAYMENT_PLATFORM_NOTIFY_URL", ""),
        # A payment still pending this many seconds after it started is asked about
        # (``flask payments check-pending``).
        "PAYMENT_PENDING_CHECK_SECONDS": _env_int("PAYMENT_PENDING_CHECK_SECONDS", 600),
        # E-mail: sent through SMTP when MAIL_SERVER is set, otherwise kept in the outbox table.
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", ""),
        "MAIL_PORT": _env_int("MAIL_PORT", 25),
        "MAIL_USE_TLS": _env_bool("MAIL_USE_TLS", False),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD", ""),
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "dichvucong@laichau.gov.vn"),
        # The outbox of background deliveries (portal/operations/outbox.py): a failed delivery
        # is retried after base * 2^(attempts-1) seconds, at most cap seconds, and parked after
        # the channel's number of attempts (MAIL_MAX_ATTEMPTS, NATIONAL_MAX_ATTEMPTS).
        "OUTBOX_RETRY_BASE_SECONDS": _env_int("OUTBOX_RETRY_BASE_SECONDS", 30),
        "OUTBOX_RETRY_CAP_SECONDS": _env_int("OUTBOX_RETRY_CAP_SECONDS", 3600),
        "MAIL_MAX_ATTEMPTS": _env_int("MAIL_MAX_ATTEMPTS", 8),
        # The national public-service portal (docs/national-portal.md): empty URL = seam off.
        "NATIONAL_PORTAL_URL": os.environ.get("NATIONAL_PORTAL_URL", "").rstrip("/"),
        "NATIONAL_PORTAL_SECRET": os.environ.get("NATIONAL_PORTAL_SECRET", ""),
        "NATIONAL_MAX_ATTEMPTS": _env_int("NATIONAL_MAX_ATTEMPTS", 8),
        "NATIONAL_TIMEOUT_SECONDS": _env_int("NATIONAL_TIMEOUT_SECONDS", 10),
        # Report every dossier to the national portal, not only those it handed over.
        "NATIONAL_SYNC_ALL": _env_bool("NATIONAL_SYNC_ALL", False),
        # VNeID sign-in (OpenID Connect, docs/accounts.md): discovery at
        # OIDC_ISSUER/.well-known/openid-configuration; empty issuer = no VNeID button.
        "OIDC_ISSUER": os.environ.get("OIDC_ISSUER", "").rstrip("/"),
        "OIDC_CLIENT_ID": os.environ.get("OIDC_CLIENT_ID", ""),
        "OIDC_CLIENT_SECRET": os.environ.get("OIDC_CLIENT_SECRET", ""),
        # The ID token's claim carrying the 12-digit personal identification number.
        "OIDC_ID_NUMBER_CLAIM": os.environ.get("OIDC_ID_NUMBER_CLAIM", "personal_identification_number"),
        "OIDC_TIMEOUT_SECONDS": _env_int("OIDC_TIMEOUT_SECONDS", 10),
        # The population database (docs/population-registry.md): empty URL = off (no identity
        # confirmation, no prefill from it). The secret signs requests and answers; the client id
        # names this system in each request; a check waits at most the timeout.
        "POPULATION_REGISTRY_URL": os.environ.get("POPULATION_REGISTRY_URL", "").rstrip("/"),
        "POPULATION_REGISTRY_SECRET": os.environ.get("POPULATION_REGISTRY_SECRET", ""),
        "POPULATION_REGISTRY_CLIENT_ID": os.environ.get("POPULATION_REGISTRY_CLIENT_ID", "cong-dvc-lai-chau"),
        "POPULATION_REGISTRY_TIMEOUT_SECONDS": _env_int("POPULATION_REGISTRY_TIMEOUT_SECONDS", 5),
        # Registrations (lookups by someone not signed in) per address in LOGIN_WINDOW_SECONDS.
        "REGISTRY_LOOKUPS_PER_WINDOW": _env_int("REGISTRY_LOOKUPS_PER_WINDOW", 10),
        # SMS and Zalo notices (docs/notifications.md): without a URL a channel's messages stay in
        # the outbox, readable at /ho-so/hop-thu-di as "would be sent" (the development sink).
        "SMS_GATEWAY_URL": os.environ.get("SMS_GATEWAY_URL", "").rstrip("/"),
        "SMS_GATEWAY_KEY": os.environ.get("SMS_GATEWAY_KEY", ""),
        "SMS_GATEWAY_SECRET": os.environ.get("SMS_GATEWAY_SECRET", ""),  # signs delivery receipts
        "SMS_BRANDNAME": os.environ.get("SMS_BRANDNAME", "DVC LAICHAU"),
        # Many brandname gateways take only text without diacritics.
        "SMS_ASCII_ONLY": _env_bool("SMS_ASCII_ONLY", True),
        "SMS_MAX_ATTEMPTS": _env_int("SMS_MAX_ATTEMPTS", 8),
        "ZALO_API_URL": os.environ.get("ZALO_API_URL", "").rstrip("/"),
        "ZALO_OA_TOKEN": os.environ.get("ZALO_OA_TOKEN", ""),
        # JSON: message kind (a dossier action, e.g. "accept") -> the OA's template id; a kind
        # without a template is not sent by Zalo. Development: placeholders, for the sink.
        "ZALO_TEMPLATE_IDS": _env_json("ZALO_TEMPLATE_IDS", DEVELOPMENT_ZALO_TEMPLATES if env == "development" else {}),
        "ZALO_MAX_ATTEMPTS": _env_int("ZALO_MAX_ATTEMPTS", 8),
        "MESSAGING_TIMEOUT_SECONDS": _env_int("MESSAGING_TIMEOUT_SECONDS", 10),
        # This portal's public address, for links in outbound messages (the result's URL).
        "PORTAL_BASE_URL": os.environ.get("PORTAL_BASE_URL", "").rstrip("/"),
        # Login throttling: failures per username and per client address in a sliding window.
        "LOGIN_MAX_FAILURES_PER_USER": _env_int("LOGIN_MAX_FAILURES_PER_USER", 5),
        "LOGIN_MAX_FAILURES_PER_IP": _env_int("LOGIN_MAX_FAILURES_PER_IP", 20),
        "LOGIN_WINDOW_SECONDS": _env_int("LOGIN_WINDOW_SECONDS", 15 * 60),
        "LOGIN_ACCOUNT_SLOWDOWN": _env_int("LOGIN_ACCOUNT_SLOWDOWN", 20),
        # Public look-ups by a code's last digits and a phone number, per address and window.
        "LOOKUP_MAX_PER_WINDOW": _env_int("LOOKUP_MAX_PER_WINDOW", 10),
        "API_TOKEN_LIFETIME_SECONDS": _env_int("API_TOKEN_LIFETIME_SECONDS", 12 * 3600),
        "PASSWORD_MIN_LENGTH": _env_int("PASSWORD_MIN_LENGTH", 10),
        # Roles (values of workflow.states.Role) that sign in with a TOTP code after the password;
        # comma-separated in the environment, e.g. TWO_FACTOR_ROLES=admin,unit_leader. Development
        # and tests: none, so the demo accounts sign in with a password only.
        "TWO_FACTOR_ROLES": _env_list("TWO_FACTOR_ROLES", PRODUCTION_TWO_FACTOR_ROLES if env == "production" else ()),
        # The portal's public address, for links written outside a request (``flask user create``'s e-mail).
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "https://dichvucong.laichau.gov.vn" if env == "production"
                                     else "http://127.0.0.1:5000"),
        # The key that encrypts TOTP secrets at rest; without it one is derived from SECRET_KEY
        # (changing either makes every enrolled person enrol again after an administrator's reset).
        "TOTP_ENCRYPTION_KEY": os.environ.get("TOTP_ENCRYPTION_KEY") or None,
        # How long a password reset link or code started by an administrator stays valid.
        "PASSWORD_RESET_LIFETIME_SECONDS": _env_int("PASSWORD_RESET_LIFETIME_SECONDS", 24 * 3600),
        "CATALOGUE_PAGE_SIZE": _env_int("CATALOGUE_PAGE_SIZE", 20),
        # Behind a reverse proxy, how many X-Forwarded-For hops to trust (0: none).
        "PROXY_FIX_HOPS": _env_int("PROXY_FIX_HOPS", 0),
        # Digital signatures (docs/signatures.md, "In the portal"). Keys at rest are encrypted
        # with PKI_KEY_PASSWORD; production refuses to sign without it and without TSA_URL.
        "PKI_KEY_PASSWORD": os.environ.get("PKI_KEY_PASSWORD")
        or (None if env == "production" else "lai-chau-dev-only-pki-password"),
        "PKI_TRUST_DIR": os.environ.get("PKI_TRUST_DIR") or None,
        "TSA_URL": os.environ.get("TSA_URL") or None,
        "SIGNING_AUTO_ISSUE": _env_bool("SIGNING_AUTO_ISSUE", env != "production"),
        # The leader's approval (or refusal) and its result's signatures: "deferred" commits the
        # decision with a signing job of the outbox (the page does not wait for the timestamp
        # authority; the job is retried while it does not answer), "inline" signs inside the
        # approval's request (a 503 when the authority is down). Tests: inline, as before.
        "RESULT_SIGNING": os.environ.get("RESULT_SIGNING", "inline" if env == "testing" else "deferred"),
        # Attempts of a signing job before it is parked for an administrator (outbox back-off).
        "SIGNING_MAX_ATTEMPTS": _env_int("SIGNING_MAX_ATTEMPTS", 12),
        # Keys on a PKCS#11 token (HSM, USB token): the module, the token's label (empty: the
        # module's only token) and the user PIN. Certificates issued with --pkcs11 sign there.
        "PKCS11_MODULE": os.environ.get("PKCS11_MODULE") or None,
        "PKCS11_TOKEN_LABEL": os.environ.get("PKCS11_TOKEN_LABEL") or None,
        "PKCS11_PIN": os.environ.get("PKCS11_PIN") or None,
        # Standard forms: "2018" (TT 01/2018/TT-VPCP, 6 forms) or "2025" (TT 03/2025/TT-VPCP, 7 forms).
        "FORM_SET": os.environ.get("FORM_SET", "2018"),
        # Dossier codes: "2018" (TT 01/2018/TT-VPCP: <agency>-<YYMMDD>-<XXXX>) or "2025"
        # (TT 04/2025/TT-VPCP: <agency>-<YYMMDD>-<AA><XXXX>, AA = DOSSIER_CODE_SYSTEM, two digits
        # of the agency owning the central system). Codes already given keep their format.
        "DOSSIER_CODE_FORMAT": os.environ.get("DOSSIER_CODE_FORMAT", "2018"),
        "DOSSIER_CODE_SYSTEM": os.environ.get("DOSSIER_CODE_SYSTEM", ""),
        # The province's support line printed in every page's footer (empty: only the national
        # portal's free line 1800 1096 is shown).
        "SUPPORT_HOTLINE": os.environ.get("SUPPORT_HOTLINE", ""),
        # Largest PDF accepted by the public signature check.
        "VERIFY_MAX_BYTES": _env_int("VERIFY_MAX_BYTES", 20 * 1024 * 1024),
    }
    if config["RESULT_SIGNING"] not in ("deferred", "inline"):
        raise RuntimeError(f"RESULT_SIGNING must be deferred or inline, not {config['RESULT_SIGNING']!r}")
    if env == "testing":
        config["TESTING"] = True
    return config
