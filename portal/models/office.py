"""Indexes of the one-stop office's work queues (migration 0005_office).

The queue pages are one SELECT over stored columns of ``dossiers``; these indexes keep them fast
on a province-year of dossiers:

* ``(agency_id, id)``: "all dossiers" and "new online dossiers", newest first, keyset by id.
* ``(agency_id, holder_role, status)``: "at my step".
* ``(agency_id, channel, status)``: the desk's "new online dossiers to check".

* ``(agency_id, due_at, id)`` over running dossiers only (partial index): "overdue" and "due
  soon", most urgent first, read in index order and stopped after one page.
"""

from sqlalchemy import Index, text

from portal.models.dossier import Dossier

ix_agency_id = Index("ix_dossiers_agency_id_id", Dossier.agency_id, Dossier.id)
ix_agency_holder = Index("ix_dossiers_agency_holder_status", Dossier.agency_id, Dossier.holder_role, Dossier.status)
ix_agency_channel = Index("ix_dossiers_agency_channel_status", Dossier.agency_id, Dossier.channel, Dossier.status)

RUNNING = "status IN ('accepted', 'in_process', 'awaiting_fee')"
ix_running_due = Index("ix_dossiers_running_due", Dossier.agency_id, Dossier.due_at, Dossier.id,
                       postgresql_where=text(RUNNING), sqlite_where=text(RUNNING))
