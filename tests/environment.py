"""A pytest plugin loaded before Django: the test run's environment defaults.

Loaded with `-p` (see pyproject.toml) so it runs before pytest-django reads the
settings. It never sets DATABASE_URL: CI chooses the database with it.
"""

import os

# Said explicitly, so no `manage.py` this suite starts reads the checkout's .env
# (manage.py reads it only when DJANGO_DEBUG is absent): the suite behaves the
# same whether or not `make run` ever ran here. pytest-django runs tests with
# DEBUG off in any case.
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault(
    "DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789"
)
# The test client speaks plain http; the HTTPS redirect is checked on its own in
# test_settings.py with production environment values.
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
