"""System checks: every workspace model is under the permission scope and its columns sort on fields."""

from __future__ import annotations

from django.core import checks

from opensales.core.registry import is_registered

from .registry import all_views


@checks.register()
def workspace_models_are_scoped(app_configs=None, **kwargs):
    errors = []
    for mv in all_views():
        if not is_registered(mv.model):
            errors.append(
                checks.Error(
                    f"workspace list {mv.key!r}: {mv.label()} is not under the permission scope",
                    hint="Call opensales.core.registry.register_scoped(...) in the app's ready().",
                    id="workspace.E001",
                )
            )
    return errors
