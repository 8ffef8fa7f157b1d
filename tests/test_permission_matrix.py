"""Who may reach what: every admin URL and every workflow action, by role.

The tables below are the expectation, written down by hand from the roles'
rules (README, "Logging in to the admin"), never read from the code under test.
`test_every_admin_url_has_a_row` walks the URL conf, so an admin page added
without a row here fails the suite; `test_every_workflow_action_has_a_row`
does the same for the workflow's actions.

Each case builds its own small newsroom: Reporter A owns an article in every
status (a draft with a share link, one in review, a published one, an
unpublished one, a taken-down one), each with two revisions; a category
readers see and one only A's draft carries; A's author (a byline on every one of
A's articles), one only A's draft carries, Reporter B's own author with no
articles yet, and one on no article at all. The roles are:
anonymous, Reporter A (the owner), Reporter B, an Editor, a superuser.

Outcome codes: "200"; "login" (sent to the login page); "home" (sent to the
admin index: Django's "no such object" answer, or the login page sending a
signed-in person home); "moved" (another redirect, nothing changed); "done"
(a redirect after the change was made); "403"; "404"; "405". A case whose
request changed the database without answering "done" gets a "*" after its
code, which no expectation carries: a refused request changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser, Group, User
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.forms import CheckboxInput, MultiWidget, SelectMultiple
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from taggit.models import Tag

from articles import workflow
from articles.models import (
    Article,
    ArticleRevision,
    ArticleTransition,
    Author,
    Byline,
    CategorizedArticle,
    Category,
    Correction,
    ShareLink,
)
from tests.factories import make_article
from tests.people import make_staff

pytestmark = pytest.mark.django_db

Status = Article.Status
ROLES = ("anonymous", "reporter", "other_reporter", "editor", "superuser")
STATES = ("draft", "review", "published", "unpublished", "taken_down")
PASSWORD = "비밀번호-테스트-1234"


# The newsroom each case starts from -------------------------------------------------


class World:
    def __init__(self):
        self.users = {
            "anonymous": AnonymousUser(),
            "reporter": make_staff("Reporter"),
            "other_reporter": make_staff("Reporter"),
            "editor": make_staff("Editor"),
            "superuser": make_staff(None),
        }
        owner = self.users["reporter"]
        self.author = Author.objects.create(name="김기자", user=owner)
        secret_author = Author.objects.create(name="정비밀")
        now = timezone.now()
        fields = {
            "draft": {"status": Status.DRAFT, "publish_at": None},
            "review": {"status": Status.IN_REVIEW, "publish_at": None},
            "published": {"status": Status.PUBLISHED},
            "unpublished": {
                "status": Status.UNPUBLISHED,
                "first_published_at": now - timedelta(days=2),
            },
            "taken_down": {
                "status": Status.TAKEN_DOWN,
                "first_published_at": now - timedelta(days=2),
                "takedown_notice": "법원 결정으로 삭제했습니다.",
            },
        }
        self.articles = {}
        for state, extra in fields.items():
            article = make_article(
                title=f"{state} 상태의 기획 기사",
                owner=owner,
                authors=[self.author, secret_author]
                if state == "draft"
                else [self.author],
                categories=["비밀 기획"] if state == "draft" else ["정치"],
                **extra,
            )
            for n in (1, 2):
                article.body = f"<p>{n}번째 판의 본문</p>"
                workflow.save_article(article, by=workflow.SYSTEM)
            self.articles[state] = article
            ShareLink.objects.create(
                article=article, expires_at=now + timedelta(days=1)
            )
        self.objects = {
            **self.articles,
            "category": Category.objects.get(name="정치"),
            "secret_category": Category.objects.get(name="비밀 기획"),
            "author": self.author,
            "secret_author": secret_author,
            "other_author": Author.objects.create(
                name="최기자", user=self.users["other_reporter"]
            ),
            "lone_author": Author.objects.create(name="이수습"),
            "user": owner,
            "group": Group.objects.get(name="Reporter"),
        }

    def client(self, role) -> Client:
        client = Client()
        if role != "anonymous":
            client.force_login(self.users[role])
        return client


def snapshot():
    """Everything a request might change, sessions and Django's LogEntry aside."""
    return (
        list(
            Article.objects.order_by("pk").values_list(
                "pk", "status", "version", "title", "slug", "is_pinned", "owner_id"
            )
        ),
        ArticleRevision.objects.count(),
        ArticleTransition.objects.count(),
        Correction.objects.count(),
        list(ShareLink.objects.order_by("pk").values_list("pk", "revoked_at")),
        list(Category.objects.order_by("pk").values_list("name", "description")),
        list(Author.objects.order_by("pk").values_list("name", "slug")),
        Byline.objects.count(),
        CategorizedArticle.objects.count(),
        list(User.objects.order_by("pk").values_list("username", "password", "email")),
        list(Group.objects.order_by("pk").values_list("name", flat=True)),
        Tag.objects.count(),
    )


