from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from opensales.audit.models import AuditEvent
from opensales.core.versioning import StaleEdit
from opensales.products import services
from opensales.products.models import Product, ProductCategory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    }


def _products():
    return Product.objects.unscoped(reason="test")


def test_create_update_audit_and_code_unique(cast):
    admin = cast["admin"]
    p = services.product_create(actor=admin, code="CRM-STD", name="CRM 标准版", list_price=Decimal("9800"))
    assert AuditEvent.objects.filter(action="product.create", object_id=str(p.pk)).count() == 1
    with pytest.raises(ValidationError) as exc:
        services.product_create(actor=admin, code="CRM-STD", name="重复")
    assert "code" in exc.value.message_dict
    p = services.product_update(actor=admin, product=p, expected_version=1, list_price=Decimal("8800"))
    assert (p.list_price, p.version) == (Decimal("8800"), 2)
    with pytest.raises(StaleEdit):
        services.product_update(actor=admin, product=p, expected_version=1, name="旧版本")


def test_category_tree_and_filter(cast, login):
    admin = cast["admin"]
    software = services.category_save(actor=admin, name="软件")
    crm = services.category_save(actor=admin, name="CRM", parent=software)
    hardware = services.category_save(actor=admin, name="硬件")
    services.product_create(actor=admin, code="A", name="销售云", category=crm)
    services.product_create(actor=admin, code="B", name="服务器", category=hardware)
    assert [(c.name, c.depth) for c in services.category_tree()] == [("硬件", 0), ("软件", 0), ("CRM", 1)]
    html = (
        login(cast["rep_sh1"])
        .get(reverse("products:product_list"), {"category": software.pk})
        .content.decode()
    )
    assert "销售云" in html and "服务器" not in html
    with pytest.raises(ValidationError):
        services.category_save(actor=admin, category=software, name="软件", parent=crm)
    with pytest.raises(ValidationError):
        services.category_delete(actor=admin, category=software)


def test_product_pages(cast, login):
    rep = login(cast["rep_sh1"])
    response = rep.post(
        reverse("products:product_create"),
        {"code": "NEW-1", "name": "新品", "unit": "套", "list_price": "100", "cost": "50", "tax_rate": "13"},
    )
    assert response.status_code == 302
    p = _products().get(code="NEW-1")
    assert rep.get(reverse("products:product_detail", args=[p.pk])).status_code == 200
    # Finance may view but not add.
    assert login(cast["finance"]).get(reverse("products:product_create")).status_code == 403
    bad = rep.post(
        reverse("products:product_create"), {"code": "NEW-1", "name": "x", "unit": "套", "list_price": "-1"}
    )
    assert bad.status_code == 200
    assert _products().filter(code="NEW-1").count() == 1


def test_categories_page(cast, login):
    rep = login(cast["rep_sh1"])
    assert rep.get(reverse("products:categories")).status_code == 200
    rep.post(reverse("products:categories"), {"name": "服务", "sort_order": "1"})
    assert ProductCategory.objects.filter(name="服务").exists()
    assert login(cast["finance"]).post(reverse("products:categories"), {"name": "X"}).status_code == 403


def test_api(cast, login):
    client = login(cast["rep_sh1"])
    response = client.post(
        "/api/v1/products",
        {"code": "API-1", "name": "接口产品", "unit": "件", "list_price": "10", "cost": "1", "tax_rate": "6"},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    response = client.patch(
        f"/api/v1/products/{pk}", {"version": 1, "list_price": "12"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["list_price"] == "12.00"
    response = client.patch(
        f"/api/v1/products/{pk}", {"version": 1, "list_price": "13"}, content_type="application/json"
    )
    assert response.status_code == 409
    response = client.post(
        "/api/v1/products", {"code": "API-1", "name": "重复"}, content_type="application/json"
    )
    assert response.status_code == 422


def test_importer(cast, django_capture_on_commit_callbacks):
    from opensales.imports import services as imports
    from opensales.products.importers import ProductImporter

    admin = cast["admin"]
    software = services.category_save(actor=admin, name="软件")
    services.category_save(actor=admin, name="CRM", parent=software)
    services.product_create(actor=admin, code="OLD", name="旧产品", list_price=Decimal("1"))
    out = io.StringIO()
    csv.writer(out).writerows(
        [
            ["产品编码", "产品名称", "分类", "单位", "标准价", "税率", "是否在售"],
            ["OLD", "旧产品改名", "软件/CRM", "套", "1,200", "13%", "是"],
            ["NEW", "新产品", "CRM", "件", "99.5", "6", "否"],
        ]
    )
    job = imports.job_create(
        user=admin,
        importer=ProductImporter,
        upload=SimpleUploadedFile("p.csv", out.getvalue().encode()),
        mode="upsert",
    )
    with django_capture_on_commit_callbacks(execute=True):
        imports.job_start(job=job)
    job.refresh_from_db()
    assert (job.state, job.created_count, job.updated_count, job.rejected_count) == ("succeeded", 1, 1, 0), (
        job.__dict__
    )
    old, new = _products().get(code="OLD"), _products().get(code="NEW")
    assert (old.name, old.list_price, old.category.name, old.unit) == (
        "旧产品改名",
        Decimal("1200.00"),
        "CRM",
        "套",
    )
    assert (new.list_price, new.tax_rate, new.is_active) == (Decimal("99.50"), Decimal("6.00"), False)


def test_importer_rejects_bad_rows(cast, django_capture_on_commit_callbacks):
    from opensales.imports import services as imports
    from opensales.products.importers import ProductImporter

    data = "产品编码,产品名称,分类,标准价\nX1,好,不存在的分类,abc\n".encode()
    job = imports.job_create(
        user=cast["admin"], importer=ProductImporter, upload=SimpleUploadedFile("p.csv", data), mode="create"
    )
    with django_capture_on_commit_callbacks(execute=True):
        imports.job_start(job=job)
    job.refresh_from_db()
    assert job.state != "succeeded" or job.created_count == 0
    assert not _products().filter(code="X1").exists()
