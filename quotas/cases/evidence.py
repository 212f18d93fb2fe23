"""What an evidence file is, judged by its first bytes, never by its name: pure Python, no Django."""

from __future__ import annotations

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024

# kind → (extension, content type, magic bytes at offset 0)
KINDS = {
    "pdf": ("pdf", "application/pdf", b"%PDF-"),
    "jpeg": ("jpg", "image/jpeg", b"\xff\xd8\xff"),
    "png": ("png", "image/png", b"\x89PNG\r\n\x1a\n"),
}
HEAD_BYTES = 8


def evidence_kind(head: bytes) -> str | None:
    """'pdf', 'jpeg' or 'png' from the file's first bytes; None for anything else (a renamed .exe is 'MZ…')."""
    for kind, (_ext, _type, magic) in KINDS.items():
        if head.startswith(magic):
            return kind
    return None


def extension(kind: str) -> str:
    return KINDS[kind][0]


def content_type(kind: str) -> str:
    return KINDS[kind][1]


def kind_of_name(name: str) -> str | None:
    """The kind a stored file was saved as (stored names are ours: <uuid>.<ext>)."""
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return next((k for k, (e, _t, _m) in KINDS.items() if e == ext), None)
