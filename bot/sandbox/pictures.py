"""Small PNG pictures made in code, for the simulated buyers' photos (no files on disk)."""

from __future__ import annotations

import struct
import zlib

Colour = tuple[int, int, int]


def png(width: int, height: int, background: Colour, mark: Colour | None = None) -> bytes:
    """A `width`×`height` RGB PNG of one colour, with a diagonal stripe of `mark` when given
    (a "scratch" on the photo of a defect)."""
    if not (0 < width <= 4096 and 0 < height <= 4096):
        raise ValueError("width and height must be 1..4096")
    rows = bytearray()
    stripe = max(1, min(width, height) // 12)
    for y in range(height):
        rows.append(0)  # filter: none
        for x in range(width):
            on_mark = mark is not None and abs(x * height // width - y) < stripe
            rows.extend(mark if on_mark and mark is not None else background)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(bytes(rows), 9)),
            _chunk(b"IEND", b""),
        ]
    )


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)
