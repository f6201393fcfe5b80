"""The self-checks of *Transposed convolution and upsampling*: right answers
derived by hand, and each recognised mistake's hint."""

from __future__ import annotations

from cnnlib.exercises import check, exercises


def test_registered():
    assert exercises("transp-ex") == ["transp-ex-1", "transp-ex-2", "transp-ex-3",
                                      "transp-ex-4a", "transp-ex-4b"]


def test_output_size_by_hand():
    # (5 - 1)·2 - 2·1 + 3 + 1 = 10
    assert check("transp-ex-1", 10).correct
    assert "output_padding" in check("transp-ex-1", 9).message
    assert "ordinary convolution" in check("transp-ex-1", 3).message
    assert "2p, not p" in check("transp-ex-1", 11).message
    assert "i - 1" in check("transp-ex-1", 12).message


def test_stamps_by_hand():
    # 1·[1, 2, 3] at 0..2 plus 2·[1, 2, 3] at 2..4: [1, 2, 3 + 2, 4, 6]
    assert check("transp-ex-2", [1, 2, 5, 4, 6]).correct
    # flipped kernel [3, 2, 1]: [3, 2, 1 + 6, 4, 2]
    assert "flipped" in check("transp-ex-2", [3, 2, 7, 4, 2]).message
    # second stamp overwrites cell 2: [1, 2, 2, 4, 6]
    assert "add" in check("transp-ex-2", [1, 2, 2, 4, 6]).message
    assert "shape (5,)" in check("transp-ex-2", [1, 2, 5, 4]).message


def test_overlap_by_hand():
    # starts 0, 2, 4, 6, five cells each
    assert check("transp-ex-3", [1, 1, 2, 2, 3, 2, 3, 2, 2, 1, 1]).correct
    assert not check("transp-ex-3", [1, 1, 2, 2, 3, 3, 3, 2, 2, 1, 1]).correct


def test_interpolation_by_hand():
    # align_corners=False: sources (j + 0.5)·0.4 - 0.5 = -0.3 -> 0, 0.1, 0.5, 0.9, 1.3 -> 1
    assert check("transp-ex-4a", [0, 0.1, 0.5, 0.9, 1]).correct
    assert "align_corners=True" in check("transp-ex-4a", [0, 0.25, 0.5, 0.75, 1]).message
    # nearest: floor(j·0.4) = 0, 0, 0, 1, 1
    assert "nearest" in check("transp-ex-4a", [0, 0, 0, 1, 1]).message
    # align_corners=True: sources j/4
    assert check("transp-ex-4b", [0, 0.25, 0.5, 0.75, 1]).correct
    assert check("transp-ex-4b", [0, 0.25, 0.5, 0.76, 1]).verdict == "close"
    assert "align_corners=False" in check("transp-ex-4b", [0, 0.1, 0.5, 0.9, 1]).message
    assert check("transp-ex-4b", None).verdict == "missing"
    assert "shape (5,)" in check("transp-ex-4a", [0, 0.25, 0.75, 1]).message
