"""The JSON API (v1): see shared/API.md and GET /api/v1/openapi.json."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from portal.api import auth, catalogue, spec  # noqa: E402,F401  (routes register on import)
