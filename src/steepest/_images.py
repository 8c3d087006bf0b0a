"""Pixels as the body of a data URI (``"image/webp;base64,…"``), lossless: one encoder for
the animation player's frames and the explorer's images."""

from __future__ import annotations

import base64
import io

import numpy as np


def image_data(pixels: np.ndarray) -> str:
    """A data-URI body for RGB(A) ``pixels``, lossless: WebP (half the bytes of PNG for text
    and plots; every browser of the last years draws it) where Pillow can write it, else PNG
    in the smallest fitting mode."""
    from PIL import features
    px = np.ascontiguousarray(pixels)
    if not features.check("webp"):
        return _png(px)
    from PIL import Image
    buf = io.BytesIO()
    Image.fromarray(px).save(buf, format="WEBP", lossless=True, method=1, quality=50)
    return "image/webp;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _png(px: np.ndarray) -> str:
    """The PNG data-URI body: grey with alpha when every pixel is grey (black text), a palette
    when at most 256 colours occur, else full colour."""
    from PIL import Image
    rgba = px if px.shape[-1] == 4 else np.concatenate(
        [px, np.full((*px.shape[:2], 1), 255, np.uint8)], axis=-1)
    if (px[..., 0] == px[..., 1]).all() and (px[..., 1] == px[..., 2]).all():
        grey = rgba[..., [0, 3]] if px.shape[-1] == 4 else px[..., 0]
        image = Image.fromarray(np.ascontiguousarray(grey))
    else:
        colors, index = np.unique(rgba.view(np.uint32)[..., 0], return_inverse=True)
        if len(colors) <= 256:
            table = colors.view(np.uint8).reshape(-1, 4)
            image = Image.fromarray(index.reshape(px.shape[:2]).astype(np.uint8), "P")
            image.putpalette(table[:, :3].ravel().tolist())
            if (table[:, 3] < 255).any():
                image.info["transparency"] = table[:, 3].tobytes()
        else:
            image = Image.fromarray(px)
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)
    return "image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
