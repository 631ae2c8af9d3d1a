from flask import Blueprint

bp = Blueprint("citizen", __name__, url_prefix="/ho-so", template_folder="templates")
