"""Flask extensions, created unbound; ``create_app`` binds them."""

from typing import Any

import click
from flask_babel import Babel
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so that migrations are the same on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


class _PendingMigrations:
    """``app.extensions["migrate"]`` until something reads it: then Flask-Migrate binds for real
    (``Migrate.init_app``, which replaces this stand-in and the ``db`` group) and every read is
    forwarded. Flask-Migrate imports Alembic, Mako and Pygments (about 0.15 s of start-up) that
    only ``flask db ...``, the tests' ``upgrade()`` and migrations/env.py use."""

    def __init__(self, app, database, options: dict[str, Any]):
        self._app, self._database, self._options = app, database, options

    def bind(self) -> Any:
        from flask_migrate import Migrate

        if isinstance(self._app.extensions.get("migrate"), _PendingMigrations):
            Migrate().init_app(self._app, self._database, **self._options)
        return self._app.extensions["migrate"]

    def __getattr__(self, name: str):
        if name.startswith("_"):  # never bind for a private or special name (copy, pickle, repr)
            raise AttributeError(name)
        return getattr(self.bind(), name)


class _MigrationCommands(click.Group):
    """``flask db``: listed with Flask-Migrate's own description, its commands imported when run."""

    def __init__(self, app):
        super().__init__("db", help="Perform database migrations.")
        self._app = app

    def _real(self) -> click.Group:
        pending = self._app.extensions["migrate"]
        if isinstance(pending, _PendingMigrations):
            pending.bind()
        from flask_migrate.cli import db as commands

        return commands

    def make_context(self, info_name, args, parent=None, **extra):
        return self._real().make_context(info_name, args, parent=parent, **extra)

    def list_commands(self, ctx):
        return self._real().list_commands(ctx)

    def get_command(self, ctx, name):
        return self._real().get_command(ctx, name)


class LazyMigrate:
    """Flask-Migrate's ``Migrate`` with the same ``init_app``, imported on first use."""

    def init_app(self, app, database, **options: Any) -> None:
        app.extensions["migrate"] = _PendingMigrations(app, database, options)
        app.cli.add_command(_MigrationCommands(app), name="db")


migrate = LazyMigrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
