"""The one gate every uploaded file goes through before it is stored: the citizen's attachments
(``portal.operations.filing``), the desk's scans (``scans``) and the result drafts (``drafts``).

The first bytes only say what a file claims to be (``portal.storage.sniff_content_type``);
:func:`checked_content` then checks its structure and returns the bytes to keep:

* a PDF is parsed and checked as ``portal.operations.pdf_check`` describes, and kept as sent
  (a signature on it must stay valid);
* a PNG or JPEG image is decoded and re-encoded with Pillow, and the re-encoded image is what is
  kept: whatever a file carries besides its pixels (HTML appended after the image, text chunks,
  EXIF with the place a photo was taken) is dropped; the orientation a camera wrote in EXIF is
  applied to the pixels first. An image of more than ``MAX_IMAGE_PIXELS`` pixels is refused
  from its header, before anything is decoded (a decompression bomb), and so is one Pillow
  itself flags as a bomb.

A photo for a document the procedure wants as a PDF (a citizen's phone camera) is turned into a
one-page PDF by :func:`photo_as_pdf`: checked and re-encoded as above, scaled down to at most
``PHOTO_MAX_SIDE`` pixels on its longest side (readable on A4) and kept as a JPEG of quality
``PHOTO_QUALITY`` inside the PDF, so a 4 MB camera shot becomes a few hundred kilobytes.

Refusals are ``DossierError`` subclasses whose code names what is wrong (``portal.messages``).
"""

from __future__ import annotations

import io
import warnings

from portal.lazy import lazy_module
from portal.operations.dossiers import DossierError

# pypdf and Pillow (about 0.1 s of start-up) load at the first PDF or image upload.
pdf_check = lazy_module("portal.operations.pdf_check")
Image = lazy_module("PIL.Image")
ImageOps = lazy_module("PIL.ImageOps")

MAX_IMAGE_PIXELS = 50_000_000
PHOTO_MAX_SIDE = 2000
PHOTO_QUALITY = 75
A4_LONG_SIDE_INCHES = 11.69
_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG"}
_ORIENTATION = 0x0112


class ImageRefused(DossierError):
    """The upload is not an image the portal keeps; ``code`` says why."""

    status = 422


def checked_content(data: bytes, content_type: str) -> bytes:
    """The bytes to store for ``data`` of the sniffed ``content_type``, after its structural
    check; raises a ``DossierError`` naming what is wrong."""
    if content_type == "application/pdf":
        pdf_check.check_pdf(data)
        return data
    if content_type in _FORMATS:
        return reencoded_image(data, _FORMATS[content_type])
    raise DossierError("file_type", f"no structural check for {content_type}")


def photo_as_pdf(data: bytes, content_type: str) -> bytes:
    """A JPEG or PNG photo as a one-page PDF, scaled down so that it stays small (see above)."""
    checked = reencoded_image(data, _FORMATS[content_type])  # the same checks; EXIF orientation applied
    with Image.open(io.BytesIO(checked)) as image:
        page = image.convert("RGB")
    page.thumbnail((PHOTO_MAX_SIDE, PHOTO_MAX_SIDE))
    out = io.BytesIO()
    page.save(out, "PDF", quality=PHOTO_QUALITY, resolution=max(page.size) / A4_LONG_SIDE_INCHES)
    return out.getvalue()


def reencoded_image(data: bytes, fmt: str) -> bytes:
    """``data`` decoded as ``fmt`` (PNG or JPEG) and encoded again, pixels only."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[fmt]) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise _too_many_pixels()
                image.load()
                return _encode(image, fmt)
    except ImageRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except (Exception, RecursionError):  # truncated or damaged data may raise anything inside a decoder
        raise ImageRefused("image_unreadable", f"the {fmt} image cannot be decoded") from None


def _too_many_pixels() -> ImageRefused:
    return ImageRefused("image_too_many_pixels", "the image has too many pixels",
                        limit=MAX_IMAGE_PIXELS // 1_000_000)


def _encode(image: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    rotated = image.getexif().get(_ORIENTATION, 1) not in (1, None)
    if fmt == "JPEG" and not rotated:
        # the same quantisation and subsampling: the stored JPEG is no worse and no larger
        image.save(out, "JPEG", quality="keep", optimize=False)
        return out.getvalue()
    pixels = ImageOps.exif_transpose(image) if rotated else image.copy()
    transparency = pixels.info.get("transparency")
    pixels.info = {}  # keep nothing but the pixels (PNG's encoder would copy text, ICC, EXIF from here)
    if fmt == "JPEG":
        pixels.save(out, "JPEG", quality=90)
    elif transparency is not None:
        pixels.save(out, "PNG", transparency=transparency)
    else:
        pixels.save(out, "PNG")
    return out.getvalue()
