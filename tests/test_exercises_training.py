"""Training in practice: the self-checks, right answers derived by hand, each hint."""

from __future__ import annotations

import math

import numpy as np

from cnnlib import random as cnn_random
from cnnlib.exercises import check, exercises


def test_the_chapters_checks_are_registered():
    assert exercises("train-") == ["train-ex-1", "train-ex-2a", "train-ex-2b", "train-ex-5"]


def test_digits_cnn_parameters_by_hand():
    # conv 16 (1*9 + 1) = 160, BN 2*16 = 32, conv 32 (16*9 + 1) = 4,640, BN 2*32 = 64,
    # linear 64 (128 + 1) = 8,256, linear 10 (64 + 1) = 650
    total = 160 + 32 + 4640 + 64 + 8256 + 650
    assert total == 13802
    assert check("train-ex-1", total).correct
    assert "BatchNorm" in check("train-ex-1", total - 32 - 64).message
    # the state_dict adds running_mean and running_var (16 + 32, twice) and two counters
    assert "buffers" in check("train-ex-1", total + 2 * (16 + 32) + 2).message
    assert "buffers" in check("train-ex-1", total + 2 * (16 + 32)).message
    assert "biases" in check("train-ex-1", total - (16 + 32 + 64 + 10)).message
    # forgetting the second pooling: 32 * 4 * 4 = 512 inputs to the first linear layer
    assert "2 · 2 inputs" in check("train-ex-1", total - 8256 + 512 * 64 + 64).message
    assert check("train-ex-1", 13800).verdict == "close"
    assert check("train-ex-1", 14000).verdict == "wrong"
    assert check("train-ex-1", None).verdict == "missing"


def test_the_check_leaves_cnnlibs_seed_alone():
    before = cnn_random.manual_seed(5).bit_generator.state
    check("train-ex-1", 1)
    assert cnn_random.default_generator().bit_generator.state == before


def test_batch_norm_output_by_hand():
    # mean 2, biased variance (1 + 1 + 1 + 9) / 4 = 3: (x - 2) / sqrt(3 + 1e-5)
    s = math.sqrt(3 + 1e-5)
    exact = [-1 / s, -1 / s, -1 / s, 3 / s]
    assert check("train-ex-2a", exact).correct
    assert check("train-ex-2a", [-0.577, -0.577, -0.577, 1.732]).correct   # rounded
    assert check("train-ex-2a", [-1 / math.sqrt(3)] * 3 + [3 / math.sqrt(3)]).correct
    assert "unbiased" in check("train-ex-2a", [-0.5, -0.5, -0.5, 1.5]).message  # sqrt(12/3)
    assert "square root" in check("train-ex-2a", [-1 / 3, -1 / 3, -1 / 3, 1.0]).message
    assert "only subtracts" in check("train-ex-2a", [-1, -1, -1, 3]).message
    assert "evaluation mode" in check("train-ex-2a", [1, 1, 1, 5]).message
    assert check("train-ex-2a", [-0.58, -0.58, -0.58, 1.75]).verdict == "close"
    assert "shape (4,)" in check("train-ex-2a", [-0.577, 1.732]).message


def test_running_statistics_by_hand():
    # mean: 0.9 * 0 + 0.1 * 2; var: 0.9 * 1 + 0.1 * (12 / 3)
    assert check("train-ex-2b", [0.2, 1.3]).correct
    assert "unbiased" in check("train-ex-2b", [0.2, 0.9 + 0.1 * 3]).message
    assert "10 %" in check("train-ex-2b", [2, 4]).message
    assert "starts at 1" in check("train-ex-2b", [0.2, 0.4]).message
    assert "other way round" in check("train-ex-2b", [1.8, 0.1 + 0.9 * 4]).message
    assert check("train-ex-2b", [0.2, 1.31]).verdict == "close"


def test_sample_size_by_hand():
    p = 356 / 360
    n = 1.96 ** 2 * p * (1 - p) / 0.005 ** 2              # 1688.4
    assert 1688 < n < 1689
    for answer in (n, 1688, 1689):                          # rounded either way
        assert check("train-ex-5", answer).correct, answer
    assert "z = 1," in check("train-ex-5", round(p * (1 - p) / 0.005 ** 2)).message
    assert "z = 2" in check("train-ex-5", 4 * p * (1 - p) / 0.005 ** 2).message
    assert "Square z" in check("train-ex-5", 1.96 * p * (1 - p) / 0.005 ** 2).message
    assert "worst case" in check("train-ex-5", 1.96 ** 2 * 0.25 / 0.005 ** 2).message
    assert "half-width" in check("train-ex-5", 4 * n).message
    assert check("train-ex-5", 1700).verdict == "close"
    assert check("train-ex-5", 360).message.startswith("Solve")
    assert not check("train-ex-5", np.ceil(n) + 2).correct
