"""One constant 20 KB page: the cheapest response Django can give."""

from django.http import HttpResponse

PARAGRAPH = (
    "<p>서울시는 내년도 예산안을 발표했다. 시민들은 대체로 환영한다는 반응을 "
    "보였다. 전문가들은 실효성을 두고 엇갈린 평가를 내놓았다.</p>\n"
)
HEAD = '<!doctype html>\n<html lang="ko"><head><meta charset="utf-8">'
HEAD += "<title>floor</title></head><body>\n"
TAIL = "</body></html>\n"
SIZE = 20 * 1024


def _page() -> bytes:
    body = HEAD.encode()
    while len(body) + len(PARAGRAPH.encode()) + len(TAIL) < SIZE:
        body += PARAGRAPH.encode()
    body += b" " * (SIZE - len(body) - len(TAIL)) + TAIL.encode()
    return body


PAGE = _page()


def page(request):
    return HttpResponse(PAGE, content_type="text/html; charset=utf-8")


def static_file(request):
    response = HttpResponse(PAGE, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
