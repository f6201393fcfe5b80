"""Chapter 13 (Transfer learning)'s self-checks: right answers derived by hand, each hint."""

from __future__ import annotations

import numpy as np

from cnnlib.exercises import check, exercises

# ResNet-18's layer4, by hand (no convolution biases):
# block 1: 3x3 256->512, 3x3 512->512, 1x1 256->512 downsample, three BatchNorms
BLOCK1 = 9 * 256 * 512 + 9 * 512 * 512 + 256 * 512 + 3 * 2 * 512        # 3,673,088
# block 2: two 3x3 512->512 and two BatchNorms
BLOCK2 = 2 * 9 * 512 * 512 + 2 * 2 * 512                                  # 4,720,640
LAYER4 = BLOCK1 + BLOCK2                                                  # 8,393,728
HEAD = 512 * 5 + 5                                                        # 2,565


def test_both_exercises_are_registered():
    assert exercises("transfer-ex-") == ["transfer-ex-1", "transfer-ex-2"]


def test_top_layers_count_by_hand():
    assert LAYER4 == 8_393_728
    assert check("transfer-ex-1", LAYER4 + HEAD).correct
    assert check("transfer-ex-1", 8_396_293).correct
    assert check("transfer-ex-1", None).verdict == "missing"


def test_top_layers_mistakes_get_their_hints():
    assert "layer4 alone" in check("transfer-ex-1", LAYER4).message
    assert "1000-class" in check("transfer-ex-1", LAYER4 + 512 * 1000 + 1000).message
    assert "no biases" in check("transfer-ex-1", LAYER4 + HEAD + 5 * 512).message
    assert "BatchNorms are missing" in check("transfer-ex-1",
                                             LAYER4 + HEAD - 5 * 2 * 512).message
    assert "downsample" in check("transfer-ex-1",
                                 LAYER4 + HEAD - (256 * 512 + 2 * 512)).message
    # every parameter of the 5-class network: 11,689,512 - 513,000 + 2,565
    assert "every parameter" in check("transfer-ex-1", 11_689_512 - 513_000 + HEAD).message
    assert check("transfer-ex-1", 12).verdict == "wrong"


def _batch_means() -> np.ndarray:
    # Independent of cnnlib: the exercise's batch, and its per-channel means.
    rng = np.random.default_rng(0)
    batch = 5 + rng.standard_normal((8, 3, 4, 4)).astype(np.float32)
    return batch.astype(float).mean(axis=(0, 2, 3))


def test_running_mean_after_one_batch_by_hand():
    # running = (1 - 0.1) * 0 + 0.1 * batch mean, per channel
    means = _batch_means()
    assert check("transfer-ex-2", 0.1 * means).correct
    assert check("transfer-ex-2", [0.487, 0.512, 0.491]).correct    # as the solution prints
    assert check("transfer-ex-2", np.round(0.1 * means, 2)).verdict in ("close", "right")


def test_running_mean_mistakes_get_their_hints():
    means = _batch_means()
    assert "buffers" in check("transfer-ex-2", [0.0, 0.0, 0.0]).message
    assert "batch's mean itself" in check("transfer-ex-2", means).message
    assert "weight of the new batch" in check("transfer-ex-2", 0.9 * means).message
    assert "drawn around" in check("transfer-ex-2", [0.5, 0.5, 0.5]).message
    assert "shape (3,)" in check("transfer-ex-2", 0.49).message