def outcome(response, changed: bool) -> str:
    code = str(response.status_code)
    if response.status_code == 302:
        location = response["Location"]
        if location.startswith("/admin/login/"):
            code = "login"
        elif location == "/admin/":
            code = "home"
        else:
            code = "done" if changed else "moved"
    return code + ("*" if changed and code != "done" else "")


# Admin URLs ---------------------------------------------------------------------


@dataclass
class Row:
    route: str  # the URL pattern, as the URL conf spells it
    method: str
    expect: tuple[str, str, str, str, str]  # in the order of ROLES
    target: str | None = None  # which object fills <object_id> and the like
    url: str = ""  # the address, for patterns that are regular expressions
    query: Callable | None = None  # world -> GET parameters
    data: Callable | None = None  # (world, superuser client) -> POST data
    extra: dict = field(default_factory=dict)  # other path parameters

    @property
    def id(self):
        parts = [self.method, self.route.removeprefix("admin/") or "index"]
        parts += [self.target or "", self.url, *map(str, self.extra.values())]
        return " ".join(p for p in parts if p)


def rows(route, method, expect: str, targets=(None,), **kwargs) -> list[Row]:
    return [
        Row(route, method, tuple(expect.split()), target=t, **kwargs) for t in targets
    ]


def _collect(data: dict, form) -> None:
    """A bound form's values as a browser would post them."""
    for bound in form:
        widget = bound.field.widget
        widget = getattr(widget, "widget", widget)  # the admin's related wrapper
        if getattr(widget, "input_type", None) == "file":
            continue
        value = bound.value()
        if isinstance(widget, CheckboxInput):
            if widget.check_test(value):
                data[bound.html_name] = "on"
        elif isinstance(widget, SelectMultiple):
            data[bound.html_name] = [str(v) for v in value or []]
        elif isinstance(widget, MultiWidget):
            parts = widget.decompress(value)
            for i, (sub, part) in enumerate(zip(widget.widgets, parts, strict=True)):
                data[f"{bound.html_name}_{i}"] = sub.format_value(part) or ""
        else:
            formatted = widget.format_value(value)
            data[bound.html_name] = "" if formatted is None else formatted


def form_post(world, client, url, **changes) -> dict:
    """What the admin form at `url` posts back (as the superuser sees it), with
    `changes` on top: a valid, complete change."""
    response = client.get(url)
    assert response.status_code == 200, url
    data = {}
    _collect(data, response.context["adminform"].form)
    for inline in response.context.get("inline_admin_formsets", []):
        _collect(data, inline.formset.management_form)
        for form in inline.formset.forms:
            _collect(data, form)
    data.update(changes)
    return data


def change_form(**changes):
    def build(world, client, url):
        return form_post(world, client, url, **changes)

    return build


def constant(data):
    return lambda world, client, url: data


def article_add(world, client, url):
    return {
        "title": "새로 쓰는 기사",
        "body_format": "html",
        "body": "<p>본문</p>",
        "categories": "사회",
        "bylines-TOTAL_FORMS": "0",
        "bylines-INITIAL_FORMS": "0",
    }


def bulk(action, state):
    def build(world, client, url):
        return {"action": action, "_selected_action": [world.articles[state].pk]}

    return build


def compare_query(world, target):
    a, b = world.articles[target].revisions.order_by("pk")[:2]
    return {"a": a.pk, "b": b.pk}


def autocomplete_query(world, target):
    return {
        "app_label": "articles",
        "model_name": "byline",
        "field_name": "author",
        "term": "김",
    }


A = "admin/articles/article/"
OBJ = "<path:object_id>/"
AUTH = "admin/auth/"
# Roles:           anon   A(owner) B(other) editor superuser
STAFF_ONLY = "login 200 200 200 200"
SUPERUSER_ONLY = "login 403 403 403 200"
ANY_ARTICLE = {"targets": STATES}

