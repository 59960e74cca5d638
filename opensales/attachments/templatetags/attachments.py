"""{% load attachments %}{% record_files obj %}: the record's files, with upload and delete buttons
for those allowed. The surrounding page must have checked that the user may VIEW `obj`."""

from __future__ import annotations

from typing import Any

from django import template

from ..ui import files_context

register = template.Library()


@register.inclusion_tag("attachments/_files.html", takes_context=True)
def record_files(context: template.Context, obj: Any) -> dict[str, Any]:
    request = context["request"]
    data = files_context(request, obj)
    data.update(csrf_token=context.get("csrf_token"), csp_nonce=context.get("csp_nonce"), request=request)
    return data
