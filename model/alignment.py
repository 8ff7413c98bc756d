"""Five-point similarity alignment to the standard 112x112 ArcFace template.

The same function serves training (building the crop cache) and inference, so the network
always sees faces framed the same way.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

CROP_SIZE = 112

# Left eye, right eye, nose tip, left mouth corner, right mouth corner (as seen in the image).
ARCFACE_TEMPLATE = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ],
    dtype=np.float64,
)


def similarity_transform(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares similarity (rotation, uniform scale, translation) mapping src to dst.

    Umeyama's method; returns a 2x3 matrix M with dst ~= M @ [x, y, 1].
    """
    src = np.asarray(src, dtype=np.float64)
    dst = np.asarray(dst, dtype=np.float64)
    src_mean, dst_mean = src.mean(axis=0), dst.mean(axis=0)
    src_c, dst_c = src - src_mean, dst - dst_mean
    cov = dst_c.T @ src_c / len(src)
    u, s, vt = np.linalg.svd(cov)
    d = np.ones(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        d[-1] = -1
    rotation = u @ np.diag(d) @ vt
    src_var = (src_c**2).sum() / len(src)
    scale = (s * d).sum() / src_var if src_var > 0 else 1.0
    translation = dst_mean - scale * rotation @ src_mean
    return np.hstack([scale * rotation, translation[:, None]])


def align_face(image: np.ndarray, landmarks: np.ndarray, size: int = CROP_SIZE) -> np.ndarray:
    """Warp the face with these 5 landmarks (image pixels) to a size x size aligned crop."""
    template = ARCFACE_TEMPLATE * (size / CROP_SIZE)
    matrix = similarity_transform(landmarks, template)
    # Pillow's AFFINE maps output pixels back to input pixels, so pass the inverse.
    inverse = np.linalg.inv(np.vstack([matrix, [0.0, 0.0, 1.0]]))[:2]
    # Only the region the crop samples becomes a Pillow image (with a 2-pixel margin for bilinear): converting a
    # whole 12-megapixel photo for each face took longer than detecting its faces.
    corners = inverse @ np.array([[0, size, 0, size], [0, 0, size, size], [1, 1, 1, 1]], np.float64)
    h, w = image.shape[:2]
    x0, y0 = (max(0, int(np.floor(v)) - 2) for v in corners.min(axis=1))
    x1, y1 = min(w, int(np.ceil(corners[0].max())) + 2), min(h, int(np.ceil(corners[1].max())) + 2)
    if x1 <= x0 or y1 <= y0:  # the landmarks lie outside the photo: nothing to sample
        return np.zeros((size, size, *image.shape[2:]), np.uint8)
    inverse[:, 2] -= (x0, y0)  # the crop's pixel (0, 0) is the photo's (x0, y0)
    warped = Image.fromarray(image[y0:y1, x0:x1]).transform(
        (size, size), Image.Transform.AFFINE, inverse.ravel().tolist(), resample=Image.Resampling.BILINEAR
    )
    return np.asarray(warped, dtype=np.uint8)


def center_crop_fallback(image: np.ndarray, size: int = CROP_SIZE) -> np.ndarray:
    """A centred square crop resized to size x size, for images where no face is detected."""
    h, w = image.shape[:2]
    side = min(h, w)
    top, left = (h - side) // 2, (w - side) // 2
    square = Image.fromarray(image[top : top + side, left : left + side])
    return np.asarray(square.resize((size, size), Image.Resampling.BILINEAR), dtype=np.uint8)
