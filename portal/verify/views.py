from flask import Blueprint

bp = Blueprint("verify", __name__, url_prefix="/kiem-tra-chu-ky", template_folder="templates")
