"""Differential tests of the element-wise math, logical and data-movement ops."""
import numpy as np
import pytest

from kernels.test_ops import binary, check, unary
from tinyrt.builder import ModelBuilder


@pytest.mark.parametrize("op", ["ABS", "NEG", "CEIL", "FLOOR", "ROUND", "SQRT", "RSQRT",
                                "SQUARE", "SIN", "COS", "EXP", "LOG"])
def test_unary_float(op):
    # SQRT/RSQRT/LOG of negative inputs give NaN in both; NaN compares equal here. sinf, cosf,
    # expf and logf of the C library are not always correctly rounded: 1 ulp allowed for them.
    check(unary(op, (3, 17), np.float32), ulps=1 if op in ("SIN", "COS", "EXP", "LOG") else 0)


@pytest.mark.parametrize("op", ["LOGICAL_AND", "LOGICAL_OR"])
def test_logical_binary(op):
    check(binary(op, (2, 1, 4), (3, 1), (2, 3, 4), np.bool_))


def test_logical_not_select_and_zeros_like():
    b = ModelBuilder()
    c = b.add_input("c", (2, 3), np.bool_)
    x = b.add_input("x", (2, 3), np.float32)
    z = b.add_input("z", (1, 3), np.float32)
    n = b.add_tensor("n", (2, 3), np.bool_)
    b.add_operator("LOGICAL_NOT", [c], [n])
    s = b.add_tensor("s", (2, 3), np.float32)
    b.add_operator("SELECT_V2", [n, x, z], [s])
    zl = b.add_tensor("zl", (2, 3), np.float32)
    b.add_operator("ZEROS_LIKE", [s], [zl])
    b.mark_output(s)
    b.mark_output(zl)
    check(b.build())
