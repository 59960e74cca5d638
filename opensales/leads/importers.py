"""The lead importer (线索导入): new leads only, with duplicate detection by phone and e-mail.

A row whose phone or e-mail (compared through the blind index, whatever the owner) is already on a lead,
or on an earlier row of the same file, is an error: the lead exists. The owner is a username the
importer may assign to (their employee record is visible to them); without one the lead goes to the
importer if they are a rep, else through the assignment rules. Lookups are loaded once in `prepare`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opensales.core.actions import Action
from opensales.core.crypto import blind_index
from opensales.core.scope import has_action
from opensales.imports import parsers
from opensales.imports.registry import Importer, ImportField, RowPlan, register_importer
from opensales.search.tokens import phone_digits

from . import services
from .forms import industry_choices, source_choices
from .models import Lead

CHUNK = 2000


def _region(value: str) -> str:
    from opensales.customers.regions import find_region

    code = find_region(value)
    if not code:
        raise ValidationError(
            _("No region “%(value)s”: give its code (310115) or its name (上海市浦东新区).")
            % {"value": value}
        )
    return code


def _phone(value: str) -> str:
    value = parsers.text(40)(value)
    if not 6 <= len(phone_digits(value)) <= 20:
        raise ValidationError(_("“%(value)s” is not a phone number.") % {"value": value})
    return value


def _score(value: str) -> int:
    try:
        score = int(value)
    except ValueError:
        raise ValidationError(_("A score is a whole number from 0 to 100.")) from None
    if not 0 <= score <= 100:
        raise ValidationError(_("A score is a whole number from 0 to 100."))
    return score


@register_importer
class LeadImporter(Importer):
    key = "leads"
    model = Lead
    fields = [
        ImportField(
            "company",
            gettext_lazy("Company"),
            aliases=("公司", "公司名称", "单位", "企业名称", "company name"),
            parser=parsers.text(200),
        ),
        ImportField(
            "contact_name",
            gettext_lazy("Contact name"),
            required=True,
            aliases=("联系人", "姓名", "联系人姓名", "name", "contact"),
            parser=parsers.text(100),
        ),
        ImportField(
            "title", gettext_lazy("Title"), aliases=("职位", "职务", "job title"), parser=parsers.text(100)
        ),
        ImportField(
            "phone", gettext_lazy("Phone"), aliases=("手机", "电话", "手机号", "mobile"), parser=_phone
        ),
        ImportField(
            "email",
            gettext_lazy("E-mail"),
            aliases=("邮箱", "电子邮箱", "email", "mail"),
            parser=parsers.email,
        ),
        ImportField(
            "source",
            gettext_lazy("Source"),
            aliases=("线索来源", "来源渠道", "channel"),
            parser=parsers.choice(
                lambda: source_choices()[1:], {"官网": "website", "展会": "exhibition", "转介绍": "referral"}
            ),
            choices=lambda: source_choices()[1:],
        ),
        ImportField(
            "region",
            gettext_lazy("Region"),
            aliases=("地区", "区域", "省市区", "area"),
            parser=_region,
            help=gettext_lazy("A code (310115) or a name (上海市浦东新区)."),
        ),
        ImportField(
            "industry",
            gettext_lazy("Industry"),
            aliases=("行业", "所属行业"),
            parser=parsers.choice(lambda: industry_choices()[1:], {}),
            choices=lambda: industry_choices()[1:],
        ),
        ImportField("score", gettext_lazy("Score"), aliases=("评分", "分数"), parser=_score),
        ImportField(
            "notes",
            gettext_lazy("Notes"),
            aliases=("备注", "说明", "remarks", "comment"),
            parser=parsers.text(2000),
        ),
        ImportField(
            "owner",
            gettext_lazy("Owner"),
            aliases=("负责人", "销售", "owner username"),
            help=gettext_lazy("The owner's username; empty: the assignment rules place the lead."),
        ),
    ]

    def prepare(self, rows: list[RowPlan]) -> None:
        from opensales.bulk.actions import assignable_users

        owners = sorted({r.raw.get("owner", "") for r in rows} - {""})
        self._may_assign = has_action(self.user, Lead, Action.ASSIGN)
        self._owners = {u.username: u for u in assignable_users(self.user).filter(username__in=owners)}
        phones = {blind_index(phone_digits(r.raw.get("phone", ""))) for r in rows if r.raw.get("phone")}
        emails = {blind_index(r.raw.get("email", "").strip().lower()) for r in rows if r.raw.get("email")}
        leads = Lead.objects.unscoped(reason="lead import: duplicate check by blind index")
        self._phones: set[str] = set()
        self._emails: set[str] = set()
        phone_list, email_list = sorted(phones), sorted(emails)
        for i in range(0, len(phone_list), CHUNK):
            self._phones.update(
                leads.filter(phone_index__in=phone_list[i : i + CHUNK]).values_list("phone_index", flat=True)
            )
        for i in range(0, len(email_list), CHUNK):
            self._emails.update(
                leads.filter(email_index__in=email_list[i : i + CHUNK]).values_list("email_index", flat=True)
            )
        self._seen: dict[str, int] = {}

    def parse_owner(self, value: str) -> Any:
        owner = self._owners.get(value)
        if owner is None:
            raise ValidationError(_("No user “%(value)s” that you can give leads to.") % {"value": value})
        return owner

    def display(self, name: str, value: Any) -> str:
        if name == "owner":
            return value.get_full_name()
        return super().display(name, value)

    def clean(self, row: RowPlan, mode: str) -> None:
        values = row.values
        if not values.get("phone") and not values.get("email"):
            row.error(_("Give a phone number or an e-mail address."))
        owner = values.get("owner")
        if owner is not None and owner.pk != self.user.pk and not self._may_assign:
            row.error(_("You may not give leads to other people."))

    def duplicate_check(self, row: RowPlan) -> tuple[list[str], list[str]]:
        errors = []
        keys = []
        if row.values.get("phone"):
            keys.append(("phone", blind_index(phone_digits(row.values["phone"])), self._phones))
        if row.values.get("email"):
            keys.append(("email", blind_index(row.values["email"].strip().lower()), self._emails))
        for kind, key, existing in keys:
            label = _("phone") if kind == "phone" else _("e-mail")
            if key in existing:
                errors.append(_("A lead with this %(what)s exists already.") % {"what": label})
            elif (kind, key) in self._seen:
                errors.append(
                    _("The same %(what)s is in row %(row)s.")
                    % {"what": label, "row": self._seen[(kind, key)]}
                )
            else:
                self._seen[(kind, key)] = row.line
        return errors, []

    def create(self, actor: Any, row: RowPlan) -> Lead:
        values = dict(row.values)
        owner = values.pop("owner", None)
        if owner is None and not self._may_assign:
            owner = actor
        return services.lead_create(actor=actor, owner=owner, assign_on_arrival=owner is None, **values)
