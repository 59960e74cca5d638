"""Who may do what beyond the model grants."""

from __future__ import annotations

from typing import Any

from opensales.core.actions import Action
from opensales.core.scope import has_action


def may_manage_rules(user: Any) -> bool:
    """The assignment rules: people who may assign every lead (directors, administrators)."""
    from opensales.org.views.common import reaches_all

    from .models import Lead

    return has_action(user, Lead, Action.ASSIGN) and reaches_all(user, Lead, Action.ASSIGN)
