import pytest

from articles import limits, rendering, sitecache

from .people import make_staff


@pytest.fixture(autouse=True)
def isolated_media_and_fast_hashing(settings, tmp_path):
    """Uploads go to a temporary folder; passwords hash quickly; tasks run in
    the process that queues them (test_tasks.py runs the real queue and worker)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.NEWSROOM_ORIGINALS_ROOT = tmp_path / "originals"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {
        "default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}
    }
    # Pages render without a collectstatic run; test_settings checks the manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }


@pytest.fixture(autouse=True)
def fresh_site_lists():
    """Each test starts without cached site lists: the database it saw last
    was rolled back, the cache (Redis or memory) was not."""
    sitecache.forget()
    yield
    sitecache.forget()


@pytest.fixture(autouse=True)
def page_cache_off(settings):
    """Views are tested as they render; test_pagecache turns the cache layer on.

    With it on, one test's cached page or schedule would answer the next test's
    request from a database that has since been rolled back.
    """
    settings.NEWSROOM_PAGE_CACHE = False
    settings.NEWSROOM_CACHE_HEADERS = False
    settings.NEWSROOM_VARNISH_PURGE_URLS = []


@pytest.fixture
def reporter(db):
    """A staff user in the Reporter group the data migration creates."""
    return make_staff("Reporter")


@pytest.fixture
def editor(db):
    """A staff user in the Editor group the data migration creates."""
    return make_staff("Editor")


@pytest.fixture
def superuser(db):
    return make_staff(None)


def sources_passed(monkeypatch, module, name: str) -> list:
    """The first arguments `module.name` is called with in this process from
    now on; the real function still runs."""
    calls = []
    real = getattr(module, name)

    def counting(source, *args, **kwargs):
        calls.append(source)
        return real(source, *args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return calls


@pytest.fixture
def renders(monkeypatch):
    """The sources `render_body` was called with in this process."""
    return sources_passed(monkeypatch, rendering, "render_body")


@pytest.fixture
def scans(monkeypatch):
    """The bodies this process scanned against the body limits."""
    return sources_passed(monkeypatch, limits, "body_refusal")
