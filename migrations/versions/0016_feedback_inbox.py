"""feedback_inbox: citizens' feedback gets a code, an agency, an assignee, a due date of 10
working days, a status and an answer (the agencies' feedback inbox).

Rows received before this revision get their code (PA-<year>-<id>), the agency of their dossier
(or the province's one-stop centre, or the top agency), and a due date of 10 working days from
receipt on the statutory calendar (weekends and public holidays; the administrators' overrides
are not read here).

Revision ID: 0016_feedback_inbox
Revises: 0012_audit_anchors
"""

import sqlalchemy as sa
from alembic import op

revision = "0016_feedback_inbox"
down_revision = "0015_procedure_versions"
branch_labels = None
depends_on = None

STATUSES = "status IN ('new', 'assigned', 'answered')"


def upgrade():
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.add_column(sa.Column("code", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("agency_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("due_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("status", sa.String(length=16), server_default="new", nullable=False))
        batch_op.add_column(sa.Column("assignee_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("answer", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("answered_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True))
    _fill_existing_rows()
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.alter_column("due_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_feedback_code"), ["code"])
        batch_op.create_check_constraint("status_known", STATUSES)
        batch_op.create_foreign_key(batch_op.f("fk_feedback_agency_id_agencies"), "agencies", ["agency_id"], ["id"])
        batch_op.create_foreign_key(batch_op.f("fk_feedback_assignee_id_users"), "users", ["assignee_id"], ["id"])
        batch_op.create_foreign_key(batch_op.f("fk_feedback_answered_by_id_users"), "users", ["answered_by_id"], ["id"])
        batch_op.create_index("ix_feedback_agency_status", ["agency_id", "status"], unique=False)


def _fill_existing_rows() -> None:
    from datetime import UTC, datetime

    from workflow.calendar import WorkingCalendar, to_vn
    from workflow.deadlines import due_at

    connection = op.get_bind()
    rows = connection.execute(sa.text(
        "SELECT f.id, f.created_at, d.agency_id FROM feedback f LEFT JOIN dossiers d ON d.id = f.dossier_id"
    )).all()
    if not rows:
        return
    default_agency = connection.execute(sa.text(
        "SELECT id FROM agencies ORDER BY CASE WHEN code = 'trung-tam-phvhcc' THEN 0 "
        "WHEN parent_id IS NULL THEN 1 ELSE 2 END, id LIMIT 1"
    )).scalar()
    calendar = WorkingCalendar()
    for row_id, created_at, agency_id in rows:
        if isinstance(created_at, str):  # SQLite returns text for raw SQL
            created_at = datetime.fromisoformat(created_at)
        if created_at.tzinfo is None:
            created_at = created_at.replace(tzinfo=UTC)
        due = due_at(created_at, 10, calendar).astimezone(UTC)
        if connection.dialect.name != "postgresql":
            due = due.replace(tzinfo=None)  # stored as naive UTC, as portal.models.types.UTCDateTime does
        connection.execute(
            sa.text("UPDATE feedback SET code = :code, agency_id = :agency, due_at = :due WHERE id = :id")
            .bindparams(sa.bindparam("due", type_=sa.DateTime(timezone=True))),
            {"code": f"PA-{to_vn(created_at).year}-{row_id:06d}", "agency": agency_id or default_agency,
             "due": due, "id": row_id},
        )


def downgrade():
    with op.batch_alter_table("feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_agency_status")
        batch_op.drop_constraint(batch_op.f("fk_feedback_answered_by_id_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_feedback_assignee_id_users"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("fk_feedback_agency_id_agencies"), type_="foreignkey")
        batch_op.drop_constraint(batch_op.f("ck_feedback_status_known"), type_="check")
        batch_op.drop_constraint(batch_op.f("uq_feedback_code"), type_="unique")
        batch_op.drop_column("answered_at")
        batch_op.drop_column("answered_by_id")
        batch_op.drop_column("answer")
        batch_op.drop_column("assigned_at")
        batch_op.drop_column("assignee_id")
        batch_op.drop_column("status")
        batch_op.drop_column("due_at")
        batch_op.drop_column("agency_id")
        batch_op.drop_column("code")