SUPERUSER_DOES = "login 403 403 403 done"
NEW_PASSWORD = "새-비밀번호-9876-바꿈"
# The pages of the group and user admins: (page, method, expectation by role).
GROUP_PAGES = [
    ("", "GET", SUPERUSER_ONLY),
    ("add/", "GET", SUPERUSER_ONLY),
    ("add/", "POST", SUPERUSER_DOES),
    (OBJ + "change/", "GET", SUPERUSER_ONLY),
    (OBJ + "change/", "POST", SUPERUSER_DOES),
    (OBJ + "history/", "GET", SUPERUSER_ONLY),
    (OBJ + "delete/", "GET", SUPERUSER_ONLY),
    (OBJ + "delete/", "POST", SUPERUSER_DOES),
    (OBJ, "GET", "login moved moved moved moved"),
]
AUTH_PAGES = {
    "group": GROUP_PAGES,
    "user": [
        *GROUP_PAGES,
        ("<id>/password/", "GET", SUPERUSER_ONLY),
        ("<id>/password/", "POST", SUPERUSER_DOES),
    ],
}
# What each POST row of those pages sends: a valid, complete change.
AUTH_POSTS = {
    "group": {
        "add/": constant({"name": "외부 필진"}),
        OBJ + "change/": change_form(name="기자들"),
        OBJ + "delete/": constant({"post": "yes"}),
    },
    "user": {
        "add/": constant(
            {
                "username": "새기자",
                "password1": NEW_PASSWORD,
                "password2": NEW_PASSWORD,
                "usable_password": "true",
            }
        ),
        OBJ + "change/": change_form(email="reporter@example.kr"),
        OBJ + "delete/": constant({"post": "yes"}),
        "<id>/password/": constant(
            {
                "password1": NEW_PASSWORD,
                "password2": NEW_PASSWORD,
                "set_usable_password": "true",
            }
        ),
    },
}

