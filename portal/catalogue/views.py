from __future__ import annotations

import io

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    send_from_directory,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from portal.catalogue.forms import CatalogueSearchForm
from portal.catalogue.queries import (
    ProcedureFilter,
    filter_choices,
    get_procedure,
    level_counts,
    search_procedures,
)
from portal.i18n import current_language
from portal.operations.procedures import template_of
from portal.storage import read_blob
from portal.text import public_text
from workflow.states import Role

bp = Blueprint("catalogue", __name__, template_folder="templates")


def _page_number() -> int:
    page = request.args.get("page", "1")
    return int(page) if page.isdigit() and 0 < int(page) < 10_000 else 1


@bp.get("/")
def home():
    return render_template("catalogue/home.html", form=CatalogueSearchForm(request.args),
                           counts=level_counts())


@bp.get("/thu-tuc")
def index():
    form = CatalogueSearchForm(request.args)
    fields_, agencies = filter_choices()
    lang = current_language()
    form.field.choices = [SelectChoice("", _("Tất cả lĩnh vực"))] + [SelectChoice(f.code, f.name(lang)) for f in fields_]
    form.agency.choices = [SelectChoice("", _("Tất cả cơ quan"))] + [SelectChoice(a.code, a.name(lang)) for a in agencies]
    level = form.level.data if form.level.data in ("2", "3", "4") else None
    criteria = ProcedureFilter(q=(form.q.data or "")[:200], field=form.field.data or "",
                               agency=form.agency.data or "", level=int(level) if level else None)
    result = search_procedures(criteria, _page_number(), current_app.config["CATALOGUE_PAGE_SIZE"])
    return render_template("catalogue/index.html", form=form, result=result, criteria=criteria)


@bp.get("/thu-tuc/<code>")
def detail(code: str):
    procedure = get_procedure(code)
    if procedure is None:
        abort(404)
    return render_template("catalogue/detail.html", procedure=procedure, public=_public_text_for_viewer())


def _public_text_for_viewer():
    """The catalogue's texts as this visitor reads them: administrators see the internal
    verification notes ("chưa xác minh ...") they work on, everyone else does not."""
    if current_user.is_authenticated and current_user.role == Role.ADMIN.value:
        return lambda text: text or ""
    return public_text


@bp.get("/thu-tuc/<code>/mau/<key>")
def template_file(code: str, key: str):
    """The template file (mẫu đơn, tờ khai) of a document of a published procedure."""
    procedure = get_procedure(code)
    template = template_of(procedure, key) if procedure is not None else None
    if template is None:
        abort(404)
    try:
        data = read_blob(template["sha256"])
    except OSError:
        abort(404)
    return send_file(io.BytesIO(data), mimetype=template["content_type"], as_attachment=True,
                     download_name=template["name"], max_age=0)


@bp.get("/ngon-ngu/<lang>")
def switch_language(lang: str):
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
    target = request.args.get("next", "")
    # Only same-site relative paths, never an open redirect.
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("catalogue.home")
    return redirect(target)


@bp.get("/sw.js")
def service_worker():
    """The offline reader, served from the root so that it may serve every page (scope "/")."""
    response = send_from_directory(current_app.static_folder, "js/sw.js", mimetype="text/javascript",
                                   max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/ngoai-tuyen")
def offline():
    """What the offline reader shows for a page it has not kept."""
    return render_template("catalogue/offline.html")
