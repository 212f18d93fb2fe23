"""Django's upload handlers, with the temporary file named safely.

Django names the temporary file of a large upload after the upload's extension (`tmpXXXX.upload<ext>`): an
extension of a few hundred characters made that name too long for the file system and the request failed
with 500 before any form could answer. Here the temporary file gets a short extension and the upload keeps the
name the browser sent (up to 255 characters), so the form can refuse an absurd name in Chinese.
"""

from __future__ import annotations

from django.core.files.uploadedfile import TemporaryUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler

from enrollment.files.filenames import split_name


class SafeTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    def new_file(self, *args, **kwargs):
        super(TemporaryFileUploadHandler, self).new_file(*args, **kwargs)
        _stem, extension = split_name(self.file_name or "")
        self.file = TemporaryUploadedFile(
            f"upload{extension}", self.content_type, 0, self.charset, self.content_type_extra
        )
        self.file.name = self.file_name  # the browser's name (Django cuts it to 255 characters)