ROWS: list[Row] = [
    # The site's own pages.
    *rows("admin/", "GET", STAFF_ONLY),
    *rows("admin/login/", "GET", "200 home home home home"),
    # Signed out already: the admin sends anonymous visitors home (then to login).
    *rows("admin/logout/", "GET", "home 405 405 405 405"),
    *rows("admin/logout/", "POST", "home 200 200 200 200", data=constant({})),
    *rows("admin/password_change/", "GET", STAFF_ONLY),
    *rows(
        "admin/password_change/",
        "POST",
        "login done done done done",
        data=constant(
            {
                "old_password": PASSWORD,
                "new_password1": "새-비밀번호-9876-바꿈",
                "new_password2": "새-비밀번호-9876-바꿈",
            }
        ),
    ),
    *rows("admin/password_change/done/", "GET", STAFF_ONLY),
    *rows("admin/autocomplete/", "GET", STAFF_ONLY, query=autocomplete_query),
    *rows("admin/jsi18n/", "GET", STAFF_ONLY),
    *rows(
        "^(?P<app_label>auth|articles)/$",
        "GET",
        STAFF_ONLY,
        url="/admin/articles/",
    ),
    *rows(
        "^(?P<app_label>auth|articles)/$",
        "GET",
        "login 404 404 404 200",
        url="/admin/auth/",
    ),
    *rows("(?P<url>.*)$", "GET", "login 404 404 404 404", url="/admin/없는-페이지/"),
    # The "view on site" shortcut: only what the change form would show.
    *rows(
        "admin/r/<path:content_type_id>/<path:object_id>/",
        "GET",
        "login moved 404 moved moved",
        targets=[*STATES, "secret_category", "secret_author"],
    ),
    *rows(
        "admin/r/<path:content_type_id>/<path:object_id>/",
        "GET",
        "login moved moved moved moved",
        targets=["category"],
    ),
    *rows(
        "admin/r/<path:content_type_id>/<path:object_id>/",
        "GET",
        "login 404 404 404 404",  # users have no public page
        targets=["user"],
    ),
    # Users and groups: superusers only, on every page (AUTH_PAGES below).
    *[
        row
        for model, posts in AUTH_POSTS.items()
        for page, method, expect in AUTH_PAGES[model]
        for row in rows(
            AUTH + model + "/" + page,
            method,
            expect,
            [model] if page.startswith(("<", OBJ)) else (None,),
            data=posts[page] if method == "POST" else None,
        )
    ],
    # Articles: the list, bulk steps, writing.
    *rows(A, "GET", STAFF_ONLY),
    *rows(A + "schedule/", "GET", STAFF_ONLY),
    *rows(
        A, "POST", "login done moved done done", data=bulk("submit_selected", "draft")
    ),
    *rows(
        A, "POST", "login moved moved done done", data=bulk("publish_selected", "draft")
    ),
    *rows(
        A,
        "POST",
        "login moved moved done done",
        data=bulk("unpublish_selected", "published"),
    ),
    *rows(
        A,
        "POST",
        "login moved moved done done",
        data=bulk("reopen_selected", "unpublished"),
    ),
    *rows(A + "add/", "GET", STAFF_ONLY),
    *rows(A + "add/", "POST", "login done done done done", data=article_add),
    # One article: its own pages. Reporter B never learns it exists.
    *rows(A + OBJ, "GET", "login moved moved moved moved", ["draft"]),
    *rows(A + OBJ + "change/", "GET", "login 200 home 200 200", **ANY_ARTICLE),
    *rows(
        A + OBJ + "change/",
        "POST",
        "login done home done done",
        ["draft"],
        data=change_form(title="고친 제목"),
    ),
    *rows(
        A + OBJ + "change/",
        "POST",
        "login 403 home done done",
        ["review", "published", "unpublished"],
        data=change_form(title="고친 제목"),
    ),
    *rows(
        A + OBJ + "change/",
        "POST",
        "login 403 home 403 done",
        ["taken_down"],
        data=change_form(title="고친 제목"),
    ),
    *rows(A + OBJ + "history/", "GET", "login 200 404 200 200", **ANY_ARTICLE),
    *rows(A + OBJ + "preview/", "GET", "login 200 404 200 200", **ANY_ARTICLE),
    *rows(A + OBJ + "revisions/", "GET", "login 200 404 200 200", **ANY_ARTICLE),
    *rows(
        A + OBJ + "revisions/compare/",
        "GET",
        "login 200 404 200 200",
        query=compare_query,
        **ANY_ARTICLE,
    ),
    *rows(
        A + OBJ + "revisions/<int:revision_id>/restore/",
        "GET",
        "login 200 404 200 200",
        ["draft"],
    ),
    *rows(
        A + OBJ + "revisions/<int:revision_id>/restore/",
        "GET",
        "login 403 404 200 200",
        ["review", "published", "unpublished"],
    ),
    *rows(
        A + OBJ + "revisions/<int:revision_id>/restore/",
        "GET",
        "login 403 404 403 200",
        ["taken_down"],
    ),
    *rows(
        A + OBJ + "revisions/<int:revision_id>/restore/",
        "POST",
        "login done 404 done done",
        ["draft"],
        data=constant({}),
    ),
    *rows(
        A + OBJ + "revisions/<int:revision_id>/restore/",
        "POST",
        "login 403 404 done done",
        ["published"],
        data=constant({}),
    ),
    *rows(
        A + OBJ + "revisions/<int:revision_id>/restore/",
        "POST",
        "login 403 404 403 done",
        ["taken_down"],
        data=constant({}),
    ),
    *rows(A + OBJ + "corrections/add/", "GET", "login 403 404 200 200", ["published"]),
    *rows(
        A + OBJ + "corrections/add/",
        "GET",
        "login 403 404 moved moved",
        ["draft", "review", "unpublished", "taken_down"],
    ),
    *rows(
        A + OBJ + "corrections/add/",
        "POST",
        "login 403 404 done done",
        ["published"],
        data=constant(
            {"kind": "correction", "text": "둘째 문단의 날짜를 바로잡습니다."}
        ),
    ),
    *rows(A + OBJ + "share/", "GET", "login 403 404 200 200", **ANY_ARTICLE),
    *rows(
        A + OBJ + "share/",
        "POST",
        "login 403 404 done done",
        ["draft", "review", "published", "unpublished"],
        data=constant({"hours": "48", "note": "법률 검토용"}),
    ),
    *rows(
        A + OBJ + "share/",
        "POST",
        "login 403 404 200 200",  # the page says why: taken down
        ["taken_down"],
        data=constant({"hours": "48", "note": "법률 검토용"}),
    ),
    *rows(
        A + OBJ + "share/<int:link_id>/revoke/",
        "GET",
        "login 405 404 405 405",
        ["draft"],
    ),
    *rows(
        A + OBJ + "share/<int:link_id>/revoke/",
        "POST",
        "login 403 404 done done",
        ["draft", "taken_down"],
        data=constant({}),
    ),
    # Django asks for the delete permission before it looks the article up, so
    # Reporter B gets the 403 an id that does not exist gets: nothing learnt.
    *rows(A + OBJ + "delete/", "GET", "login 403 403 403 200", ["draft", "review"]),
    *rows(
        A + OBJ + "delete/",
        "GET",
        "login 403 403 403 403",
        ["published", "unpublished", "taken_down"],
    ),
    *rows(
        A + OBJ + "delete/",
        "POST",
        "login 403 403 403 done",
        ["draft"],
        data=constant({"post": "yes"}),
    ),
    *rows(
        A + OBJ + "delete/",
        "POST",
        "login 403 403 403 403",
        ["published", "taken_down"],
        data=constant({"post": "yes"}),
    ),
    # The six steps, from the state each starts from, and once from a wrong one.
    *rows(
        A + OBJ + "step/<str:step>/",
        "GET",
        "login 200 404 200 200",
        ["draft"],
        extra={"step": "submit"},
    ),
    *rows(
        A + OBJ + "step/<str:step>/",
        "POST",
        "login done 404 done done",
        ["draft"],
        extra={"step": "submit"},
        data=constant({"comment": "검토 부탁드립니다."}),
    ),
    *rows(
        A + OBJ + "step/<str:step>/",
        "POST",
        "login 403 404 moved moved",
        ["published"],
        extra={"step": "submit"},
        data=constant({"comment": ""}),
    ),
    *[
        row
        for step, state, data in [
            ("send_back", "review", {"comment": "출처를 보강하세요."}),
            ("publish", "draft", {}),
            ("publish", "review", {}),
            ("publish", "unpublished", {}),
            ("unpublish", "published", {}),
            ("reopen", "unpublished", {}),
            ("take_down", "published", {"notice": "법원 결정으로 삭제했습니다."}),
        ]
        for row in [
            *rows(
                A + OBJ + "step/<str:step>/",
                "GET",
                "login 403 404 200 200",
                [state],
                extra={"step": step},
            ),
            *rows(
                A + OBJ + "step/<str:step>/",
                "POST",
                "login 403 404 done done",
                [state],
                extra={"step": step},
                data=constant(data),
            ),
        ]
    ],
    *rows(
        A + OBJ + "step/<str:step>/",
        "POST",
        "login 403 404 moved moved",
        ["taken_down"],
        extra={"step": "publish"},
        data=constant({}),
    ),
    *rows(
        A + OBJ + "step/<str:step>/",
        "GET",
        "login 404 404 404 404",
        ["draft"],
        extra={"step": "없는-단계"},
    ),
    # Authors: Reporters look, Editors also add and change, superusers delete.
    # A Reporter sees the bylines readers see, those of their own articles and
    # their own: never one only someone else's unpublished story carries.
    *rows("admin/articles/author/", "GET", STAFF_ONLY),
    *rows("admin/articles/author/add/", "GET", "login 403 403 200 200"),
    *rows(
        "admin/articles/author/add/",
        "POST",
        "login 403 403 done done",
        data=constant({"name": "박기자", "slug": "박기자"}),
    ),
    *rows("admin/articles/author/" + OBJ + "change/", "GET", STAFF_ONLY, ["author"]),
    *rows(
        "admin/articles/author/" + OBJ + "change/",
        "GET",
        "login 200 home 200 200",
        ["secret_author"],
    ),
    *rows(
        "admin/articles/author/" + OBJ + "change/",
        "GET",
        "login home 200 200 200",
        ["other_author"],
    ),
    *rows(
        "admin/articles/author/" + OBJ + "change/",
        "GET",
        "login home home 200 200",
        ["lone_author"],
    ),
    *rows(
        "admin/articles/author/" + OBJ + "change/",
        "POST",
        "login 403 403 done done",
        ["author"],
        data=change_form(name="김선임기자"),
    ),
    *rows("admin/articles/author/" + OBJ + "history/", "GET", STAFF_ONLY, ["author"]),
    *rows(
        "admin/articles/author/" + OBJ + "history/",
        "GET",
        "login 200 home 200 200",
        ["secret_author"],
    ),
    *rows(
        "admin/articles/author/" + OBJ + "delete/", "GET", SUPERUSER_ONLY, ["author"]
    ),
    *rows(
        "admin/articles/author/" + OBJ + "delete/",
        "POST",
        "login 403 403 403 done",
        ["lone_author"],
        data=constant({"post": "yes"}),
    ),
    *rows(
        "admin/articles/author/" + OBJ + "delete/",
        "POST",
        "login 403 403 403 200",  # "cannot delete": bylines protect the author
        ["author"],
        data=constant({"post": "yes"}),
    ),
    *rows(
        "admin/articles/author/" + OBJ,
        "GET",
        "login moved moved moved moved",
        ["author"],
    ),
    # Categories: as authors, and one only A's draft carries is A's and editors'.
    *rows("admin/articles/category/", "GET", STAFF_ONLY),
    *rows("admin/articles/category/add/", "GET", "login 403 403 200 200"),
    *rows(
        "admin/articles/category/add/",
        "POST",
        "login 403 403 done done",
        data=constant({"name": "국제", "slug": "국제", "section_order": "0"}),
    ),
    *rows(
        "admin/articles/category/" + OBJ + "change/", "GET", STAFF_ONLY, ["category"]
    ),
    *rows(
        "admin/articles/category/" + OBJ + "change/",
        "GET",
        "login 200 home 200 200",
        ["secret_category"],
    ),
    *rows(
        "admin/articles/category/" + OBJ + "change/",
        "POST",
        "login 403 403 done done",
        ["category"],
        data=change_form(description="정치 기사 모음"),
    ),
    *rows(
        "admin/articles/category/" + OBJ + "history/",
        "GET",
        STAFF_ONLY,
        ["category"],
    ),
    *rows(
        "admin/articles/category/" + OBJ + "history/",
        "GET",
        "login 200 home 200 200",
        ["secret_category"],
    ),
    *rows(
        "admin/articles/category/" + OBJ + "delete/",
        "GET",
        SUPERUSER_ONLY,
        ["category"],
    ),
    *rows(
        "admin/articles/category/" + OBJ + "delete/",
        "POST",
        "login 403 403 403 done",
        ["category"],
        data=constant({"post": "yes"}),
    ),
    *rows(
        "admin/articles/category/" + OBJ,
        "GET",
        "login moved moved moved moved",
        ["category"],
    ),
]


