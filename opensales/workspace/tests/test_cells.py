"""The list's HTML written in Python (workspace/cells.py) is the HTML the templates wrote."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django.forms.renderers import TemplatesSetting
from django.http import QueryDict
from django.template.loader import get_template
from django.urls import reverse
from django.utils import translation

from opensales.customers.workspace import CustomerView
from opensales.deals.models import Opportunity
from opensales.deals.tests.conftest import make_customer, make_deal
from opensales.deals.workspace import OpportunityView
from opensales.workspace.cells import fast_widgets, render_rows

pytestmark = pytest.mark.django_db

# The deals' cell templates the Python renderers replace in the list (still used elsewhere).
TEMPLATES = {
    "amount": "deals/cells/money.html",
    "weighted": "deals/cells/money.html",
    "stage": "deals/cells/stage.html",
    "stale": "deals/cells/stale.html",
}


@pytest.fixture
def stages(db):
    from opensales.deals.services import default_pipeline

    return {s.name: s for s in default_pipeline().stages.all()}


@pytest.fixture
def deals(cast, stages):
    rep = cast["rep_sh1"]
    customer = make_customer(rep, name='<b>"华信" & 子</b>')
    made = [
        make_deal(rep, customer=customer, name="<i>逾期</i>", expected_close=datetime.date(2020, 1, 1)),
        make_deal(rep, customer=customer, name="赢单", stage=stages["赢单"], amount=Decimal("1234567.5")),
        make_deal(
            rep, customer=customer, name="输单", stage=stages["输单"], amount=Decimal("0"), reason="价格"
        ),
    ]
    return list(
        Opportunity.objects.unscoped(reason="test")
        .select_related("stage")
        .filter(pk__in=[d.pk for d in made])
    )


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_deal_renderers_write_what_their_templates_write(deals, language):
    columns = {c.key: c for c in OpportunityView.all_columns()}
    with translation.override(language):
        for key, template in TEMPLATES.items():
            column = columns[key]
            assert column.render is not None, key
            for deal in deals:
                value = column.read(deal)
                expected = get_template(template).render({"record": deal, "value": value}).strip()
                assert column.render(deal, value) == expected, (key, deal.name)
    assert any(columns["stale"].render(d, columns["stale"].read(d)) for d in deals)  # a badge was compared


def test_rows_escape_link_and_use_each_columns_renderer(deals):
    columns = OpportunityView.visible_columns(QueryDict("cols=name,customer,stage,stale,tags"))
    for deal in deals:
        deal.workspace_tags = []
    html = str(render_rows(OpportunityView, columns, deals, bulk=True))
    assert html.count('data-testid="row"') == 3
    for deal in deals:
        url = reverse("deals:opportunity_detail", args=[deal.pk])
        assert f'<a href="{url}" class="fw-medium" data-testid="open">' in html
        assert f'name="ids" value="{deal.pk}"' in html
    assert "&lt;i&gt;逾期&lt;/i&gt;" in html and "<i>逾期" not in html
    assert "&lt;b&gt;&quot;华信&quot; &amp; 子&lt;/b&gt;" in html
    assert 'data-testid="stale-badge"' in html  # a Python renderer
    assert '<span class="text-secondary">—</span>' in html  # the tags column's template
    assert len(re.findall(r"<td", html)) == 3 * (len(columns) + 1)
    assert 'name="ids"' not in str(render_rows(OpportunityView, columns, deals, bulk=False))


def test_rows_keep_a_model_views_own_record_url(deals):
    class Elsewhere(OpportunityView):
        @classmethod
        def record_url(cls, record):
            return f"/elsewhere/{record.pk}/"

    columns = OpportunityView.visible_columns(QueryDict())
    html = str(render_rows(Elsewhere, columns, deals, bulk=False))
    assert f'<a href="/elsewhere/{deals[0].pk}/"' in html


@pytest.mark.parametrize("view", [CustomerView, OpportunityView])
def test_fast_widgets_write_what_the_widget_templates_write(cast, stages, view, monkeypatch):
    make_customer(cast["rep_sh1"])
    params = QueryDict(mutable=True)
    params.update(
        {"q": '<"华信" & co>', "grade": "A", "lifecycle": "customer", "stage": str(stages["赢单"].pk)}
    )
    params.update({"is_key_account": "true", "stale": "false", "amount_min": "100"})
    for data in (QueryDict(), params):
        form = view.filterset(cast["director"], data).form
        assert type(form.renderer) is TemplatesSetting  # the project's renderer, the fast one's fallback
        fields = list(form.visible_fields())
        slow = [str(field) for field in fields]
        assert "<select" in "".join(slow) and "<input" in "".join(slow)
        templated = []
        original = TemplatesSetting.render
        monkeypatch.setattr(
            TemplatesSetting,
            "render",
            lambda self, name, *a, **k: templated.append(name) or original(self, name, *a, **k),
        )
        form.renderer = fast_widgets
        assert [str(field) for field in fields] == slow
        monkeypatch.undo()
        assert set(templated) <= {"workspace/widgets/range.html"}  # selects and inputs in Python
