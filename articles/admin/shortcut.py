"""The admin's "view on site" shortcut, answering only for what its user may see.

Django's own `/admin/r/<content type>/<id>/` needs nothing but `is_staff`: it
redirected any staff account to the page of any object, so a Reporter could walk
the ids and read every draft's slug (its headline) and count the articles. This
one finds the object through its ModelAdmin, as the change form does (its
get_queryset and view permission), and answers one identical 404 for "no such
object", "not yours" and "no such content type", so the answer tells nothing.
"""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.shortcuts import redirect

NOT_FOUND = "보여 드릴 페이지가 없습니다."


def _view_on_site(request, content_type_id, object_id):
    model_admin = _model_admin(content_type_id)
    if model_admin is None or not model_admin.has_view_or_change_permission(request):
        raise Http404(NOT_FOUND)
    obj = model_admin.get_object(request, unquote(object_id))
    if obj is None or not model_admin.has_view_or_change_permission(request, obj):
        raise Http404(NOT_FOUND)
    if callable(model_admin.view_on_site):
        url = model_admin.view_on_site(obj)
    elif model_admin.view_on_site and hasattr(obj, "get_absolute_url"):
        url = obj.get_absolute_url()
    else:
        url = None
    if not url:
        raise Http404(NOT_FOUND)
    return redirect(url)


def _model_admin(content_type_id):
    try:
        content_type = ContentType.objects.get_for_id(int(content_type_id))
    except (ValueError, OverflowError, ContentType.DoesNotExist):
        return None
    model = content_type.model_class()
    return admin.site._registry.get(model) if model is not None else None


# Staff only (anyone else goes to the login page) and never cached, as every
# admin page.
view_on_site = admin.site.admin_view(_view_on_site)
