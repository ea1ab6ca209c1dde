"""A tiny read-only JSON API over the accounts models.

The views serialize every concrete field of the models, so they follow the
schema of whichever release is deployed without per-release changes.
"""

from django.db.models import Count
from django.http import JsonResponse
from django.views.decorators.http import require_safe

from .models import Organization


def _fields(obj):
    return {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}


@require_safe
def organization_list(request):
    organizations = Organization.objects.annotate(member_count=Count("members", distinct=True))
    data = []
    for organization in organizations:
        item = _fields(organization)
        item["member_count"] = organization.member_count
        data.append(item)
    return JsonResponse({"count": len(data), "results": data})


@require_safe
def organization_detail(request, slug):
    try:
        organization = Organization.objects.get(slug=slug)
    except Organization.DoesNotExist:
        return JsonResponse({"detail": f"no organization with slug {slug!r}"}, status=404)
    item = _fields(organization)
    item["accreditations"] = [_fields(a) for a in organization.accreditations.all()]
    return JsonResponse(item)
