"""Multipart request bodies read no further than a paste could need (FILE_UPLOAD_HANDLERS, first).

Django bounds a multipart body's plain fields (DATA_UPLOAD_MAX_MEMORY_SIZE) but not its files, nor the body as a
whole: without this handler an upload of any size is read to the end and, past FILE_UPLOAD_MAX_MEMORY_SIZE, written
to a temporary file before the form or the API sees it is too large. Here a body whose Content-Length passes
DATA_UPLOAD_MAX_MEMORY_SIZE (a paste at its limit and the form around it) is refused before a byte of it is read,
and the files of a body are refused as soon as they pass SNIPPET_MAX_BYTES. Both raise RequestDataTooBig, which
the pages answer with a 413 page and the API with a 413 JSON error.
"""

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.uploadhandler import FileUploadHandler


class RequestSizeLimit(FileUploadHandler):
    def __init__(self, request=None):
        super().__init__(request)
        self.file_bytes = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            raise RequestDataTooBig(
                f"The request body is {content_length} bytes; at most {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} are read."
            )
        return None  # the parser goes on with the other handlers

    def receive_data_chunk(self, raw_data, start):
        self.file_bytes += len(raw_data)
        if self.file_bytes > settings.SNIPPET_MAX_BYTES:
            raise RequestDataTooBig(f"The uploaded files pass {settings.SNIPPET_MAX_BYTES} bytes.")
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler (in memory) makes the file
