"""The board's cards as HTML built in Python.

A board shows up to 30 cards in each of its columns; through the template engine each card cost about
0.35 ms (variable lookups, two URL reversals, filters), two thirds of the page. Built here with
`format_html` (every value escaped) a card costs a tenth of that. The markup is the one board.js and
the browser tests read: `.deal-card[data-id][data-version][data-move-url]`, `data-testid` names.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from opensales.core.idurls import id_url
from opensales.core.templatetags.opensales import format_money


def card_html(cards: Iterable[Any], stage_options: SafeString | None) -> SafeString:
    """The cards (selectors.Card) of one column; `stage_options` (the column's <option>s) when the
    reader may move them."""
    detail = id_url("deals:opportunity_detail")
    move = id_url("deals:board_move")
    stale_label, stage_label = gettext("Stale"), gettext("Stage")
    parts = []
    for opp in cards:
        picker = (
            format_html(
                '<label class="visually-hidden" for="stage-{0}">{1}</label>'
                '<select class="form-select form-select-sm mt-2 deal-stage-select" id="stage-{0}"'
                ' data-testid="card-stage">{2}</select>',
                opp.pk,
                stage_label,
                stage_options,
            )
            if stage_options is not None
            else ""
        )
        parts.append(
            format_html(
                '<article class="card card-sm deal-card{stale_class}" data-id="{pk}" data-version="{version}"'
                ' data-move-url="{move_url}" data-testid="card"><div class="card-body">'
                '<a class="fw-medium d-block text-truncate" href="{url}" data-testid="card-name">{name}</a>'
                '<div class="text-secondary small text-truncate">{customer}</div>'
                '<div class="d-flex justify-content-between align-items-center mt-1"><strong>{amount}</strong>'
                "{stale}</div>"
                '<div class="d-flex justify-content-between small text-secondary mt-1">'
                '<span class="text-truncate">{owner}</span><span>{close}</span></div>{picker}</div></article>',
                stale_class=" deal-card-stale" if opp.is_stale else "",
                pk=opp.pk,
                version=opp.version,
                move_url=move(opp.pk),
                url=detail(opp.pk),
                name=opp.name,
                customer=opp.customer_name,
                amount=format_money(opp.amount),
                stale=format_html(
                    '<span class="badge bg-orange-lt" data-testid="stale-badge">{}</span>', stale_label
                )
                if opp.is_stale
                else "",
                owner=opp.owner_name,
                close=opp.expected_close.isoformat() if opp.expected_close else "",
                picker=picker,
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 (each part built by format_html)
