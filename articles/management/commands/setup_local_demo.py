"""Create the demo accounts for a local `make run`, and say how to log in.

Only for a laptop: it refuses to run unless DEBUG is on, because the passwords it
sets are printed here and written in the README.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from articles import workflow
from articles.models import Article, Author

# username, password, group (None: superuser), byline name, byline slug
DEMO_ACCOUNTS = [
    ("admin", "newsroom-admin-demo", None, None, None),
    ("editor", "newsroom-editor-demo", "Editor", "김편집", "kim-editor"),
    ("reporter", "newsroom-reporter-demo", "Reporter", "이기자", "lee-reporter"),
]
DEMO_DRAFT_KEY = "local-demo-draft"


class Command(BaseCommand):
    help = (
        "Create demo accounts (admin, editor, reporter) for local development. "
        "Refuses to run unless DEBUG is on."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "setup_local_demo는 로컬 개발(DJANGO_DEBUG=1)에서만 실행됩니다: "
                "데모 계정의 비밀번호는 공개되어 있습니다."
            )
        with transaction.atomic():
            users = {
                username: self._account(username, password, group, name, slug)
                for username, password, group, name, slug in DEMO_ACCOUNTS
            }
            self._demo_draft(users["reporter"])
        self._print_instructions()

    def _account(self, username, password, group_name, byline, byline_slug):
        user, created = get_user_model().objects.get_or_create(username=username)
        user.is_staff = True
        user.is_superuser = group_name is None
        user.is_active = True
        # Reset each run, so the password printed below is always the right one.
        user.set_password(password)
        user.save()
        if group_name:
            user.groups.set([Group.objects.get(name=group_name)])
        if byline:
            Author.objects.update_or_create(
                slug=byline_slug, defaults={"name": byline, "user": user}
            )
        action = "만들었습니다" if created else "확인했습니다"
        self.stdout.write(f"데모 계정 {username}을(를) {action}.")
        return user

    def _demo_draft(self, reporter):
        """A draft the reporter can submit, so the workflow has something to move."""
        if Article.objects.filter(document_key=DEMO_DRAFT_KEY).exists():
            return
        article = Article(
            document_key=DEMO_DRAFT_KEY,
            title="[데모] 시청 앞 광장 새 단장, 다음 달 시민에게 개방",
            excerpt="서울시청 앞 광장이 석 달 공사를 마치고 다음 달 시민에게 "
            "다시 열린다.",
            body="서울시청 앞 광장이 석 달 동안의 공사를 마치고 다음 달 1일 "
            "시민에게 다시 열린다.\n\n새 광장에는 그늘막과 쉼터가 늘었다.",
            body_format="markdown",
            owner=reporter,
        )
        workflow.SaveArticle(reporter).run(
            article, expected_version=None, categories=["News"]
        )
        self.stdout.write("기자 계정의 데모 초안을 만들었습니다.")

    def _print_instructions(self):
        self.stdout.write("")
        self.stdout.write("로컬 데모 계정 (make run 전용, 운영 서버에는 없습니다):")
        for username, password, group, _, _ in DEMO_ACCOUNTS:
            role = {"Editor": "편집자", "Reporter": "기자"}.get(group, "최고 관리자")
            self.stdout.write(f"  {role:<6} 아이디 {username:<9} 비밀번호 {password}")
        self.stdout.write(
            "관리 화면 /admin/ 에서 reporter로 초안을 검토 요청하고, editor로 "
            "게재하거나 반려해 보세요."
        )
