"""SQLAlchemy models, one module per aggregate. Importing this package registers them all."""

from portal.models.agency import Agency
from portal.models.anchor import AuditAnchor
from portal.models.audit import AuditChainHead, AuditEntry
from portal.models.demo import DemoRun
from portal.models.dossier import (
    AppointmentProof,
    CalendarOverride,
    Dossier,
    DossierCodeCounter,
    DossierEvent,
    WorkingHoursSetting,
)
from portal.models.files import DossierFile, FileBlob, UploadSession
from portal.models.filing import (
    Feedback,
    IdempotencyKey,
    Notification,
    OutboxMessage,
    Payment,
    Rating,
    SandboxBankTransaction,
)
from portal.models.office import QueueCount, QueueDueCount
from portal.models.office import ix_agency_id as _queue_indexes  # noqa: F401  (0005_office)
from portal.models.procedure import Field, Procedure, ProcedureVersion
from portal.models.register import DocumentRegisterCounter, RegisteredDocument
from portal.models.signing import RemoteSigningSession, SigningCertificate
from portal.models.statistics import CatalogueEntry, DossierDayCount, PlanTarget
from portal.models.user import (
    ApiToken,
    CitizenDataSource,
    LoginAttempt,
    LoginCounter,
    PasswordReset,
    User,
)

__all__ = [
    "Agency", "ApiToken", "AuditEntry", "CalendarOverride", "Dossier", "DossierCodeCounter", "DossierEvent", "DossierFile", "FileBlob",
    "CatalogueEntry", "DossierDayCount", "Field", "LoginAttempt", "LoginCounter", "PlanTarget", "Procedure", "User", "WorkingHoursSetting",
]
__all__ += ["Feedback", "IdempotencyKey", "Notification", "OutboxMessage", "Payment", "Rating", "SandboxBankTransaction"]
__all__ += ["ProcedureVersion", "AuditAnchor", "RemoteSigningSession", "SigningCertificate"]
__all__ += ["UploadSession", "AuditChainHead", "PasswordReset", "CitizenDataSource"]
__all__ += ["DocumentRegisterCounter", "RegisteredDocument"]
__all__ += ["QueueCount", "QueueDueCount"]
__all__ += ["DemoRun"]
__all__ += ["AppointmentProof"]
