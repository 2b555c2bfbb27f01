"""TFLite's int16 LOGISTIC and TANH (reference_integer_ops), shared by the int16 activation
kernels and the quantized LSTM's gates: a 256-entry sigmoid table read with linear
interpolation, on inputs rescaled to Q3.12 (or by an explicit multiplier and left shift)."""
import numpy as np

from . import libm, quant

INT16_MIN, INT16_MAX = -32768, 32767

# TFLite's sigmoid table for its int16 logistic and tanh: sigmoid(k / 24) in unsigned Q0.16
# (tanh(x) = 2 sigmoid(2x) - 1 reads the same table).
_SIGMOID_TABLE = np.array([
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794,
    41432, 42064, 42688, 43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443,
    48964, 49475, 49975, 50464, 50942, 51409, 51865, 52311, 52745, 53169, 53581, 53983, 54374,
    54755, 55125, 55485, 55834, 56174, 56503, 56823, 57133, 57433, 57724, 58007, 58280, 58544,
    58800, 59048, 59288, 59519, 59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110, 61279,
    61441, 61599, 61750, 61896, 62036, 62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990,
    63090, 63186, 63279, 63368, 63454, 63536, 63615, 63691, 63765, 63835, 63903, 63968, 64030,
    64090, 64148, 64204, 64257, 64308, 64357, 64405, 64450, 64494, 64536, 64576, 64614, 64652,
    64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900, 64926, 64950, 64974, 64997, 65019,
    65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179, 65194, 65208, 65221, 65234,
    65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337, 65345, 65352, 65360,
    65367, 65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425, 65429, 65433,
    65438, 65442, 65445, 65449, 65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474, 65476,
    65479, 65481, 65483, 65485, 65488, 65489, 65491, 65493, 65495, 65497, 65498, 65500, 65501,
    65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513, 65514, 65515, 65516,
    65517, 65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524,
    65525, 65525, 65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529,
    65529, 65530, 65530, 65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532,
    65532, 65532, 65532, 65533, 65533, 65533, 65533, 65533, 65533, 65533, 65533, 65534, 65534,
    65534, 65534, 65534, 65534, 65534, 65534, 65534, 65534, 65535], np.int64)


def _scaled_input(x, multiplier, left_shift):
    """The int16 logistic/tanh input rescale: a zero multiplier means 3 << left_shift."""
    if multiplier == 0:
        multiplier, left_shift = 3 << left_shift, 0
    rounding = (1 << (left_shift - 1)) if left_shift > 0 else 0
    return quant.wrap_int32(x * multiplier + rounding) >> left_shift


def int16_logistic(x, multiplier=0, left_shift=0):
    """TFLite's reference int16 LOGISTIC (reference_integer_ops::Logistic): int16 values in,
    Q0.15 out; with the defaults, the input is Q3.12."""
    v = _scaled_input(np.asarray(x, np.int64), multiplier, left_shift)
    a = np.abs(v)
    k = np.minimum(a >> 9, 254)
    lo, hi = _SIGMOID_TABLE[k], _SIGMOID_TABLE[k + 1]
    r = np.where(a >> 9 >= 255, 0x7FFF << 10, (lo << 9) + (a & 0x1FF) * (hi - lo))
    return np.where(v >= 0, r + (1 << 9), (1 << 25) - r + (1 << 9) - 1) >> 10


def int16_tanh(x, multiplier=0, left_shift=0):
    """TFLite's reference int16 TANH (reference_integer_ops::Tanh): int16 values in, Q0.15
    out; with the defaults, the input is Q3.12."""
    v = _scaled_input(np.asarray(x, np.int64), multiplier, left_shift)
    a = np.abs(v)
    k = np.minimum(a >> 8, 254)
    lo, hi = _SIGMOID_TABLE[k], _SIGMOID_TABLE[k + 1]
    r = np.where(a >> 8 >= 255, 0xFFFF << 8, (lo << 8) + (a & 0xFF) * (hi - lo))
    return np.where(v >= 0, r - (1 << 23) + (1 << 7), -r + (1 << 23) + (1 << 7) - 1) >> 8


def int16_table(fn, *args):
    """fn on every int16 value, indexed by value + 32768."""
    return fn(np.arange(INT16_MIN, INT16_MAX + 1, dtype=np.int64), *args).astype(np.int16)


def _float32_log2(x):
    """log2 of a float32 as TFLite's CheckedLog2 computes it: logf(x) times 1 / logf(2)."""
    f32 = np.float32
    logs = libm.logf(np.array([x, 2], f32))
    return f32(logs[0]) * (f32(1) / f32(logs[1]))


def checked_log2(x):
    """TFLite's CheckedLog2 result: the float32 log2, rounded half away from zero."""
    return int(quant.round_half_away(float(_float32_log2(x))))


def log2_is_integer(x):
    """CheckedLog2's verdict: the float32 log2 lies within 1e-3 of an integer (False for zero,
    negative, infinite or NaN ``x``)."""
    if not (np.isfinite(x) and x > 0):
        return False
    log2 = _float32_log2(x)
    return bool(abs(log2 - np.float32(quant.round_half_away(float(log2)))) < np.float32(1e-3))
