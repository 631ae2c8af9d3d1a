"""Public pages of the daily audit anchor: the list of anchored days (root, event count,
timestamp time) and, per day, the signed statement (JSON), its detached CMS signature and the
RFC 3161 timestamp token; the anchor certificates and every anchor as one JSON document.
See docs/audit.md."""

from flask import Blueprint, Response, abort, jsonify, render_template, request

from portal.operations import anchors

bp = Blueprint("anchors", __name__, url_prefix="/kiem-chung/nhat-ky", template_folder="templates")

PER_PAGE = 60
FILES = {"json": ("statement", "application/json; charset=utf-8"),
         "p7s": ("signature", "application/pkcs7-signature"),
         "tst": ("timestamp_token", "application/octet-stream")}


@bp.route("/")
def index():
    page = max(request.args.get("trang", 1, type=int), 1)
    rows, total = anchors.list_anchors(page, PER_PAGE)
    return render_template("anchors/index.html", rows=rows, page=page, pages=max(-(-total // PER_PAGE), 1),
                           total=total)


@bp.route("/<day>.<kind>")
def day_file(day: str, kind: str):
    row = anchors.published(day)
    if row is None or kind not in FILES:
        abort(404)
    column, mimetype = FILES[kind]
    return Response(getattr(row, column), mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{row.day.isoformat()}.{kind}"'})


@bp.route("/index.json")
def index_json():
    return jsonify(anchors.index_document())


@bp.route("/chung-thu.pem")
def certificates_pem():
    return Response(anchors.certificates_pem(), mimetype="application/x-pem-file",
                    headers={"Content-Disposition": 'attachment; filename="audit-anchor-certificates.pem"'})
