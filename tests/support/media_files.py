"""Small real files for media tests: images by Pillow, PDFs by hand (with a text layer) or by
pypdf (a blank page, as a scan without text looks to a reader), and huge images by hand: a PNG
of zeros compresses about a thousand times, so a decompression bomb is a few hundred KB that
are written without ever holding the image."""

from __future__ import annotations

import io
import struct
import zlib
from functools import cache
from typing import Any

from PIL import Image
from pypdf import PdfWriter


def image(color: str = "red", size: tuple[int, int] = (32, 24), kind: str = "PNG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, kind)
    return out.getvalue()


def noisy_jpeg(side: int) -> bytes:
    """A JPEG that compresses badly: random pixels, a few MB for a few thousand pixels a side."""
    import os

    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(
        out, "JPEG", quality=100
    )
    return out.getvalue()


def pdf_with_text(*lines: str) -> bytes:
    """A one-page PDF whose text layer holds `lines` (Latin-1), written object by object."""
    stream = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({line}) '" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
    ]
    return pdf_of_objects(objects)


def pdf_of_objects(objects: list[str]) -> bytes:
    """A PDF of these objects (numbered from 1, the catalog first), with its xref table."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1")
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    trailer = f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    out += trailer.encode()
    return bytes(out)


def blank_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def photo_sizes(file_id: str, unique_id: str, size: int) -> list[dict[str, Any]]:
    return [{"file_id": file_id, "file_unique_id": unique_id, "width": 32, "height": 24,
             "file_size": size}]  # fmt: skip


_PNG_COLOUR_TYPES = {"L": (0, 1), "RGB": (2, 3), "RGBA": (6, 4)}


@cache
def zero_png(width: int, height: int, mode: str = "RGBA") -> bytes:
    """A black (or transparent) PNG of any size, its rows compressed one at a time."""
    colour_type, channels = _PNG_COLOUR_TYPES[mode]
    row = bytes(1 + width * channels)  # filter byte 0, then the pixels
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", data)
        + _chunk(b"IEND", b"")
    )


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def psd(side: int = 8) -> bytes:
    """A Photoshop file Pillow itself can open: one grayscale channel, uncompressed."""
    header = b"8BPS" + struct.pack(">H6xHIIHH", 1, 1, side, side, 8, 1)
    sections = struct.pack(">III", 0, 0, 0) + struct.pack(">H", 0)
    return header + sections + bytes(side * side)


def pdf_of_pages(*contents: bytes) -> bytes:
    """A PDF of one page per content stream (PDF operators, compressed as PDFs do)."""
    objects: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", _FONT]
    kids = []
    for content in contents:
        data = zlib.compress(content, 9)
        objects.append(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data)
        objects[-1] += b"\nendstream"
        objects.append(_PAGE % len(objects))
        kids.append(b"%d 0 R" % len(objects))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (b" ".join(kids), len(kids))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
_PAGE = (
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
    b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>"
)


def text_page(line: str) -> bytes:
    return b"BT /F1 12 Tf 72 720 Td (%s) Tj ET" % line.encode("latin-1")


def slow_page(operators: int = 300_000) -> bytes:
    """A page a text extractor works on for a long time: a few KB compressed, each of its
    hundreds of thousands of operators placing one letter (pypdf: about 4 s for 80,000)."""
    return b"BT /F1 12 Tf " + b"1 0 0 1 72 720 Tm (x) Tj " * operators + b"ET"
