"""Host avatars: an uploaded picture checked and cropped to a small square JPEG with Pillow,
kept in Django's default storage (so any storage backend works) under a fresh name per upload.
"""

from __future__ import annotations

import io
import secrets

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageOps, UnidentifiedImageError

AVATAR_SIZE = 256
MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# Decompression bombs: refuse pictures with more pixels than a big phone photo.
MAX_PIXELS = 40_000_000


class AvatarError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def square_jpeg(upload) -> bytes:
    """The picture as a centred AVATAR_SIZE square JPEG, or AvatarError if it is not one."""
    if upload.size > MAX_UPLOAD_BYTES:
        raise AvatarError("Choose a picture under 5 MB.")
    try:
        with Image.open(upload) as probe:
            if probe.width * probe.height > MAX_PIXELS:
                raise AvatarError("That picture is too large; choose a smaller one.")
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as picture:
            picture = ImageOps.exif_transpose(picture)
            square = ImageOps.fit(picture.convert("RGB"), (AVATAR_SIZE, AVATAR_SIZE))
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise AvatarError(
            "That file is not a picture we can read (JPEG, PNG, GIF or WebP)."
        ) from None
    out = io.BytesIO()
    square.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


def set_avatar(user, upload) -> None:
    """Store the new avatar, then forget the old one."""
    data = square_jpeg(upload)
    old = user.avatar
    user.avatar = default_storage.save(
        f"avatars/{user.pk}-{secrets.token_hex(6)}.jpg", ContentFile(data)
    )
    user.save(update_fields=["avatar"])
    if old:
        default_storage.delete(old)


def remove_avatar(user) -> None:
    if user.avatar:
        default_storage.delete(user.avatar)
        user.avatar = ""
        user.save(update_fields=["avatar"])
