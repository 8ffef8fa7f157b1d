"""WSGI entry point (gunicorn newsroom.wsgi): production settings, no .env file."""

import os

from django.core.wsgi import get_wsgi_application

from newsroom.startup import APP_LOAD_ERROR, EnvironmentVariableError, refuse_to_start

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

try:
    django_application = get_wsgi_application()
except EnvironmentVariableError as error:
    refuse_to_start(error, APP_LOAD_ERROR)

from articles.pagefront import PageFront  # after the apps are loaded

# Repeat page-cache hits answered before Django's handler (its docstring).
application = PageFront(django_application)
