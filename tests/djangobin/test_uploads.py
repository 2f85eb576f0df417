"""djangobin/uploads.py: a multipart body is read no further than a paste could need (issue 19, item 7)."""

import io

import pytest
from django.core.files import uploadhandler
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

from djangobin.models import Snippet

pytestmark = pytest.mark.django_db

MiB = 1024 * 1024


class CountingInput(io.BytesIO):
    """A request body that remembers how many of its bytes the server read."""

    def __init__(self, data):
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size=-1):
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk

    def readline(self, size=-1):
        line = super().readline(size)
        self.bytes_read += len(line)
        return line


def post_body(client, path, body, content_length=None):
    body_input = CountingInput(body)
    extra = {"CONTENT_LENGTH": str(len(body) if content_length is None else content_length), "wsgi.input": body_input}
    response = client.generic("POST", path, b"-", content_type=MULTIPART_CONTENT, **extra)
    return response, body_input


@pytest.fixture
def temporary_files(monkeypatch):
    """Every temporary file an upload handler makes for a request."""
    made = []

    class Recorded(uploadhandler.TemporaryUploadedFile):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self.temporary_file_path())

    monkeypatch.setattr(uploadhandler, "TemporaryUploadedFile", Recorded)
    return made


def test_a_body_whose_content_length_passes_the_limit_answers_413_before_a_byte_is_read(client, settings):
    body = encode_multipart(BOUNDARY, {"content": "x"})

    response, body_input = post_body(client, "/api/v2/", body, content_length=settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    assert response.status_code == 413
    assert "Snippets are limited to" in response.json()["error"]
    assert body_input.bytes_read == 0


def test_the_paste_form_answers_a_body_over_the_limit_with_a_413_page(client, settings):
    body = encode_multipart(BOUNDARY, {"original_code": "x"})

    response, body_input = post_body(client, "/", body, content_length=settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)

    assert response.status_code == 413
    assert "Snippets are limited to 524,288 bytes (512 KiB)" in response.content.decode()
    assert body_input.bytes_read == 0


def test_an_uploaded_file_over_the_paste_limit_stops_the_reading_there(client, settings):
    settings.SNIPPET_MAX_BYTES = 64 * 1024
    body = encode_multipart(BOUNDARY, {"content": SimpleUploadedFile("big.txt", b"x" * (2 * MiB))})
    assert len(body) < settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    response, body_input = post_body(client, "/api/v2/", body)

    assert response.status_code == 413
    assert body_input.bytes_read < 256 * 1024
    assert not Snippet.objects.exists()


def test_an_upload_far_over_the_limit_is_never_written_to_a_temporary_file(client, temporary_files):
    upload = SimpleUploadedFile("big.txt", b"x" * (4 * MiB))

    response = client.post("/api/v2/", {"content": upload})

    assert response.status_code == 413
    assert temporary_files == []


def test_an_uploaded_file_within_the_limit_is_still_pasted(client, temporary_files):
    upload = SimpleUploadedFile("small.txt", b"print('uploaded')\n")

    response = client.post("/api/v2/", {"content": upload})

    assert response.status_code == 201
    assert Snippet.objects.get().original_code == "print('uploaded')\n"
    assert temporary_files == []