def admin_routes() -> set[str]:
    """Every URL pattern under /admin/, as the URL conf spells it."""

    def walk(patterns, prefix):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, route)
            elif isinstance(pattern, URLPattern):
                yield route

    found = set()
    for route in walk(get_resolver().url_patterns, ""):
        if route.startswith("admin/"):
            found.add(route)
    # The app index and the catch-all are regular expressions: keyed without the
    # "admin/" prefix the walk puts before them.
    return {
        route.removeprefix("admin/") if "(?P<" in route else route for route in found
    }


def test_every_admin_url_has_a_row():
    routes = admin_routes()
    covered = {row.route for row in ROWS}
    assert routes - covered == set(), "admin URLs with no row in ROWS"
    assert covered - routes == set(), "rows for URLs that no longer exist"


def test_the_matrix_posts_wherever_a_post_changes_things():
    """Every admin page that takes a POST which changes data has a POST row."""
    posted = {row.route for row in ROWS if row.method == "POST"}
    for suffix in ["add/", "change/", "delete/", "restore/", "revoke/", "step/"]:
        for route in admin_routes():
            if route.rstrip("/").endswith(suffix.rstrip("/")) or (
                suffix == "step/" and "/step/" in route
            ):
                assert route in posted, route


def url_for(row: Row, world: World) -> str:
    if row.url:
        return row.url
    obj = world.objects.get(row.target) if row.target else None
    path = "/" + row.route
    replacements = dict(row.extra)
    if obj is not None:
        replacements.setdefault("object_id", obj.pk)
        replacements["id"] = obj.pk
        replacements["content_type_id"] = ContentType.objects.get_for_model(obj).pk
        if isinstance(obj, Article):
            replacements["revision_id"] = obj.revisions.order_by("pk").first().pk
            replacements["link_id"] = obj.share_links.get().pk
    for name, value in replacements.items():
        for converter in ("path:", "str:", "int:", ""):
            path = path.replace(f"<{converter}{name}>", str(value))
    assert "<" not in path, f"fill in {path}"
    return path


