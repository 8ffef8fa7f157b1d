"""A pytest plugin loaded before Django: the test run's environment defaults.

Loaded with `-p` (see pyproject.toml) so it runs before pytest-django reads the
settings. It never sets DATABASE_URL: CI chooses the database with it.
"""

import os

os.environ.setdefault(
    "DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789"
)
