"""Settings for the plain floor: DATABASE_URL names the scratch database."""

import os

import dj_database_url

SECRET_KEY = "bulk-load-benchmark-only"
DEBUG = False
USE_TZ = True
TIME_ZONE = "Asia/Seoul"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "taggit",
    "benchmarks.plain.apps.PlainConfig",
]
DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
