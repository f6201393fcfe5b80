"""cnnlib.images: decode, scale, normalise, transpose, batch, describe, translate.

Expected values come from hand examples, from Pillow writing a file whose
pixels we chose, from cnnlib.data.sample_photo (decoded by matplotlib), and
from loops that index pixel by pixel.
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from cnnlib.data import sample_photo
from cnnlib.images import (
    IMAGENET_MEAN,
    IMAGENET_STD,
    channel_stats,
    chw_to_hwc,
    decode_image,
    denormalize,
    describe,
    hwc_to_chw,
    normalize,
    sample_photo_bytes,
    to_float,
    to_nchw,
    translate,
)


def _png(pixels: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="png")
    return buffer.getvalue()


# ------------------------------------------------------------------ decoding
def test_photo_bytes_are_a_jpeg_file():
    data = sample_photo_bytes()
    assert data[:3] == b"\xff\xd8\xff" and data[-2:] == b"\xff\xd9"   # start and end markers


def test_decoded_photo_matches_sample_photo():
    pixels = decode_image(sample_photo_bytes())
    assert pixels.dtype == np.uint8 and pixels.shape == (600, 512, 3)
    np.testing.assert_array_equal(to_float(pixels, np.float64), sample_photo())


def test_png_round_trip_rgb_and_grey():
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 256, size=(5, 7, 3), dtype=np.uint8)
    np.testing.assert_array_equal(decode_image(_png(rgb)), rgb)
    grey = rng.integers(0, 256, size=(4, 3), dtype=np.uint8)
    got = decode_image(_png(grey))
    assert got.shape == (4, 3, 1)
    np.testing.assert_array_equal(got[:, :, 0], grey)


def test_decode_rejects_what_is_not_an_image():
    with pytest.raises(ValueError, match="decode_image: data must be a JPEG or PNG file"):
        decode_image(b"GIF89a....")
    with pytest.raises(TypeError, match="decode_image: data must be bytes, got str"):
        decode_image("photo.jpg")


# ------------------------------------------------------------------ to_float
def test_to_float_by_hand():
    got = to_float(np.array([[0, 51], [102, 255]], dtype=np.uint8), np.float64)
    np.testing.assert_allclose(got, [[0.0, 0.2], [0.4, 1.0]], rtol=0, atol=1e-15)
    assert got.dtype == np.float64
    assert to_float(np.zeros(3, np.uint8)).dtype == np.float32


def test_to_float_refuses_non_uint8():
    with pytest.raises(TypeError, match="to_float: image must be a uint8 array.*float64"):
        to_float(np.zeros(3))
    with pytest.raises(TypeError, match="to_float: dtype must be a floating type"):
        to_float(np.zeros(3, np.uint8), dtype=np.int32)


# ------------------------------------------------------- channel statistics
def test_channel_stats_by_hand():
    # channel 0 holds 1, 2, 3, 6 -> mean 3, variance (4 + 1 + 0 + 9) / 4 = 3.5
    x = np.array([[[1.0, 0.0], [2.0, 0.0]], [[3.0, 0.0], [6.0, 4.0]]])   # (H, W, C) = (2, 2, 2)
    mean, std = channel_stats(x)
    np.testing.assert_allclose(mean, [3.0, 1.0])
    np.testing.assert_allclose(std, [np.sqrt(3.5), np.sqrt(3.0)])


def test_channel_stats_of_float32_are_accurate():
    # 300,000 pixels: a float32 accumulator would drift in the third decimal
    x = to_float(decode_image(sample_photo_bytes()))
    mean, std = channel_stats(x)
    assert mean.dtype == np.float32
    want = x.astype(np.float64).reshape(-1, 3)
    np.testing.assert_allclose(mean, want.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(std, want.std(axis=0), rtol=1e-6)


@pytest.mark.parametrize("channel_axis, layout", [(-1, "hwc"), (0, "chw"), (1, "nchw")])
def test_normalize_with_own_stats_gives_zero_mean_unit_std(channel_axis, layout):
    rng = np.random.default_rng(2)
    shape = {"hwc": (5, 6, 3), "chw": (3, 5, 6), "nchw": (2, 3, 5, 6)}[layout]
    x = rng.random(shape) * 5 + 7
    mean, std = channel_stats(x, channel_axis)
    z = normalize(x, mean, std, channel_axis)
    zm, zs = channel_stats(z, channel_axis)
    np.testing.assert_allclose(zm, 0, atol=1e-12)
    np.testing.assert_allclose(zs, 1, rtol=1e-12)


def test_normalize_matches_a_loop_over_channels():
    rng = np.random.default_rng(3)
    x = rng.random((4, 5, 3)).astype(np.float32)
    got = normalize(x, IMAGENET_MEAN, IMAGENET_STD)
    assert got.dtype == np.float32
    for c in range(3):
        want = (x[:, :, c] - np.float32(IMAGENET_MEAN[c])) / np.float32(IMAGENET_STD[c])
        np.testing.assert_allclose(got[:, :, c], want, rtol=1e-6)


def test_normalize_commutes_with_the_transpose():
    x = np.random.default_rng(4).random((4, 5, 3))
    a = hwc_to_chw(normalize(x, IMAGENET_MEAN, IMAGENET_STD, channel_axis=-1))
    b = normalize(hwc_to_chw(x), IMAGENET_MEAN, IMAGENET_STD, channel_axis=0)
    np.testing.assert_array_equal(a, b)


def test_imagenet_range_by_hand():
    # 0 and 1 map to (0 - mean) / std and (1 - mean) / std, per channel
    z = normalize(np.array([[[0.0, 0.0, 0.0], [1.0, 1.0, 1.0]]]), IMAGENET_MEAN, IMAGENET_STD)
    assert z.min() == pytest.approx(-0.485 / 0.229)        # -2.1179, red at 0
    assert z.max() == pytest.approx((1 - 0.406) / 0.225)   #  2.64,   blue at 1


def test_denormalize_undoes_normalize():
    x = np.random.default_rng(5).random((2, 3, 4, 4))
    z = normalize(x, [0.1, 0.2, 0.3], [0.5, 1.5, 2.0], channel_axis=1)
    np.testing.assert_allclose(denormalize(z, [0.1, 0.2, 0.3], [0.5, 1.5, 2.0], 1), x)


def test_normalize_errors_name_the_argument():
    x = np.zeros((2, 2, 3))
    with pytest.raises(ValueError, match=r"normalize: mean must hold one value per channel \(3"):
        normalize(x, [0.5, 0.5], [1, 1, 1])
    with pytest.raises(ValueError, match="normalize: std must be positive"):
        normalize(x, [0, 0, 0], [1, 0, 1])
    with pytest.raises(ValueError, match="normalize: channel_axis=3 is out of range"):
        normalize(x, [0, 0, 0], [1, 1, 1], channel_axis=3)
    with pytest.raises(TypeError, match="channel_stats: channel_axis must be an int"):
        channel_stats(x, channel_axis=1.0)


# --------------------------------------------------------- layout and batch
def test_hwc_to_chw_moves_every_pixel_where_it_belongs():
    img = np.arange(4 * 5 * 3).reshape(4, 5, 3)
    chw = hwc_to_chw(img)
    assert chw.shape == (3, 4, 5) and chw.flags.c_contiguous
    for c in range(3):
        for i in range(4):
            for j in range(5):
                assert chw[c, i, j] == img[i, j, c]
    np.testing.assert_array_equal(chw_to_hwc(chw), img)


def test_layout_errors():
    with pytest.raises(ValueError, match=r"hwc_to_chw: image must be 3-D with shape \(H, W, C\)"):
        hwc_to_chw(np.zeros((1, 4, 5, 3)))
    with pytest.raises(ValueError, match=r"chw_to_hwc: image must be 3-D"):
        chw_to_hwc(np.zeros((4, 5)))
    with pytest.raises(TypeError, match="hwc_to_chw: image must be a numpy.ndarray"):
        hwc_to_chw([[1, 2]])


def test_to_nchw_single_and_many():
    a, b = np.zeros((3, 4, 5)), np.ones((3, 4, 5))
    assert to_nchw(a).shape == (1, 3, 4, 5)
    batch = to_nchw([a, b, a])
    assert batch.shape == (3, 3, 4, 5)
    np.testing.assert_array_equal(batch[1], b)


def test_to_nchw_errors():
    with pytest.raises(ValueError, match=r"to_nchw: every image must have the shape"):
        to_nchw([np.zeros((3, 4, 5)), np.zeros((3, 5, 4))])
    with pytest.raises(ValueError, match=r"to_nchw: images\[1\] must be 3-D"):
        to_nchw([np.zeros((3, 4, 5)), np.zeros((4, 5))])
    with pytest.raises(TypeError, match="to_nchw: images must be a"):
        to_nchw([])


# ------------------------------------------------------------------ describe
def test_describe_by_hand():
    assert describe(np.array([-0.5, 1.25, 2.0])) == (
        "shape (3,)  dtype float64  min -0.500  max 2  mean 0.917")
    assert describe(np.array([1e-9, -1e-9])).endswith("mean 0.000")   # never "-0.000"
    with pytest.raises(TypeError, match="describe: x must be a numpy.ndarray"):
        describe([1, 2])


# ----------------------------------------------------------------- translate
@pytest.mark.parametrize("shift", [(0, 0), (2, 1), (-1, 3), (1, -2), (-3, -1), (4, 0), (0, 9)])
def test_translate_matches_a_pixel_loop(shift):
    x = np.arange(1, 1 + 2 * 4 * 5).reshape(2, 4, 5).astype(float)
    got = translate(x, shift, fill=-1.0)
    dy, dx = shift
    for c in range(2):
        for i in range(4):
            for j in range(5):
                si, sj = i - dy, j - dx
                want = x[c, si, sj] if 0 <= si < 4 and 0 <= sj < 5 else -1.0
                assert got[c, i, j] == want


def test_translate_by_hand_and_errors():
    np.testing.assert_array_equal(
        translate(np.array([[1, 2], [3, 4]]), 1), np.array([[0, 0], [0, 1]]))
    with pytest.raises(TypeError, match="translate: shift must hold whole pixels"):
        translate(np.zeros((3, 3)), (0.5, 1))
    with pytest.raises(ValueError, match="translate: x must have at least 2 axes"):
        translate(np.zeros(3), 1)
