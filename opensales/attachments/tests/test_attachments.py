"""Uploads (limits, sniffing), downloads (scope, headers), deletion, audit, storage settings, API."""

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from opensales.api import services as token_services
from opensales.attachments import services
from opensales.attachments.models import Attachment
from opensales.audit.models import AuditEvent
from opensales.org.models import Employee

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def upload(name, content):
    return SimpleUploadedFile(name, content, content_type="application/pdf")  # the claim is ignored


def docx_bytes(prefix="word/"):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(prefix + "document.xml", "<w:document/>")
    return buf.getvalue()


def add(cast, account, name="合同.pdf", content=PDF, who="rep_sh1"):
    return services.attachment_add(actor=cast[who], record=account, upload=upload(name, content))


def test_upload_stores_under_a_random_name_with_sniffed_facts(cast, account, media):
    a = add(cast, account)
    assert a.original_name == "合同.pdf" and a.mime_type == "application/pdf" and a.size == len(PDF)
    assert a.file.name.startswith("attachments/") and a.file.name.endswith(".pdf")
    assert "合同" not in a.file.name
    assert (Path(media) / a.file.name).read_bytes() == PDF
    import hashlib

    assert a.sha256 == hashlib.sha256(PDF).hexdigest()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("tool.exe", b"MZ\x90\x00"),
        ("page.pdf", b"<!doctype html><html><script>alert(1)</script></html>"),  # html renamed .pdf
        ("notes.txt", b"<html><body>hi</body></html>"),
        ("photo.png", PDF),
        ("report.docx", docx_bytes("xl/")),  # a spreadsheet renamed .docx
        ("archive.zip", b"PK\x03\x04 not really a zip"),
        ("data.csv", b"a,b\x00\x01"),
        ("noext", PDF),
        ("empty.pdf", b""),
    ],
)
def test_disallowed_or_mismatched_types_are_refused(cast, account, media, name, content):
    with pytest.raises(ValidationError) as exc:
        add(cast, account, name, content)
    assert "file" in exc.value.message_dict
    assert not Attachment.objects.exists()
    assert not any(Path(media).rglob("*.*")) if Path(media).exists() else True


