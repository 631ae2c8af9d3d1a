"""Entry point for gunicorn: ``gunicorn wsgi:app``. Reads its settings from the environment."""

from portal import create_app

app = create_app()
