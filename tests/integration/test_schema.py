"""The schema comes from the migrations and matches the models."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import Migrate

from portal.config import MIGRATIONS_DIR
from portal.extensions import db


def test_models_match_migrations(app):
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), db.metadata)
    assert diff == [], f"models changed without a migration: {diff}"


def test_single_migration_head(app):
    config = app.extensions["migrate"].migrate.get_config(str(MIGRATIONS_DIR)) if hasattr(
        app.extensions["migrate"], "migrate") else Migrate().get_config(str(MIGRATIONS_DIR))
    heads = ScriptDirectory.from_config(config).get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}"


def test_every_revision_has_a_downgrade():
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        source = path.read_text(encoding="utf-8")
        body = source.split("def downgrade():", 1)
        assert len(body) == 2 and body[1].strip() and not body[1].strip().startswith("pass"), path.name
