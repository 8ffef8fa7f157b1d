"""reverse() remembered per address: a list page links a dozen categories,
authors and archive periods, and reversing each took longer than its card.

An address depends only on the view, its arguments, the URLconf and the script
prefix (a site mounted below /), which are all in the key; a settings change
(tests overriding ROOT_URLCONF) forgets everything.
"""

from functools import lru_cache

from django.core.signals import setting_changed
from django.urls import get_script_prefix, get_urlconf
from django.urls import reverse as django_reverse


@lru_cache(maxsize=8192)
def _reverse(viewname: str, prefix: str, urlconf, kwargs: tuple) -> str:
    return django_reverse(viewname, urlconf=urlconf, kwargs=dict(kwargs))


def reverse(viewname: str, **kwargs) -> str:
    return _reverse(
        viewname, get_script_prefix(), get_urlconf(), tuple(sorted(kwargs.items()))
    )


def _forget(**kwargs) -> None:
    _reverse.cache_clear()


setting_changed.connect(_forget, dispatch_uid="links")
