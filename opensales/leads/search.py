"""Leads in the global search: by company, contact name (with pinyin) and phone digits."""

from __future__ import annotations

from opensales.search.registry import register_search

from .models import Lead
from .scope import register

register()  # the search app's ready() runs before ours
register_search(
    Lead,
    key="leads",
    title=lambda lead: lead.company or lead.contact_name,
    subtitle=lambda lead: " · ".join(
        p for p in [lead.contact_name if lead.company else "", lead.get_status_display()] if p
    ),
    person_name_fields=["contact_name"],
    fields=["company"],
    phone_fields=["phone"],
    url="leads:lead_detail",
    icon="ti-target",
    order=150,
)
