"""Recognising the files Ozon's chat accepts by their first bytes, not by their names."""

from __future__ import annotations

FILE_SIGNATURES = (
    (b"\xff\xd8\xff", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", ".png"),
    (b"%PDF-", ".pdf"),
)


def detect_file_type(data: bytes) -> str | None:
    """The extension of a JPEG, PNG, WEBP or PDF file; None for anything else."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return ".webp"
    return next((ext for signature, ext in FILE_SIGNATURES if data.startswith(signature)), None)
