"""The customer importer (客户导入). A row is matched to an existing customer by its credit code when it
has one, else by its normalized name (customers/dedupe.py), so importing the same file twice changes
nothing the second time and never makes a second record. Other likely duplicates (same phone or
e-mail) are reported on the row. Lookups are loaded once per run.

The optional contact columns (联系人, 手机, 联系人邮箱, 职务) describe the customer's primary contact: a new
customer gets it as its primary contact; an existing customer's primary contact is updated (or created
when it has none). Writes go in bulk (customers/bulk.py, `create_many` / `update_many`), leaving exactly
what the services leave; a chunk that fails is written again row by row through the services."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from opensales.core.actions import Action
from opensales.imports import parsers
from opensales.imports.registry import Importer, ImportField, RowPlan, register_importer

from . import dedupe, regions, services
from .forms import owner_choices
from .models import Contact, Customer, Grade, Industry, Scale, Source
from .validators import validate_credit_code

User = get_user_model()
CHUNK = 2000


# Common spellings in Chinese spreadsheets, besides the labels in both languages.
INDUSTRY_ALIASES = {
    "制造业": "manufacturing",
    "制造": "manufacturing",
    "软件": "it",
    "互联网": "it",
    "信息技术": "it",
    "IT": "it",
    "金融": "finance",
    "银行": "finance",
    "零售": "retail",
    "贸易": "retail",
    "商贸": "retail",
    "零售与贸易": "retail",
    "医疗": "health",
    "医药": "health",
    "教育": "education",
    "建筑": "construction",
    "房地产": "construction",
    "物流": "logistics",
    "能源": "energy",
    "政府": "government",
    "公共事业": "government",
    "服务业": "services",
    "服务": "services",
    "其他": "other",
}
SOURCE_ALIASES = {
    "转介绍": "referral",
    "推荐": "referral",
    "官网": "website",
    "网站": "website",
    "展会": "exhibition",
    "陌拜": "cold_call",
    "电话营销": "cold_call",
    "广告": "advertising",
    "合作伙伴": "partner",
    "渠道": "partner",
    "老客户": "existing",
    "其他": "other",
}
SCALE_ALIASES = {
    "20人以下": "micro",
    "20-99人": "small",
    "100-499人": "medium",
    "500-999人": "large",
    "1000人以上": "huge",
}


def _credit_code(value: str) -> str:
    value = value.strip().upper()
    validate_credit_code(value)
    return value


def _region(value: str) -> str:
    code = regions.find_region(value)
    if not code:
        raise ValidationError(
            _("No region “%(value)s”. Give its code (310115) or its name (上海市 浦东新区).")
            % {"value": value}
        )
    return code


def _tags(value: str) -> list[str]:
    from opensales.bulk.actions import TAG_SEPARATORS

    return [t.strip() for t in TAG_SEPARATORS.split(value) if t.strip()]


def _mobile(value: str) -> str:
    value = parsers.text(32)(value)
    if len(dedupe.phone_digits(value)) < 7:
        raise ValidationError(_("Enter a valid phone number."))
    return value


def _bool(value: str) -> bool:
    folded = parsers.normalized(value)
    if folded in {"是", "y", "yes", "true", "1", "重点"}:
        return True
    if folded in {"否", "n", "no", "false", "0"}:
        return False
    raise ValidationError(_("Write yes or no (是 / 否)."))


@register_importer
class CustomerImporter(Importer):
    key = "customers"
    model = Customer
    key_fields = ("name",)
    fields = [
        ImportField(
            "name",
            gettext_lazy("Name"),
            required=True,
            aliases=("客户名称", "公司名称", "企业名称", "客户", "company", "customer", "company name"),
            parser=parsers.text(200),
            help=gettext_lazy("Identifies the customer (with the credit code) when updating."),
        ),
        ImportField(
            "short_name", gettext_lazy("Short name"), aliases=("简称", "客户简称"), parser=parsers.text(60)
        ),
        ImportField(
            "credit_code",
            gettext_lazy("Unified social credit code"),
            aliases=(
                "统一社会信用代码",
                "信用代码",
                "统一信用代码",
                "社会信用代码",
                "税号",
                "credit code",
                "uscc",
            ),
            parser=_credit_code,
        ),
        ImportField(
            "industry",
            gettext_lazy("Industry"),
            aliases=("行业", "所属行业"),
            parser=parsers.choice(lambda: Industry.choices, INDUSTRY_ALIASES),
            choices=lambda: Industry.choices,
        ),
        ImportField(
            "scale",
            gettext_lazy("Scale"),
            aliases=("规模", "人员规模", "size"),
            parser=parsers.choice(lambda: Scale.choices, SCALE_ALIASES),
            choices=lambda: Scale.choices,
        ),
        ImportField(
            "source",
            gettext_lazy("Source"),
            aliases=("客户来源", "来源"),
            parser=parsers.choice(lambda: Source.choices, SOURCE_ALIASES),
            choices=lambda: Source.choices,
        ),
        ImportField(
            "region",
            gettext_lazy("Region"),
            aliases=("地区", "省市区", "所在地区", "区域"),
            parser=_region,
            help=gettext_lazy("A code (310115) or a name (上海市 浦东新区)."),
        ),
        ImportField(
            "phone", gettext_lazy("Phone"), aliases=("电话", "联系电话", "tel"), parser=parsers.text(40)
        ),
        ImportField("email", gettext_lazy("E-mail"), aliases=("邮箱", "email", "mail"), parser=parsers.email),
        ImportField(
            "address", gettext_lazy("Address"), aliases=("地址", "详细地址"), parser=parsers.text(300)
        ),
        ImportField(
            "owner",
            gettext_lazy("Owner"),
            aliases=("负责人", "所有人", "销售", "owner username"),
            help=gettext_lazy("The owner's username; empty: yourself."),
        ),
        ImportField(
            "grade",
            gettext_lazy("Grade"),
            aliases=("客户等级", "等级", "级别"),
            parser=parsers.choice(lambda: Grade.choices),
            choices=lambda: Grade.choices,
        ),
        ImportField(
            "is_key_account",
            gettext_lazy("Key account"),
            aliases=("重点客户", "大客户", "key account"),
            parser=_bool,
        ),
        ImportField(
            "tags",
            gettext_lazy("Tags"),
            aliases=("标签",),
            parser=_tags,
            help=gettext_lazy("Separated by commas: 国企, 重点客户."),
        ),
        ImportField(
            "contact_name",
            gettext_lazy("Contact name"),
            aliases=("联系人", "联系人姓名", "主要联系人", "contact", "primary contact"),
            parser=parsers.text(100),
            help=gettext_lazy("The primary contact; required when another contact column is filled."),
        ),
        ImportField(
            "contact_mobile",
            gettext_lazy("Contact mobile"),
            aliases=("手机", "手机号", "联系人手机", "mobile"),
            parser=_mobile,
        ),
        ImportField(
            "contact_email",
            gettext_lazy("Contact e-mail"),
            aliases=("联系人邮箱", "联系人电子邮件", "contact email"),
            parser=parsers.email,
        ),
        ImportField(
            "contact_title",
            gettext_lazy("Contact title"),
            aliases=("职务", "职位", "联系人职务", "title"),
            parser=parsers.text(100),
        ),
    ]
    bulk = True
    chunk_size = 2000

    def prepare(self, rows: list[RowPlan]) -> None:
        user = self.user
        codes = sorted({r.raw.get("credit_code", "").strip().upper() for r in rows} - {""})
        self._name_keys: dict[str, str] = {}
        keys = sorted({self._name_key(r.raw.get("name", "")) for r in rows} - {""})
        base = Customer.objects.unscoped(reason="import key lookup").select_related("owner")
        self._by_code: dict[str, Customer] = {}
        self._by_key: dict[str, Customer] = {}
        for i in range(0, len(codes), CHUNK):
            for c in base.filter(credit_code__in=codes[i : i + CHUNK]):
                self._by_code.setdefault(c.credit_code, c)
        for i in range(0, len(keys), CHUNK):
            for c in base.filter(name_key__in=keys[i : i + CHUNK]).order_by("pk"):
                self._by_key.setdefault(c.name_key, c)
        from opensales.workspace.tags import attach_tags

        attach_tags([*self._by_code.values(), *self._by_key.values()])
        found = [c.pk for c in [*self._by_code.values(), *self._by_key.values()]]
        self._changeable = set(
            Customer.objects.visible_to(user, Action.CHANGE).filter(pk__in=found).values_list("pk", flat=True)
        )
        names = sorted({r.raw.get("owner", "") for r in rows} - {""})
        self._owners = {u.username: u for u in owner_choices(user, Action.ADD).filter(username__in=names)}
        # Other likely duplicates (phone) in one query.
        digits = sorted({dedupe.phone_digits(r.raw.get("phone", "")) for r in rows} - {""})
        self._by_phone: dict[str, Customer] = {}
        for i in range(0, len(digits), CHUNK):
            for c in base.filter(phone_digits__in=digits[i : i + CHUNK]):
                self._by_phone.setdefault(c.phone_digits, c)
        self._keys_in_file: dict[str, int] = {}
        # The primary contact of each customer found (the contact columns update it).
        self._primary: dict[int, Contact | None] = {}
        self._prepared_contacts = True
        if any(r.raw.get(n) for r in rows for n in CONTACT_COLUMNS):
            contacts = Contact.objects.unscoped(reason="import contact lookup")
            for i in range(0, len(found), CHUNK):
                for contact in contacts.filter(
                    customer_id__in=found[i : i + CHUNK], is_primary=True
                ).order_by("pk"):
                    self._primary.setdefault(contact.customer_id, contact)

    def _name_key(self, name: str) -> str:
        """dedupe.normalize_name, once per name in a run (prepare, find_existing and duplicate_check
        each need it)."""
        keys = self.__dict__.setdefault("_name_keys", {})
        if name not in keys:
            keys[name] = dedupe.normalize_name(name)
        return keys[name]

    def parse_owner(self, value: str) -> Any:
        owner = self._owners.get(value)
        if owner is None:
            raise ValidationError(_("No user “%(value)s” to whom you can give customers.") % {"value": value})
        return owner

    def display(self, name: str, value: Any) -> str:
        if name == "owner":
            return value.get_full_name() or value.username
        if name == "region":
            return regions.region_name(value)
        if name == "tags":
            return ", ".join(value)
        if name == "is_key_account":
            return str(_("Yes") if value else _("No"))
        return super().display(name, value)

    def find_existing(self, row: RowPlan) -> Customer | None:
        code = row.values.get("credit_code")
        customer = self._by_code.get(code) if code else None
        if customer is None:
            customer = self._by_key.get(self._name_key(row.values.get("name", "")))
            if customer is not None and code and customer.credit_code and customer.credit_code != code:
                customer = None  # same name, another company (another credit code)
        if customer is None:
            return None
        if customer.pk not in self._changeable:
            owner = customer.owner.get_full_name() if customer.owner else _("a public pool")
            raise ValidationError(
                _("“%(name)s” already exists (owner: %(owner)s) and you may not change it.")
                % {"name": customer.name, "owner": owner}
            )
        return customer

    def clean(self, row: RowPlan, mode: str) -> None:
        if row.action == "create" and not self.may_add():
            row.error(_("You may not add customers."))
        needs_name = "contact_name" not in row.values and any(n in row.values for n in CONTACT_COLUMNS)
        if needs_name and (row.action == "create" or self.primary_contact(row) is None):
            row.error(_("Contact name: give the name of the contact."))

    def primary_contact(self, row: RowPlan) -> Contact | None:
        if row.existing is None:
            return None
        if not hasattr(self, "_primary"):  # an importer that did not plan these rows (write only)
            self._primary = {}
        if row.existing.pk not in self._primary and not getattr(self, "_prepared_contacts", False):
            contact = (
                Contact.objects.unscoped(reason="import contact lookup")
                .filter(customer_id=row.existing.pk, is_primary=True)
                .order_by("pk")
                .first()
            )
            self._primary[row.existing.pk] = contact
        return self._primary.get(row.existing.pk)

    def may_add(self) -> bool:
        from opensales.core.scope import has_action

        return has_action(self.user, Customer, Action.ADD)

    def duplicate_check(self, row: RowPlan) -> tuple[list[str], list[str]]:
        errors, warnings = [], []
        key = self._name_key(row.values.get("name", ""))
        if key in self._keys_in_file:
            errors.append(_("The same customer as row %(row)s.") % {"row": self._keys_in_file[key]})
        else:
            self._keys_in_file[key] = row.line
        if row.action == "create":
            other = self._by_phone.get(dedupe.phone_digits(row.values.get("phone", "")))
            if other is not None:
                owner = other.owner.get_full_name() if other.owner else _("a public pool")
                warnings.append(
                    _("Same phone as “%(name)s” (owner: %(owner)s): maybe a duplicate.")
                    % {"name": other.name, "owner": owner}
                )
        return errors, warnings

    def changes(self, row: RowPlan) -> dict[str, Any]:
        customer = row.existing
        out = {}
        contact = self.primary_contact(row)
        for name, value in row.values.items():
            if name in CONTACT_COLUMNS:
                if contact is None or getattr(contact, CONTACT_COLUMNS[name]) != value:
                    out[name] = value
                continue
            if name == "tags":
                from opensales.workspace.tags import tags_of

                if sorted(value) != sorted(t.name for t in tags_of(customer)):
                    out[name] = value
                continue
            current = getattr(customer, f"{name}_id" if name == "owner" else name)
            compared = value.pk if name == "owner" else value
            if compared != current:
                out[name] = value
        return out

    # --- Writing: row by row through the services (the fallback), or in bulk ----------------------

    def create(self, actor: Any, row: RowPlan) -> Customer:
        values, contact = split_contact(row.values)
        owner = values.pop("owner", None)
        tags = values.pop("tags", None)
        customer = services.customer_create(actor=actor, owner=owner, tags=tags, **values)
        if contact:
            services.contact_create(actor=actor, customer=customer, is_primary=True, **contact)
        return customer

    def update(self, actor: Any, obj: Customer, row: RowPlan) -> Customer:
        fields, contact_fields = split_contact(self.changes(row))
        tags = fields.pop("tags", None)
        current = Customer.objects.unscoped(reason="import update").get(pk=obj.pk)
        if fields or tags is not None:
            current = services.customer_update(
                actor=actor, customer=current, expected_version=current.version, tags=tags, **fields
            )
        if contact_fields:
            contact = (
                Contact.objects.unscoped(reason="import update")
                .filter(customer=current, is_primary=True)
                .order_by("pk")
                .first()
            )
            if contact is None:
                services.contact_create(actor=actor, customer=current, is_primary=True, **contact_fields)
            else:
                services.contact_update(
                    actor=actor, contact=contact, expected_version=contact.version, **contact_fields
                )
        return current

    def create_many(self, actor: Any, rows: list[RowPlan]) -> list[Customer]:
        from .bulk import create_customers

        return create_customers(actor, [split_contact(r.values) for r in rows])

    def update_many(self, actor: Any, rows: list[RowPlan]) -> list[Customer]:
        from .bulk import update_customers

        items = []
        for row in rows:
            fields, contact_fields = split_contact(self.changes(row))
            items.append((row.existing, fields, self.primary_contact(row), contact_fields))
        return update_customers(actor, items)


# Import column -> Contact field.
CONTACT_COLUMNS = {
    "contact_name": "name",
    "contact_mobile": "mobile",
    "contact_email": "email",
    "contact_title": "title",
}


def split_contact(values: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A row's values as (customer fields, primary contact fields)."""
    customer, contact = {}, {}
    for name, value in values.items():
        if name in CONTACT_COLUMNS:
            contact[CONTACT_COLUMNS[name]] = value
        else:
            customer[name] = value
    return customer, contact
