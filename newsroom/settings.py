"""Settings for the newsroom CMS.

Laptop, CI and production differ only in environment variables; every one is listed
in README.md and .env.example. Defaults are safe: DEBUG is off unless asked for, and
outside DEBUG a secret key must be given. This module reads the process environment
only, never a file: the local checkout's `.env` is loaded by manage.py alone.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP

from newsroom.startup import EnvironmentVariableError

BASE_DIR = Path(__file__).resolve().parent.parent


def env(name: str, default: str | None = None, how: str = "") -> str:
    """Return an environment variable, or stop startup naming the missing one."""
    value = os.environ.get(name, default)
    if value is None:
        how = how or f"export {name}=... (see README, Environment variables)"
        raise EnvironmentVariableError(f"{name} is not set. Set it with: {how}")
    return value


def env_flag(name: str, default: bool) -> bool:
    return env(name, "1" if default else "0").strip().lower() in {"1", "true", "yes"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


def env_int(name: str, default: int, minimum: int = 0) -> int:
    """A whole number; anything else stops startup naming the variable and value."""
    value = env(name, str(default)).strip()
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < minimum:
        raise EnvironmentVariableError(
            f"{name} must be a whole number of at least {minimum}, not {value!r}."
        )
    return number


DEBUG = env_flag("DJANGO_DEBUG", False)
SECRET_KEY = env(
    "DJANGO_SECRET_KEY",
    "insecure-local-development-key" if DEBUG else None,
    how="export DJANGO_SECRET_KEY=\"$(python3 -c 'import secrets; "
    "print(secrets.token_urlsafe(50))')\" (production), or run `make run` once "
    "in this checkout for local mode",
)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")
# Old keys, newest first, still accepted when reading signatures (sessions, share
# links, password reset) while the new DJANGO_SECRET_KEY signs everything new.
# Rotate: move the old key here, set the new one, drop the old after the longest
# lifetime you honour (sessions: two weeks).
SECRET_KEY_FALLBACKS = env_list("DJANGO_SECRET_KEY_FALLBACKS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sitemaps",
    "taggit",
    "django_tasks_db",
    "articles",
    "search",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions: a cached page for an anonymous reader skips everything below.
    "articles.pagecache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the 429 page.
    "axes.middleware.AxesMiddleware",
]

# Every login (the admin's and any other that calls authenticate() with the
# request) passes django-axes first; it refuses while the pair is locked out.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "articles.context_processors.site",
            ],
        },
    },
]

# An embedded SQLite file by default; production sets a postgres:// URL.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("NEWSROOM_DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Django's backend, whose schema changes lift the copy triggers
    # (newsroom/sqlite/base.py).
    DATABASES["default"]["ENGINE"] = "newsroom.sqlite"
    # Writers queue instead of failing: BEGIN IMMEDIATE takes the write lock at
    # the start of each transaction, and a second writer waits up to 20 s for it,
    # so simultaneous saves end as stale-save refusals, not "database is locked".
    # A page cache of 64 MiB per connection (SQLite's default is 2 MiB): a
    # search reads every entry of a common word, and with the default cache
    # each one came from the file again (a quarter of the results page).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA cache_size = -65536",
    }
# The page queries compiled once per process (articles/prepared.py) are also
# prepared statements on PostgreSQL; 0 for a pooler that cannot carry them.
NEWSROOM_DB_PREPARED = env_flag("NEWSROOM_DB_PREPARED", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # psycopg prepares nothing unless a threshold is set (Django leaves it
    # unset). Django's own cursors bind on the client and never prepare, so
    # only the cursors that ask for it (articles/prepared.py) prepare, at once.
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = (
        2**31 - 1 if NEWSROOM_DB_PREPARED else None
    )
    # Django's backend, with no health check on a connection that answered a
    # moment ago (newsroom/postgresql/base.py).
    DATABASES["default"]["ENGINE"] = "newsroom.postgresql"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis when REDIS_URL is set (production, several app servers). Without it,
# files in NEWSROOM_CACHE_DIR when several processes on one machine serve the
# site (make serve's gunicorn workers and task worker, make run's server and
# worker set it): a process's own memory would keep pages another process has
# invalidated. Otherwise a per-process memory cache, for one process (the tests).
# A Redis host that stops answering (dropped packets, a full backlog) must not hold
# a request or /healthz until gunicorn kills the worker: connecting and each reply
# give up after NEWSROOM_REDIS_TIMEOUT_MS and raise instead.
if REDIS_URL := env("REDIS_URL", ""):
    _redis_timeout = env_int("NEWSROOM_REDIS_TIMEOUT_MS", 500, minimum=1) / 1000
    CACHES = {
        "default": {
            # Django's RedisCache, keeping one redis client (newsroom/redis_cache.py).
            "BACKEND": "newsroom.redis_cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("NEWSROOM_CACHE_PREFIX", "newsroom"),
            "OPTIONS": {
                "socket_connect_timeout": _redis_timeout,
                "socket_timeout": _redis_timeout,
            },
        }
    }
    # Sessions read from Redis on every request, written through to the
    # database so an eviction or a Redis restart logs no editor out.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
elif CACHE_DIR := env("NEWSROOM_CACHE_DIR", ""):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": CACHE_DIR,
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }
else:
    # Room for the pages of a site of thousands of articles and their
    # invalidation tokens (a page and its article's token are two entries): at
    # Django's default of 300 the page cache culls a third of itself every few
    # renders and mostly misses. A page is about 20-50 KB, so a worker holds
    # a few hundred MB at most.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]

LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", "한국어")]
TIME_ZONE = "Asia/Seoul"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "static/"
STATIC_ROOT = Path(env("NEWSROOM_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = env("NEWSROOM_MEDIA_URL", "/media/")
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
FIXTURE_DIRS = [BASE_DIR / "fixtures"]

# Uploaded originals: private (no URL), outside MEDIA_ROOT; readers only ever get
# renditions from the public media storage (articles/images.py).
NEWSROOM_ORIGINALS_ROOT = Path(
    env("NEWSROOM_ORIGINALS_ROOT", str(BASE_DIR / "originals"))
)

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "originals": {"BACKEND": "articles.images.OriginalsStorage"},
    # Hashed, compressed files served by WhiteNoise; DEBUG serves them from source.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# Background work (image renditions) through Django's tasks framework, queued in
# the database (django-tasks-db: no broker to run; the queue commits or rolls
# back with the change that enqueued it). The worker is `manage.py db_worker`,
# which `make run` and `make serve` start. NEWSROOM_TASKS_BACKEND=immediate runs
# tasks in the enqueuing process instead (development without a worker).
TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
}
_tasks_backend = env("NEWSROOM_TASKS_BACKEND", "database")
if _tasks_backend not in TASK_BACKENDS:
    raise EnvironmentVariableError(
        f"NEWSROOM_TASKS_BACKEND must be one of {', '.join(TASK_BACKENDS)}, "
        f"not {_tasks_backend!r}."
    )
TASKS = {"default": {"BACKEND": TASK_BACKENDS[_tasks_backend]}}
# /healthz fails when the oldest task ready to run has waited longer than this:
# the worker is down or far behind.
NEWSROOM_TASK_QUEUE_MAX_AGE = int(env("NEWSROOM_TASK_QUEUE_MAX_AGE", "600"))
# Worker processes a bulk load (loaddata, import_posts) renders its bodies in,
# alongside its saves (articles/prerendering.py); 0 or 1: in the load's own.
NEWSROOM_BULK_RENDER_PROCESSES = env_int(
    "NEWSROOM_BULK_RENDER_PROCESSES", min(os.cpu_count() or 1, 4)
)

# Uploads: reject large request bodies early; images are capped again in the form.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_PERMISSIONS = 0o644
# Featured-image uploads one account may send in any sliding hour (articles/limits.py).
NEWSROOM_UPLOADS_PER_HOUR = int(env("NEWSROOM_UPLOADS_PER_HOUR", "30"))

TAGGIT_CASE_INSENSITIVE = True

# Security headers. Outside DEBUG everything is HTTPS-only; a TLS-terminating proxy
# says so with X-Forwarded-Proto when NEWSROOM_BEHIND_PROXY is set.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "img-src": [CSP.SELF, "https:", "data:"],
    "style-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}
if env_flag("NEWSROOM_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Load balancers probe app servers directly over plain http: no redirect there.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
if not DEBUG:
    SECURE_SSL_REDIRECT = env_flag("DJANGO_SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("DJANGO_SECURE_HSTS_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_flag("DJANGO_SECURE_HSTS_PRELOAD", True)

# `make serve` on plain-http loopback: browsers drop Secure cookies there, which
# would lock everyone out of the admin. Accepted only when every allowed host is
# a loopback name, so no deployment reachable by others can switch it on.
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}
NEWSROOM_INSECURE_LOOPBACK = env_flag("NEWSROOM_INSECURE_LOOPBACK", False)
if NEWSROOM_INSECURE_LOOPBACK and not DEBUG:
    if not set(ALLOWED_HOSTS) <= LOOPBACK_HOSTS:
        raise EnvironmentVariableError(
            "NEWSROOM_INSECURE_LOOPBACK is for loopback only: DJANGO_ALLOWED_HOSTS "
            f"may list only {', '.join(sorted(LOOPBACK_HOSTS))}."
        )
    SESSION_COOKIE_SECURE = False
    CSRF_COOKIE_SECURE = False

# Login throttling (django-axes): after AXES_FAILURE_LIMIT wrong passwords for
# one user name from one address, that pair is refused for AXES_COOLOFF_TIME,
# the right password included (429, templates/axes/lockout.html). The pair, not
# the user alone, so nobody elsewhere can lock a colleague out; not the address
# alone, so one newsroom behind a shared address is not locked out together.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "axes/lockout.html"
AXES_CLIENT_IP_CALLABLE = "newsroom.client_address.client_address"
AXES_COOLOFF_MESSAGE = (
    "로그인 실패가 너무 많아 잠시 잠갔습니다. 나중에 다시 시도하세요."
)
AXES_PERMALOCK_MESSAGE = AXES_COOLOFF_MESSAGE
# No start-up banner on every manage.py run (refusals stay one line); failures
# and lockouts are still logged, naming the user name and address.
AXES_VERBOSE = False
# No admin pages for the attempt logs: every admin page needs its row in the
# permission matrix (tests/test_permission_matrix.py), and lockouts are lifted
# with `manage.py axes_reset_username NAME` (or axes_reset_ip ADDRESS).
AXES_ENABLE_ADMIN = False
# The client address behind the proxies: how many proxies in front of gunicorn
# each append the address they saw to X-Forwarded-For (TLS proxy, then Varnish:
# 2). 0 (default): no proxy, REMOTE_ADDR is the client. See newsroom/client_address.py.
NEWSROOM_PROXY_HOPS = env_int("NEWSROOM_PROXY_HOPS", 0)

MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "OPTIONS": {"host": env("DJANGO_EMAIL_HOST", "localhost")},
    }
}
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", "newsroom@localhost")

# One console handler, on the root logger. Django's own default config gives the
# "django" logger a console handler too (in DEBUG), so every django.* line was
# printed twice; here "django" keeps no handler of its own and propagates to root.
# "django.server" (runserver's request lines) keeps Django's handler and does not
# propagate, so it is printed once as well.
NEWSROOM_LOG_LEVEL = env("NEWSROOM_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": NEWSROOM_LOG_LEVEL},
    "loggers": {
        "django": {"handlers": [], "level": NEWSROOM_LOG_LEVEL, "propagate": True}
    },
}

# The publication, as readers, feeds and structured data see it.
NEWSROOM_SITE_NAME = env("NEWSROOM_SITE_NAME", "뉴스룸")
NEWSROOM_SITE_URL = env("NEWSROOM_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
NEWSROOM_PUBLISHER_NAME = env("NEWSROOM_PUBLISHER_NAME", NEWSROOM_SITE_NAME)
NEWSROOM_PUBLISHER_LOGO = env("NEWSROOM_PUBLISHER_LOGO", "img/logo.png")
NEWSROOM_ARTICLES_PER_PAGE = env_int("NEWSROOM_ARTICLES_PER_PAGE", 20, minimum=1)
# PostgreSQL cancels one search after this long; readers are asked for narrower words.
NEWSROOM_SEARCH_TIMEOUT_MS = env_int("NEWSROOM_SEARCH_TIMEOUT_MS", 3000, minimum=1)
# ... and uncached as-you-type suggestions after this long (they offer no titles).
NEWSROOM_SEARCH_SUGGEST_TIMEOUT_MS = env_int(
    "NEWSROOM_SEARCH_SUGGEST_TIMEOUT_MS", 300, minimum=1
)
# PostgreSQL search index: a RUM index where the `rum` extension is installed,
# GIN otherwise; NEWSROOM_SEARCH_FORCE_GIN=1 keeps GIN (read when migrating and
# when rebuild_search_index --recreate-index runs).
NEWSROOM_SEARCH_FORCE_GIN = env_flag("NEWSROOM_SEARCH_FORCE_GIN", False)

# The full-page cache and the headers shared caches (Varnish) obey; see
# articles/pagecache.py and articles/invalidation.py.
NEWSROOM_PAGE_CACHE = env_flag("NEWSROOM_PAGE_CACHE", True)
NEWSROOM_CACHE_HEADERS = env_flag("NEWSROOM_CACHE_HEADERS", True)
NEWSROOM_PAGE_CACHE_SECONDS = env_int("NEWSROOM_PAGE_CACHE_SECONDS", 600)
NEWSROOM_BROWSER_MAX_AGE = env_int("NEWSROOM_BROWSER_MAX_AGE", 0, minimum=0)
# Each worker's copies of the pages it served last, in MB (Redis or file cache):
# 128 MB hold about 8,000 article pages of 16 KB, so a worker answers the hits
# of a day's readers spread over a large archive without fetching pages.
NEWSROOM_PAGE_CACHE_WORKER_MB = env_int("NEWSROOM_PAGE_CACHE_WORKER_MB", 128, minimum=0)
# Varnish servers to purge on every change, comma-separated base URLs
# (http://10.0.0.5:6081/); empty: no purge.
NEWSROOM_VARNISH_PURGE_URLS = env_list("NEWSROOM_VARNISH_PURGE_URLS", "")
NEWSROOM_VARNISH_PURGE_TIMEOUT = float(env("NEWSROOM_VARNISH_PURGE_TIMEOUT", "2"))
