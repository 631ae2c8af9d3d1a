from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user
from sqlalchemy import select

from portal.access import STAFF, roles_required, scope_to_agency
from portal.extensions import db
from portal.models import Procedure

bp = Blueprint("office", __name__, url_prefix="/mot-cua", template_folder="templates")


@bp.get("/")
@roles_required(*STAFF)
def index():
    query = scope_to_agency(select(Procedure).order_by(Procedure.seed_item), Procedure.agency_id, current_user)
    procedures = db.session.scalars(query).all()
    return render_template("office/index.html", procedures=procedures)
