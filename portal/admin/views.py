from __future__ import annotations

from flask import Blueprint, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.access import roles_required
from portal.extensions import db
from portal.models import User
from workflow.states import Role

bp = Blueprint("admin", __name__, url_prefix="/quan-tri", template_folder="templates")


@bp.get("/nguoi-dung")
@roles_required(Role.ADMIN)
def users():
    role = request.args.get("role", "")
    query = select(User).options(joinedload(User.agency)).order_by(User.role, User.username)
    if role in {r.value for r in Role}:
        query = query.where(User.role == role)
    users_ = db.session.scalars(query.limit(500)).all()
    return render_template("admin/users.html", users=users_, role=role, roles=list(Role))
