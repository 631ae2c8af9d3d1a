from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/thong-ke", template_folder="templates")
