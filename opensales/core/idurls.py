"""URLs of many records at once: `reverse()` costs tens of microseconds, a board or a calendar asks it
hundreds of times per page."""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.urls import get_script_prefix, reverse

_PLACEHOLDER = 987654321


def id_url(name: str) -> Callable[[int], str]:
    """`lambda pk: reverse(name, args=[pk])`, reversed once per URL name (and script prefix, the only
    other thing the result depends on): the id is put in by string formatting."""
    before, after = _split(name, get_script_prefix())
    return lambda pk: f"{before}{pk}{after}"


def fixed_url(name: str) -> str:
    """`reverse(name)` of a URL without arguments, reversed once per name and script prefix (the
    sidebar asks for about 25 of them on every page)."""
    return _fixed(name, get_script_prefix())


@functools.cache
def _fixed(name: str, script_prefix: str) -> str:
    return reverse(name)


@functools.cache
def _split(name: str, script_prefix: str) -> tuple[str, str]:
    before, _, after = reverse(name, args=[_PLACEHOLDER]).partition(str(_PLACEHOLDER))
    return before, after