def rolled_back(function):
    """Run `function` in a savepoint that is then undone, so every role meets
    the same newsroom."""
    with transaction.atomic():
        result = function()
        transaction.set_rollback(True)
    return result


def run_case(row: Row, world: World, role: str) -> str:
    url = url_for(row, world)
    query = row.query(world, row.target) if row.query else None
    data = None
    if row.method == "POST":
        data = row.data(world, world.client("superuser"), url)
    client = world.client(role)
    before = snapshot()
    if row.method == "GET":
        response = client.get(url, query)
    else:
        response = client.post(url, data)
    return outcome(response, snapshot() != before)


@pytest.mark.parametrize("row", ROWS, ids=lambda row: row.id)
def test_admin_url_answers_each_role_as_expected(row):
    world = World()
    got = tuple(
        rolled_back(lambda role=role: run_case(row, world, role)) for role in ROLES
    )
    assert dict(zip(ROLES, got, strict=True)) == dict(
        zip(ROLES, row.expect, strict=True)
    )


# Who is listed: the author list and the bylines' autocomplete ---------------------

# Which authors each role finds, in the order of ROLES ("-": sent to log in).
AUTHORS_LISTED = {
    "author": "- yes yes yes yes",  # on A's live article: readers see it too
    "secret_author": "- yes no yes yes",  # only on A's draft
    "other_author": "- no yes yes yes",  # B's own, on no article yet
    "lone_author": "- no no yes yes",  # on no article
}


