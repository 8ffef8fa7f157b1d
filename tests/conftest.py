import pytest


@pytest.fixture(autouse=True)
def isolated_media_and_fast_hashing(settings, tmp_path):
    """Uploads go to a temporary folder; passwords hash quickly."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Pages render without a collectstatic run; test_settings checks the manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        },
    }
