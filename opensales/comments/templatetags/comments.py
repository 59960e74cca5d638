"""{% load comments %}{% record_timeline obj %}: the comment box and the record's timeline.

The surrounding page must have checked that the user may VIEW `obj`. The partial carries its own
script (comments/comments.js, with the page's CSP nonce) for the @mention autocomplete.
"""

from __future__ import annotations

from typing import Any

from django import template

from ..mentions import render_body
from ..ui import timeline_context

register = template.Library()


@register.inclusion_tag("comments/_timeline.html", takes_context=True)
def record_timeline(context: template.Context, obj: Any) -> dict[str, Any]:
    request = context["request"]
    data = timeline_context(request, obj)
    data.update(csrf_token=context.get("csrf_token"), csp_nonce=context.get("csp_nonce"), request=request)
    return data


@register.simple_tag
def comment_html(comment: Any) -> str:
    """The comment's body, escaped, with its mentions highlighted and its line breaks kept."""
    return render_body(comment.body, comment.mentions.all())