@pytest.mark.parametrize(
    ("name", "content", "mime"),
    [
        ("a.docx", docx_bytes(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("b.png", PNG, "image/png"),
        ("客户名单.csv", "姓名,电话\n张伟,1\n".encode("gb18030"), "text/csv; charset=utf-8"),
        ("c.zip", docx_bytes(), "application/zip"),
    ],
)
def test_allowed_types(cast, account, media, name, content, mime):
    assert add(cast, account, name, content).mime_type == mime


def test_size_limit(cast, account, media, settings):
    settings.OPENSALES_ATTACHMENT_MAX_MB = 1
    with pytest.raises(ValidationError, match="1 MB"):
        add(cast, account, "big.txt", b"a" * (1024 * 1024 + 1))
    assert add(cast, account, "ok.txt", b"a" * (1024 * 1024)).size == 1024 * 1024


def test_extension_allow_list_from_settings(cast, account, media, settings):
    settings.OPENSALES_ATTACHMENT_EXTENSIONS = ["txt", "exe"]  # exe is unknown: cannot be enabled
    with pytest.raises(ValidationError):
        add(cast, account)
    with pytest.raises(ValidationError):
        add(cast, account, "x.exe", b"MZ")


def test_upload_needs_change_and_delete_rules(cast, account, media, django_capture_on_commit_callbacks):
    with pytest.raises(PermissionDenied):
        add(cast, account, who="finance")  # sees the account, may not change it
    a = add(cast, account, who="rep_sh1")
    with pytest.raises(PermissionDenied):
        services.attachment_delete(actor=cast["finance"], attachment=a, record=account)
    path = Path(media) / a.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.attachment_delete(actor=cast["manager_east"], attachment=a, record=account)
    assert not Attachment.objects.exists()
    assert not path.exists()  # the stored file goes once the deletion commits


def test_download_checks_scope_and_sets_headers(cast, account, login, media):
    a = add(cast, account, "报价单 2024.pdf")
    url = reverse("attachments:download", args=[a.pk])
    assert login(cast["rep_sh2"]).get(url).status_code == 404  # rep_sh1's record: out of rep_sh2's scope
    assert login(cast["rep_gz1"]).get(url).status_code == 404
    response = login(cast["manager_east"]).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"] == (
        "attachment; filename*=utf-8''%E6%8A%A5%E4%BB%B7%E5%8D%95%202024.pdf"
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/pdf"
    assert "sandbox" in response["Content-Security-Policy"]
    # ?inline=1 only shows images inline; a PDF still downloads.
    assert login(cast["rep_sh1"]).get(url + "?inline=1")["Content-Disposition"].startswith("attachment;")
    img = add(cast, account, "图.png", PNG)
    inline = login(cast["rep_sh1"]).get(reverse("attachments:download", args=[img.pk]) + "?inline=1")
    assert inline["Content-Disposition"].startswith("inline;")
    assert inline["Content-Type"] == "image/png"


def test_writes_and_downloads_are_audited(cast, account, login, media):
    a = add(cast, account)
    login(cast["director"]).get(reverse("attachments:download", args=[a.pk]))
    login(cast["rep_sh2"]).get(reverse("attachments:download", args=[a.pk]))  # refused: audited as denied
    login(cast["rep_sh1"]).post(reverse("attachments:delete", args=[a.pk]))
    events = list(
        AuditEvent.objects.filter(object_type="scopeapp.account", object_id=str(account.pk))
        .order_by("id")
        .values_list("action", "actor_username", "outcome")
    )
    assert events == [
        ("attachment.add", "rep_sh1", "success"),
        ("attachment.download", "director", "success"),
        ("access.denied", "rep_sh2", "denied"),
        ("attachment.delete", "rep_sh1", "success"),
    ]
    add_event = AuditEvent.objects.get(action="attachment.add")
    assert add_event.changes["name"] == "合同.pdf" and add_event.changes["size"] == len(PDF)


def test_upload_view_htmx_and_redirect(cast, login, media):
    employee = Employee.objects.unscoped(reason="test").get(user=cast["rep_sh2"])
    url = reverse("attachments:upload", args=["org.employee", employee.pk])
    page = reverse("org:employee_detail", args=[employee.pk])
    assert login(cast["rep_sh1"]).post(url, {"file": upload("a.pdf", PDF)}).status_code == 403
    assert login(cast["rep_gz1"]).post(url, {"file": upload("a.pdf", PDF)}).status_code == 404
    response = login(cast["admin"]).post(url, {"file": upload("a.pdf", PDF), "next": page})
    assert response.status_code == 302 and response["Location"] == page
    response = login(cast["admin"]).post(url, {"file": upload("a.html", b"<html>")}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'data-testid="file-error"' in response.content.decode()
    assert Attachment.objects.count() == 1


def test_api_list_upload_download_delete(cast, account, media, client):
    _t, secret = token_services.token_create(actor=None, user=cast["rep_sh1"], name="t", scope="read_write")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    ref = f"scopeapp.account:{account.pk}"
    response = client.post("/api/v1/files", {"record": ref, "file": upload("说明.pdf", PDF)}, **auth)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "说明.pdf" and body["mime_type"] == "application/pdf" and body["size"] == len(PDF)
    listing = client.get("/api/v1/files", {"record": ref}, **auth).json()
    assert listing["count"] == 1 and listing["items"][0]["id"] == body["id"]
    download = client.get(body["download_url"], **auth)
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    bad = client.post("/api/v1/files", {"record": ref, "file": upload("x.exe", b"MZ")}, **auth)
    assert bad.status_code == 422 and "file" in bad.json()["fields"]
    _t, other = token_services.token_create(actor=None, user=cast["rep_sh2"], name="t", scope="read_write")
    assert client.get(body["download_url"], HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 404
    assert (
        client.get("/api/v1/files", {"record": ref}, HTTP_AUTHORIZATION=f"Bearer {other}").status_code == 404
    )
    assert client.delete(f"/api/v1/files/{body['id']}", **auth).status_code == 204
    assert not Attachment.objects.exists()


def test_s3_storage_is_chosen_by_configuration(tmp_path):
    from opensales.settings.base import default_file_storage

    assert default_file_storage("filesystem") == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "opensales.settings.test",
        "OPENSALES_STORAGE": "s3",
        "OPENSALES_S3_BUCKET": "crm-files",
        "OPENSALES_S3_ENDPOINT_URL": "https://minio.internal:9000",
        "OPENSALES_S3_ACCESS_KEY": "AK",
        "OPENSALES_S3_SECRET_KEY": "SK",
        "OPENSALES_S3_REGION": "cn-east-1",
    }
    code = (
        "import json, django; django.setup(); from django.conf import settings;"
        "from django.core.files.storage import default_storage as s;"
        "print(json.dumps([settings.STORAGES['default'], type(s._wrapped if s._wrapped.__class__.__name__ != 'object'"
        " else s._setup() or s._wrapped).__name__, s.bucket_name, s.endpoint_url, s.default_acl]))"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    storages, cls, bucket, endpoint, acl = json.loads(out.stdout.strip().splitlines()[-1])
    assert storages == {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": "crm-files",
            "endpoint_url": "https://minio.internal:9000",
            "access_key": "AK",
            "secret_key": "SK",
            "region_name": "cn-east-1",
            "location": "",
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }
    assert (cls, bucket, endpoint, acl) == (
        "S3Storage",
        "crm-files",
        "https://minio.internal:9000",
        "private",
    )
    env["OPENSALES_S3_BUCKET"] = ""
    failed = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert failed.returncode != 0 and "OPENSALES_S3_BUCKET" in failed.stderr
