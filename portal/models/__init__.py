"""SQLAlchemy models, one module per aggregate. Importing this package registers them all."""

from portal.models.agency import Agency
from portal.models.audit import AuditEntry
from portal.models.dossier import (
    CalendarOverride,
    Dossier,
    DossierCodeCounter,
    DossierEvent,
    WorkingHoursSetting,
)
from portal.models.files import DossierFile, FileBlob
from portal.models.procedure import Field, Procedure
from portal.models.user import ApiToken, LoginAttempt, User

__all__ = [
    "Agency", "ApiToken", "AuditEntry", "CalendarOverride", "Dossier", "DossierCodeCounter", "DossierEvent", "DossierFile", "FileBlob",
    "Field", "LoginAttempt", "Procedure", "User", "WorkingHoursSetting",
]