def authors_found(world, role) -> dict[str, str]:
    """For each author of AUTHORS_LISTED: listed or not, in the list and the
    bylines' autocomplete alike."""
    client = world.client(role)
    response = client.get("/admin/articles/author/")
    if response.status_code == 302:
        return dict.fromkeys(AUTHORS_LISTED, "-")
    listed = {author.pk for author in response.context["cl"].result_list}
    query = {**autocomplete_query(world, None), "term": ""}
    found = client.get("/admin/autocomplete/", query).json()
    assert not found["pagination"]["more"]
    offered = {int(result["id"]) for result in found["results"]}
    assert offered == listed, role
    return {
        key: "yes" if world.objects[key].pk in listed else "no"
        for key in AUTHORS_LISTED
    }


def test_author_list_and_autocomplete_show_each_role_what_it_may_know():
    world = World()
    for n, role in enumerate(ROLES):
        expect = {key: row.split()[n] for key, row in AUTHORS_LISTED.items()}
        assert authors_found(world, role) == expect, role


# Workflow actions, called directly ------------------------------------------------


def every_action_class():
    found, todo = set(), [workflow.Action]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if "name" in vars(sub):
                found.add(sub.__name__)
    return found


def save(world, user, article):
    article.title = "직접 고친 제목"
    return workflow.SaveArticle(user).run(article, expected_version=article.version)


CALLS = {
    "Submit": lambda w, u, a: workflow.Submit(u).run(a),
    "SendBack": lambda w, u, a: workflow.SendBack(u).run(a, comment="보강하세요."),
    "Publish": lambda w, u, a: workflow.Publish(u).run(a),
    "Unpublish": lambda w, u, a: workflow.Unpublish(u).run(a),
    "Reopen": lambda w, u, a: workflow.Reopen(u).run(a),
    "TakeDown": lambda w, u, a: workflow.TakeDown(u).run(a, notice="삭제 안내"),
    "SaveArticle": save,
    "RestoreRevision": lambda w, u, a: workflow.RestoreRevision(u).run(
        a, revision=a.revisions.order_by("pk").first()
    ),
    "AddCorrection": lambda w, u, a: workflow.AddCorrection(u).run(
        a, kind="correction", text="날짜를 바로잡습니다."
    ),
    "Pin": lambda w, u, a: workflow.Pin(u).run(a, pinned=True),
    "CreateShareLink": lambda w, u, a: workflow.CreateShareLink(u).run(
        a, hours=48, note="법률 검토"
    ),
    "RevokeShareLink": lambda w, u, a: workflow.RevokeShareLink(u).run(
        a, link=a.share_links.get()
    ),
    # Not an action class (nothing is left to audit), but a change all the same.
    "delete_article": lambda w, u, a: workflow.delete_article(a, by=u),
}

