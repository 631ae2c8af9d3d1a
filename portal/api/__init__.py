"""The JSON API (v1): see shared/API.md and GET /api/v1/openapi.json.

Each module registers its routes on ``bp`` and may declare ``OPENAPI_PATHS`` (merged into the
published OpenAPI document). Add a module to ``MODULES`` to load it.
"""

from importlib import import_module

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MODULE_NAMES = ("auth", "catalogue", "dossiers", "filing", "office", "verify", "stats", "spec")
MODULES = [import_module(f"portal.api.{name}") for name in MODULE_NAMES]
