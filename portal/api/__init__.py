"""The JSON API (v1): see shared/API.md and GET /api/v1/openapi.json.

Each module registers its routes on ``portal.api.blueprint.bp`` and may declare
``OPENAPI_PATHS``; ``portal.api.spec`` imports every route module and merges their paths into the
published OpenAPI document (add a new module there).
"""

from portal.api import spec  # noqa: F401  (imports every route module, so their routes are on bp)
from portal.api.blueprint import bp

__all__ = ["bp"]
