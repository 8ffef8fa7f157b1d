from io import StringIO

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from articles import workflow
from articles.management.commands.setup_local_demo import DEMO_ACCOUNTS
from articles.models import Article

pytestmark = pytest.mark.django_db


def log_in(username, password):
    """authenticate() as the admin login calls it: with the request (django-axes
    refuses a login it cannot count)."""
    request = RequestFactory().post("/admin/login/")
    return authenticate(request, username=username, password=password)


def run(settings, *, debug=True) -> str:
    settings.DEBUG = debug
    out = StringIO()
    call_command("setup_local_demo", stdout=out)
    return out.getvalue()


def test_demo_accounts_are_refused_outside_local_development(settings):
    with pytest.raises(CommandError, match="DJANGO_DEBUG=1"):
        run(settings, debug=False)
    assert not get_user_model().objects.exists()


def test_demo_accounts_log_in_with_the_printed_passwords(settings):
    output = run(settings)
    for username, password, *_ in DEMO_ACCOUNTS:
        assert f"{username}" in output and password in output
        user = log_in(username, password)
        assert user is not None and user.is_staff


def test_demo_accounts_have_their_roles(settings):
    run(settings)
    users = get_user_model().objects
    admin, editor, reporter = (
        users.get(username=n) for n in ("admin", "editor", "reporter")
    )
    assert admin.is_superuser
    assert editor.has_perm(workflow.PUBLISH) and not editor.is_superuser
    assert not reporter.has_perm(workflow.PUBLISH)
    draft = Article.objects.get(owner=reporter)
    assert draft.status == Article.Status.DRAFT
    assert workflow.can_edit(reporter, draft)
    workflow.submit(draft, by=reporter)
    workflow.publish(draft, by=editor)


def test_running_the_demo_setup_twice_changes_nothing(settings):
    run(settings)
    reporter = get_user_model().objects.get(username="reporter")
    reporter.set_password("잊어버린 비밀번호")
    reporter.save()
    run(settings)
    assert get_user_model().objects.count() == 3
    assert Article.objects.count() == 1
    assert log_in("reporter", DEMO_ACCOUNTS[2][1])
