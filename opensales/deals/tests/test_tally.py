"""The board totals kept as data (deals/tally.py): the triggers keep StageTally equal to the deals on
every write path, and an unfiltered board reads the same totals from it as adding up the deals."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import CommandError
from django.db import connection, transaction
from django.db.models import Count, Sum
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from opensales.core.models import Collaborator
from opensales.deals import selectors, services, tally
from opensales.deals.models import Opportunity, StageTally
from opensales.recyclebin import services as recyclebin

from .conftest import make_customer, make_deal

pytestmark = pytest.mark.django_db


def _live() -> dict[tuple[int, int], tuple[int, int, int]]:
    """What the tally should say: the live deals added up in Python, in cents."""
    sums: dict[tuple[int, int], list[int]] = {}
    for opp in Opportunity.objects.unscoped(reason="test"):
        cents = int(opp.amount * 100)
        row = sums.setdefault((opp.owner_id, opp.stage_id), [0, 0, 0])
        row[0] += 1
        row[1] += cents
        row[2] += cents * opp.probability
    return {key: tuple(value) for key, value in sums.items()}


def _tally() -> dict[tuple[int, int], tuple[int, int, int]]:
    return {
        (t.owner_id, t.stage_id): (t.deals, t.amount_cents, t.weighted_cents_percent)
        for t in StageTally.objects.all()
    }


def test_every_write_path_keeps_the_tally(cast, stages):
    rep1, rep2 = cast["rep_sh1"], cast["rep_sh2"]
    a = make_deal(rep1, name="甲", amount=Decimal("1234.56"))
    b = make_deal(rep1, customer=a.customer, name="乙", amount=Decimal("0.10"), stage=stages["方案报价"])
    c = make_deal(rep2, name="丙", amount=Decimal("99999999.99"))
    assert _tally() == _live() and len(_tally()) == 3
    # Services: a stage move (probability follows), an edit of the amount.
    services.move_stage(actor=rep1, opportunity=a, stage=stages["需求确认"], expected_version=a.version)
    b.refresh_from_db()
    services.opportunity_update(actor=rep1, opportunity=b, expected_version=b.version, amount=Decimal("7.77"))
    assert _tally() == _live()
    # Bulk paths that send no signals: a reassignment by update(), bulk_update, bulk_create.
    Opportunity.objects.unscoped(reason="test").filter(pk=c.pk).update(owner=rep1)
    c.refresh_from_db()
    c.probability = 77
    Opportunity.objects.unscoped(reason="test").bulk_update([c], ["probability"])
    template = Opportunity.objects.unscoped(reason="test").get(pk=a.pk)
    template.pk, template.name = None, "丁"
    Opportunity.objects.unscoped(reason="test").bulk_create([template])
    assert _tally() == _live()
    # Soft delete, restore, purge.
    recyclebin.soft_delete(actor=rep1, obj=b)
    assert _tally() == _live()
    recyclebin.restore(
        actor=rep1, obj=Opportunity.objects.with_deleted().unscoped(reason="test").get(pk=b.pk)
    )
    assert _tally() == _live()
    recyclebin.soft_delete(actor=rep1, obj=Opportunity.objects.unscoped(reason="test").get(pk=b.pk))
    recyclebin.purge(
        actor=cast["admin"], obj=Opportunity.objects.with_deleted().unscoped(reason="test").get(pk=b.pk)
    )
    assert _tally() == _live()
    # A change that does not touch what is counted leaves the tally alone; emptied rows go away.
    services.set_last_follow_up(opportunity=a, when=timezone.now())
    Opportunity.objects.unscoped(reason="test").filter(owner=rep2).delete()
    assert _tally() == _live()
    assert all(row[0] > 0 for row in _tally().values())


def test_a_rolled_back_write_leaves_the_tally_as_it_was(cast, stages):
    rep = cast["rep_sh1"]
    opp = make_deal(rep, amount=Decimal("500"))
    before = _tally()
    with pytest.raises(RuntimeError), transaction.atomic():
        Opportunity.objects.unscoped(reason="test").filter(pk=opp.pk).update(
            amount=Decimal("9"), stage=stages["赢单"]
        )
        raise RuntimeError
    assert _tally() == before == _live()


def test_rebuild_recounts_from_the_deals(cast):
    make_deal(cast["rep_sh1"], amount=Decimal("12.34"))
    expected = _tally()
    StageTally.objects.all().delete()
    tally.rebuild()
    assert _tally() == expected == _live()


def _added_up(user, pipeline):
    """The board's totals as the live aggregate over the deals the user sees (the filtered path)."""
    qs = Opportunity.objects.visible_to(user).filter(stage__pipeline=pipeline)
    rows = qs.order_by().values("stage").annotate(n=Count("pk"), total=Sum("amount"))
    return {row["stage"]: (row["n"], row["total"]) for row in rows}


