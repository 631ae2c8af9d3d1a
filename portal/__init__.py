"""The web application: Cổng Dịch vụ công và Một cửa điện tử tỉnh Lai Châu."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from functools import cache

from flask import Flask
from werkzeug.routing import IntegerConverter

from portal.request_body import PortalRequest


class DatabaseId(IntegerConverter):
    """``<int:...>`` in every route: a non-negative integer that fits a 32-bit id column."""

    def __init__(self, url_map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def create_app(config: dict | None = None) -> Flask:
    """Build the application. ``config`` overrides the environment-derived settings.

    Built with Python's cycle collector paused (``_collector_paused``), and what the first build
    leaves is frozen (``_freeze_once``): building imports most of the portal (models,
    blueprints, templates' helpers) and leaves several hundred thousand objects that live as
    long as the process. The collections that walked them during the build and at the process's
    exit found nothing to free: a ``flask`` command took 1.36 s more than a bare Flask app's on
    a slow machine, 0.72 s with both (docs/benchmarks.md, "Start-up and the cycle collector")."""
    with _collector_paused():
        app = _build_app(config)
        _freeze_once()
    return app


@cache
def _freeze_once() -> None:
    """After the process's first build, move every object then alive out of the collector's
    reach for good (``gc.freeze``): the modules, classes, mappers and the process's application
    live as long as the process, and later full collections no longer walk them. Only once: a
    test building a second application gets it collected as usual. What was already garbage
    then (a few cycles of the build) is kept: a bounded, one-time cost."""
    gc.freeze()


@contextmanager
def _collector_paused():
    """Pause the cycle collector (reference counting still frees what it can) and restore it
    as it was, whatever happens: a failed build is collected as usual afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _build_app(config: dict | None) -> Flask:
    from portal import (
        database,
        errors,
        i18n,
        input_guard,
        log_redaction,
        security,
        templating,
        transaction,
    )
    from portal.config import INSTANCE_DIR, MIGRATIONS_DIR, build_config
    from portal.extensions import csrf, db, login_manager, migrate

    log_redaction.install()  # no personal data or secret in any log record of the process
    app = Flask(__name__, instance_path=str(INSTANCE_DIR), instance_relative_config=False)
    app.request_class = PortalRequest
    overrides = dict(config or {})
    app.config.update(build_config(overrides.get("PORTAL_ENV")))
    app.config.update(overrides)
    _check_code_format(app.config)
    app.json.ensure_ascii = False  # UTF-8 JSON: Vietnamese stays readable

    app.url_map.converters["int"] = DatabaseId  # ids beyond the column's range are a 404, not a 500
    db.init_app(app)
    database.configure_engines(app)
    input_guard.init_app(app)  # first of the before_request hooks: hostile characters never reach a view
    migrate.init_app(app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    errors.init_app(app)
    transaction.init_app(app)
    templating.init_app(app)

    from portal import models  # noqa: F401  (registers the mappers)
    from portal.admin.accounts import bp as accounts_admin_bp
    from portal.admin.agencies import bp as agencies_bp
    from portal.admin.payment_views import bp as payment_reconciliation_bp
    from portal.admin.procedure_views import bp as admin_procedures_bp
    from portal.admin.sync_views import bp as sync_bp
    from portal.admin.views import bp as admin_bp
    from portal.anchors.views import bp as anchors_bp
    from portal.api import bp as api_bp
    from portal.appointments.views import bp as appointments_bp
    from portal.auth.views import bp as auth_bp
    from portal.catalogue.views import bp as catalogue_bp
    from portal.citizen.views import bp as citizen_bp
    from portal.dashboard.views import bp as dashboard_bp
    from portal.office.feedback_views import bp as feedback_bp
    from portal.office.views import bp as office_bp
    from portal.operations import national  # noqa: F401  (reports dossier events to the national portal)
    from portal.statistics import daily  # noqa: F401  (keeps dossier_day_counts current on every flush)
    from portal.verify.views import bp as verify_bp

    app.register_blueprint(catalogue_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(citizen_bp)
    app.register_blueprint(office_bp)
    app.register_blueprint(feedback_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(verify_bp)
    app.register_blueprint(appointments_bp)
    app.register_blueprint(anchors_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(agencies_bp)
    app.register_blueprint(admin_procedures_bp)
    app.register_blueprint(sync_bp)
    app.register_blueprint(payment_reconciliation_bp)
    app.register_blueprint(accounts_admin_bp)
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)  # the API authenticates with bearer tokens, never with cookies

    from portal.cli import register_commands

    register_commands(app)
    return app


def _check_code_format(config) -> None:
    """A deployment with an unusable dossier-code setting does not start (rather than failing at
    the first reception)."""
    from workflow.codes import CodeFormat

    try:
        CodeFormat(str(config.get("DOSSIER_CODE_FORMAT") or "2018"), str(config.get("DOSSIER_CODE_SYSTEM") or ""))
    except ValueError as error:
        raise RuntimeError(f"DOSSIER_CODE_FORMAT / DOSSIER_CODE_SYSTEM: {error}") from None
