"""Where uploads live: local disk by default, S3-compatible object storage when S3_* is set (here
a real S3 API served over HTTP by moto's server on loopback), and nginx's X-Accel-Redirect
hand-over when enabled."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from django.conf import settings as django_settings

from submissions.models import Attachment
from tests.factories import EntryFactory, pdf_upload, png_upload

ROOT = Path(__file__).resolve().parent.parent


def test_s3_variables_switch_the_default_storage_to_django_storages():
    env = {**os.environ, "SECRET_KEY": "x" * 50, "DEBUG": "0", "S3_BUCKET": "wnevc-uploads",
           "S3_ENDPOINT_URL": "https://oss-cn-beijing.aliyuncs.com", "S3_REGION": "cn-beijing",
           "S3_ACCESS_KEY_ID": "AKID", "S3_SECRET_ACCESS_KEY": "secret", "DJANGO_SETTINGS_MODULE": "wnevc_portal.settings"}
    code = ("import django; django.setup(); from django.core.files.storage import storages; s = storages['default']; "
            "print(type(s).__name__, s.bucket_name, s.endpoint_url, s.region_name, s.default_acl, s.file_overwrite, "
            "s.querystring_auth)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["S3Storage", "wnevc-uploads", "https://oss-cn-beijing.aliyuncs.com", "cn-beijing",
                                  "private", "False", "True"]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint():
    server = Path(sys.executable).with_name("moto_server")
    if not server.exists():
        pytest.skip("moto[server] is not installed (it is in requirements-dev.txt)")
    port = _free_port()
    process = subprocess.Popen([str(server), "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("the S3 server did not start")
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture
def s3(settings, s3_endpoint):
    credentials = {"aws_access_key_id": "test", "aws_secret_access_key": "test", "region_name": "us-east-1"}
    client = boto3.client("s3", endpoint_url=s3_endpoint, **credentials)
    client.create_bucket(Bucket="wnevc-test")
    settings.STORAGES = {**django_settings.STORAGES, "default": {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {"bucket_name": "wnevc-test", "endpoint_url": s3_endpoint, "access_key": "test",
                    "secret_key": "test", "region_name": "us-east-1", "default_acl": "private",
                    "file_overwrite": False},
    }}
    yield client
    for item in client.list_objects_v2(Bucket="wnevc-test").get("Contents", []):
        client.delete_object(Bucket="wnevc-test", Key=item["Key"])
    client.delete_bucket(Bucket="wnevc-test")


def _keys(client):
    return sorted(item["Key"] for item in client.list_objects_v2(Bucket="wnevc-test").get("Contents", []))


def test_uploads_go_to_object_storage_and_come_back_through_the_permission_checked_view(
        s3, edition, nominator, nominator_client, django_capture_on_commit_callbacks, settings):
    entry = EntryFactory(edition=edition, nominator=nominator)
    report, image = pdf_upload(), png_upload()
    sent = report.read()
    report.seek(0)
    url = f"/en/nominations/{entry.pk}/attachments/"
    assert nominator_client.post(url, {"kind": "report", "file": report}).status_code == 302
    assert nominator_client.post(url, {"kind": "image", "file": image}).status_code == 302
    stored = Attachment.objects.get(kind="report")
    assert _keys(s3) == sorted([stored.file.name, *(a.thumbnail.name for a in Attachment.objects.filter(kind="image")),
                                Attachment.objects.get(kind="image").file.name])
    assert s3.get_object(Bucket="wnevc-test", Key=stored.file.name)["Body"].read() == sent
    assert not any(Path(settings.MEDIA_ROOT).rglob("*.pdf"))  # nothing on the local disk

    response = nominator_client.get(f"/en/nominations/files/{stored.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == sent
    assert response["Content-Disposition"].startswith("attachment;")

    with django_capture_on_commit_callbacks(execute=True):
        nominator_client.post(f"/en/nominations/{entry.pk}/attachments/{stored.pk}/delete/")
    assert stored.file.name not in _keys(s3)


def test_with_x_accel_redirect_the_view_checks_and_nginx_sends(nominator_client, complete_entry, client,
                                                               other_nominator, settings):
    settings.X_ACCEL_REDIRECT = "/protected/"
    report = complete_entry.attachments.get(kind="report")
    response = nominator_client.get(f"/en/nominations/files/{report.pk}/")
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected/{report.file.name}"
    assert response.content == b""  # nginx reads the file from MEDIA_ROOT
    assert response["Content-Disposition"] == 'attachment; filename="report.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    client.force_login(other_nominator)
    assert client.get(f"/en/nominations/files/{report.pk}/").status_code == 404
