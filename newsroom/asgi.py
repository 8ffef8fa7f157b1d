"""ASGI entry point: production settings, no .env file."""

import os

from django.core.asgi import get_asgi_application

from newsroom.startup import APP_LOAD_ERROR, EnvironmentVariableError, refuse_to_start

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")

try:
    application = get_asgi_application()
except EnvironmentVariableError as error:
    refuse_to_start(error, APP_LOAD_ERROR)
