"""Citizens' pages: file a dossier online, follow it, answer supplement requests, pay, rate.

The blueprint and what the pages share are in ``portal.citizen.common``; the routes are in
``filing_views``, ``upload_views``, ``follow_views`` and ``payment_views``, loaded here so that they are registered
on the blueprint. Each view loads, checks access, validates a form and calls one operation of
``portal.operations.filing`` (or ``applicant``, ``payments``); the request's transaction boundary
commits.
"""

from __future__ import annotations

from portal.citizen import filing_views, follow_views, payment_views, upload_views  # noqa: F401  (register the routes)
from portal.citizen.common import bp  # noqa: F401  (registered by create_app)

# The label tables (STATUS_LABELS, EVENT_LABELS, RATING_LABELS, PAYMENT_STATUS_LABELS, ...) are
# template globals of every page: portal.templating, from portal.labels.
