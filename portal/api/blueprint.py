"""The API's blueprint, on which every module of ``portal.api`` registers its routes."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")
