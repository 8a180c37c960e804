"""Real image files built in code for the evidence tests: a phone photo with GPS and a sideways
orientation, a drawn signature (PNG), and things that only pretend to be images."""

from __future__ import annotations

import hashlib
import io
import os

from PIL import Image, ExifTags

GPS_NORTH = (39.0, 54.0, 1.5)


def phone_photo(width: int = 64, height: int = 32, seed: bytes = b"") -> bytes:
    """A JPEG as a phone writes it: landscape pixels, EXIF orientation 6 (shown portrait), GPS and camera maker."""
    noise = hashlib.shake_256(b"photo" + seed).digest(width * height * 3)
    img = Image.frombytes("RGB", (width, height), noise)
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "Apple"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = GPS_NORTH
    out = io.BytesIO()
    img.save(out, "JPEG", quality=90, exif=exif)
    return out.getvalue()


def signature_png(text_seed: bytes = b"") -> bytes:
    img = Image.new("RGBA", (300, 120), (255, 255, 255, 0))
    for x in range(20, 280):
        y = 60 + (hashlib.sha256(text_seed + x.to_bytes(2, "big")).digest()[0] % 30) - 15
        img.putpixel((x, y), (0, 0, 0, 255))
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def big_photo(megabytes: float) -> bytes:
    """A JPEG of random pixels of about `megabytes` (noise does not compress)."""
    side = int((megabytes * 1024 * 1024 / 2.2) ** 0.5)
    img = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = io.BytesIO()
    img.save(out, "JPEG", quality=100)
    return out.getvalue()


PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n" * 4
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
