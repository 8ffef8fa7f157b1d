"""What readers get when the site cannot answer: 503 while the database is down.

Django answers an uncaught exception with its 500 handler. A database that does
not answer is not a bug in a page but an outage that passes, so handler500
answers it with 503 Service Unavailable and Retry-After, which browsers, crawlers
and load balancers read as "come back shortly" (a 500 tells a crawler the page
is broken). Like the 500 page, the 503 page needs no request context and no
database.
"""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token
from django.views.defaults import server_error

RETRY_AFTER_SECONDS = 30


@requires_csrf_token
def handler500(request, template_name="500.html"):
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError | InterfaceError):
        return service_unavailable()
    return server_error(request, template_name)


def service_unavailable() -> HttpResponse:
    response = HttpResponse(loader.get_template("503.html").render(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