def _tallied(user, pipeline):
    columns = selectors.board_columns(
        Opportunity.objects.visible_to(user), pipeline, cards=False, unfiltered_for=user
    )
    return {c.stage.pk: (c.count, c.total) for c in columns if c.count}


@pytest.mark.parametrize("who", ["rep_sh1", "manager_east", "director", "admin"])
def test_tallied_totals_are_the_scope_s_totals(cast, stages, pipeline, who):
    make_deal(cast["rep_sh1"], amount=Decimal("100.10"))
    make_deal(cast["rep_sh1"], amount=Decimal("0.01"), stage=stages["方案报价"])
    make_deal(cast["rep_sh2"], amount=Decimal("2000"))
    make_deal(cast["rep_gz1"], amount=Decimal("30000"), stage=stages["方案报价"])
    gone = make_deal(cast["rep_sh2"], amount=Decimal("5"))
    recyclebin.soft_delete(actor=cast["rep_sh2"], obj=gone)
    user = cast[who]
    assert _tallied(user, pipeline) == _added_up(user, pipeline)


def test_deals_shared_with_the_reader_are_added_once(cast, stages, pipeline):
    rep1, manager = cast["rep_sh1"], cast["manager_east"]
    theirs = make_deal(
        cast["rep_gz1"], customer=make_customer(cast["rep_gz1"], "广州某公司"), amount=Decimal("70")
    )
    team = make_deal(cast["rep_sh2"], amount=Decimal("3"))
    for deal in (theirs, team):
        Collaborator.objects.create(record=deal, user=rep1, level=Collaborator.Level.READ)
        Collaborator.objects.create(record=deal, user=manager, level=Collaborator.Level.READ)
    make_deal(rep1, amount=Decimal("1"))
    for user in (rep1, manager):
        tallied = _tallied(user, pipeline)
        assert tallied == _added_up(user, pipeline)
    # The manager sees rep_sh2's deal as a team member's, not a second time as shared.
    assert _tallied(manager, pipeline)[stages["初步接洽"].pk] == (3, Decimal("74.00"))


def test_board_reads_the_tally_only_without_filters(cast, login, stages):
    rep = cast["rep_sh1"]
    make_deal(rep, amount=Decimal("900000"))
    make_deal(rep, amount=Decimal("10"))
    with CaptureQueriesContext(connection) as unfiltered:
        html = login(rep).get(reverse("deals:board")).content.decode()
    assert "¥900,010.00" in html
    assert any("deals_stagetally" in q["sql"] for q in unfiltered.captured_queries)
    with CaptureQueriesContext(connection) as filtered:
        html = login(rep).get(reverse("deals:board"), {"amount_min": "1000"}).content.decode()
    assert "¥900,000.00" in html and "¥900,010.00" not in html
    assert not any("deals_stagetally" in q["sql"] for q in filtered.captured_queries)


def test_funnel_reads_the_tally(cast, login, stages):
    make_deal(cast["rep_sh2"], amount=Decimal("100"))
    data = login(cast["manager_east"]).get(reverse("deals:funnel_data")).json()
    first = next(s for s in data["stages"] if s["count"])
    assert (first["count"], first["amount"]) == (1, "100.00")


def test_migrate_puts_back_dropped_triggers_and_recounts(cast):
    """SQLite drops a table's triggers when a migration rebuilds it: post_migrate puts them back."""
    from django.core.management import call_command

    make_deal(cast["rep_sh1"], amount=Decimal("1"))
    with connection.cursor() as cursor:
        for statement in {"sqlite": tally.SQLITE_REMOVE, "postgresql": tally.PG_REMOVE}[connection.vendor]:
            cursor.execute(statement)
    make_deal(cast["rep_sh2"], amount=Decimal("2"))  # not counted: no triggers
    assert tally.differences() == 1
    with pytest.raises(CommandError, match="1 owner/stage rows"):
        call_command("deals_tally")
    assert tally.ensure_installed(connection) is True
    assert tally.ensure_installed(connection) is False
    assert tally.differences() == 0
    make_deal(cast["rep_sh2"], amount=Decimal("3"))
    assert _tally() == _live()
    StageTally.objects.all().delete()
    call_command("deals_tally", "--rebuild")
    assert _tally() == _live()
