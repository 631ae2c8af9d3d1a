"""The JSON API (v1): see shared/API.md and GET /api/v1/openapi.json.

Each module registers its routes on ``portal.api.blueprint.bp`` and declares ``OPENAPI_PATHS``
(every status each operation can answer, with the shared ``Error`` schema) and may declare
``OPENAPI_SCHEMAS`` (its bodies, under components/schemas), built with ``portal.api.openapi``;
``portal.api.spec`` imports every route module and merges them into the published OpenAPI
document (add a new module there). tests/integration/test_api_conformance.py runs schemathesis
against the application: an undocumented status, content type, header or body fails the suite.
"""

from portal.api import spec  # noqa: F401  (imports every route module, so their routes are on bp)
from portal.api.blueprint import bp

__all__ = ["bp"]
