#!/usr/bin/env python
"""Django's command-line utility for the newsroom project.

The only place that reads `.env`: `make run` writes one saying DJANGO_DEBUG=1, so
every command typed in that checkout runs in local mode. It is read only when the
environment has no DJANGO_DEBUG of its own (production sets DJANGO_DEBUG=0, the
tests and CI set it too), and it never replaces a variable the environment has.
gunicorn, wsgi.py and asgi.py never read it. See README, "Local mode".
"""

import os
import sys
from pathlib import Path

LOCAL_ENV_FILE = Path(__file__).resolve().parent / ".env"


def load_local_env():
    if "DJANGO_DEBUG" in os.environ or not LOCAL_ENV_FILE.is_file():
        return
    from dotenv import load_dotenv

    load_dotenv(LOCAL_ENV_FILE, override=False)


def main():
    load_local_env()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    from django.conf import settings
    from django.core.management import execute_from_command_line

    from newsroom.startup import EnvironmentVariableError, refuse_to_start

    # Load the settings before any command: Django would otherwise swallow the
    # error for some (`shell`, `help`) and show a traceback for others.
    try:
        settings.INSTALLED_APPS  # noqa: B018
    except EnvironmentVariableError as error:
        refuse_to_start(error)
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