# "ok" done; "no" PermissionDenied (who asks); "bad" ActionRefused (state or input).
# Per action, per status of Reporter A's article, in the order of ROLES.
NOBODY = "no no no no no"
EDITORS = "no no no ok ok"
EDITORS_REFUSED = "no no no bad bad"
ACTIONS = {
    "Submit": {
        "draft": "no ok no ok ok",
        "review": "no no no bad bad",
        "published": "no no no bad bad",
        "unpublished": "no no no bad bad",
        "taken_down": "no no no no bad",
    },
    "SendBack": {
        "draft": EDITORS_REFUSED,
        "review": EDITORS,
        "published": EDITORS_REFUSED,
        "unpublished": EDITORS_REFUSED,
        "taken_down": EDITORS_REFUSED,
    },
    "Publish": {
        "draft": EDITORS,
        "review": EDITORS,
        "published": EDITORS_REFUSED,
        "unpublished": EDITORS,
        "taken_down": EDITORS_REFUSED,
    },
    "Unpublish": {
        "draft": EDITORS_REFUSED,
        "review": EDITORS_REFUSED,
        "published": EDITORS,
        "unpublished": EDITORS_REFUSED,
        "taken_down": EDITORS_REFUSED,
    },
    "Reopen": {
        "draft": EDITORS_REFUSED,
        "review": EDITORS_REFUSED,
        "published": EDITORS_REFUSED,
        "unpublished": EDITORS,
        "taken_down": EDITORS_REFUSED,
    },
    "TakeDown": {
        "draft": EDITORS_REFUSED,
        "review": EDITORS_REFUSED,
        "published": EDITORS,
        "unpublished": EDITORS_REFUSED,
        "taken_down": EDITORS_REFUSED,
    },
    "SaveArticle": {
        "draft": "no ok no ok ok",
        "review": EDITORS,
        "published": EDITORS,
        "unpublished": EDITORS,
        "taken_down": "no no no no ok",
    },
    "RestoreRevision": {
        "draft": "no ok no ok ok",
        "review": EDITORS,
        "published": EDITORS,
        "unpublished": EDITORS,
        "taken_down": "no no no no ok",
    },
    "AddCorrection": {
        "draft": EDITORS_REFUSED,
        "review": EDITORS_REFUSED,
        "published": EDITORS,
        "unpublished": EDITORS_REFUSED,
        "taken_down": EDITORS_REFUSED,
    },
    "Pin": {
        "draft": EDITORS,
        "review": EDITORS,
        "published": EDITORS,
        "unpublished": EDITORS,
        "taken_down": EDITORS_REFUSED,
    },
    "CreateShareLink": {
        "draft": EDITORS,
        "review": EDITORS,
        "published": EDITORS,
        "unpublished": EDITORS,
        "taken_down": EDITORS_REFUSED,
    },
    "RevokeShareLink": dict.fromkeys(STATES, EDITORS),
    "delete_article": {
        "draft": "no no no no ok",
        "review": "no no no no ok",
        "published": NOBODY,
        "unpublished": NOBODY,
        "taken_down": NOBODY,
    },
}


def test_every_workflow_action_has_a_row():
    assert every_action_class() - set(ACTIONS) == set()
    assert set(ACTIONS) == set(CALLS)
    assert all(set(states) == set(STATES) for states in ACTIONS.values())


def attempt(world, name, state, role) -> str:
    article = Article.objects.get(pk=world.articles[state].pk)
    before = snapshot()
    try:
        CALLS[name](world, world.users[role], article)
    except PermissionDenied:
        result = "no"
    except workflow.ActionRefused:
        result = "bad"
    else:
        result = "ok"
    changed = snapshot() != before
    # A refusal changes nothing; a success changes something.
    return result + ("" if changed == (result == "ok") else "*")


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_workflow_action_answers_each_role_as_expected(name, state):
    expect = ACTIONS[name][state].split()
    world = World()
    got = [
        rolled_back(lambda role=role: attempt(world, name, state, role))
        for role in ROLES
    ]
    assert dict(zip(ROLES, got, strict=True)) == dict(zip(ROLES, expect, strict=True))
