"""How a start without a required setting ends: one line naming it, no traceback.

Kept apart from settings.py because manage.py and wsgi.py must be able to catch
the error that importing the settings raises.
"""

import sys

from django.core.exceptions import ImproperlyConfigured


class EnvironmentVariableError(ImproperlyConfigured):
    """A variable is missing or malformed; the message names it and says what to do."""


# gunicorn's arbiter reads a worker's exit status 4 as "App failed to load" and
# stops, instead of booting the same failing worker again and again.
APP_LOAD_ERROR = 4


def refuse_to_start(error: EnvironmentVariableError, status: int = 1):
    """Print the one line on stderr and exit with `status`."""
    sys.stderr.write(f"error: {error}\n")
    sys.stderr.flush()
    raise SystemExit(status)
