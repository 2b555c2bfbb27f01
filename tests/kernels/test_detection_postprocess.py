"""TFLite_Detection_PostProcess against tflite-micro: box decoding, fast and regular NMS with
tied scores and heavily overlapping boxes, background classes, several classes per detection;
every output compared bit for bit."""
import math

import numpy as np
import pytest
from flatbuffers import flexbuffers

import tinyrt
from kernels.single_op import both_fail
from oracle import tflm_interpreter
from tinyrt.builder import ModelBuilder
from tinyrt.kernels.detection_postprocess import DetectionPostProcess

BASE = dict(max_detections=10, max_classes_per_detection=1, detections_per_class=5,
            use_regular_nms=False, nms_score_threshold=0.3, nms_iou_threshold=0.5,
            num_classes=3, y_scale=10.0, x_scale=10.0, h_scale=5.0, w_scale=5.0)


def model(n, depth, opts, anchors, rows=None, dtype=np.float32, stride=4):
    b = ModelBuilder()
    q = {} if dtype == np.float32 else {"scale": 0.05, "zero_point": 0}
    bx = b.add_input("boxes", (1, n, stride), dtype, **q)
    sc = b.add_input("scores", (1, n, depth), dtype, **q)
    an = b.add_constant("anchors", np.asarray(anchors, np.float32))
    if rows is None:
        rows = opts.get("max_detections", 0) * max(1, opts.get("max_classes_per_detection", 1))
    outs = [b.add_tensor("detection_boxes", (1, rows, 4), np.float32),
            b.add_tensor("detection_classes", (1, rows), np.float32),
            b.add_tensor("detection_scores", (1, rows), np.float32),
            b.add_tensor("num_detections", (1,), np.float32)]
    b.add_operator("TFLite_Detection_PostProcess", [bx, sc, an], outs,
                   custom_options=bytes(flexbuffers.Dumps(opts)))
    for o in outs:
        b.mark_output(o)
    return b.build()


def random_anchors(rng, n, clustered):
    """[y, x, h, w] rows; clustered anchors give many overlapping boxes."""
    if clustered:
        centres = rng.uniform(0.2, 0.8, (3, 2))[rng.integers(0, 3, n)]
        centres += rng.normal(0, 0.02, (n, 2))
        sizes = rng.choice([0.1, 0.2, 0.3], (n, 2)) * rng.uniform(0.9, 1.1, (n, 2))
    else:
        centres = rng.uniform(0, 1, (n, 2))
        sizes = rng.uniform(0.05, 0.5, (n, 2))
    return np.concatenate([centres, sizes], axis=1).astype(np.float32)


def random_scores(rng, shape, ties):
    if ties:  # few distinct values, signed zeros among them
        values = np.array([-0.0, 0.0, 0.25, 0.3, 0.5, 0.75, 0.9, 1.0], np.float32)
        return values[rng.integers(0, len(values), shape)]
    return rng.uniform(0, 1, shape).astype(np.float32)


def random_encodings(rng, shape, extreme):
    enc = (rng.standard_normal(shape) * 2).astype(np.float32)
    if extreme:  # exp overflows float32 for some boxes: infinite extents, NaN overlaps
        hit = rng.random(shape[:2]) < 0.1
        enc[..., 2][hit] = 600
    return enc


def written_rows(opts, found):
    """The output rows TFLM writes: all max_detections in regular NMS; in fast NMS, with
    ``per`` classes per detection, rows per * (i * per + c) + c (its row counter advances per
    class as well as per box). Other rows keep whatever the arena held."""
    if opts.get("use_regular_nms"):
        return np.arange(opts["max_detections"])
    per = min(opts["max_classes_per_detection"], opts["num_classes"])
    i, c = np.divmod(np.arange(found), per)
    return per * (i * per + c) + c


def check(data, opts, n, depth, rng, invokes=12, ties=True, extreme=False, stride=4):
    ours = tinyrt.Interpreter(model_content=data)
    ours.allocate_tensors()
    theirs = tflm_interpreter(data)
    counts = []
    for t in range(invokes):
        enc = random_encodings(rng, (1, n, stride), extreme)
        scores = random_scores(rng, (1, n, depth), ties and t % 3 != 2)
        for it in (ours, theirs):
            it.set_input(enc, 0)
            it.set_input(scores, 1)
            it.invoke()
        found = int(theirs.get_output(3)[0])
        rows = written_rows(opts, found)
        for k in range(4):
            a, b = ours.get_output(k)[0], theirs.get_output(k)[0]
            if k < 3:
                a, b = a[rows], b[rows]
            np.testing.assert_array_equal(a.view(np.uint32), b.view(np.uint32),
                                          err_msg=f"output {k}, invoke {t}")
        counts.append(found)
    return counts


OPTION_SETS = [
    dict(),
    dict(nms_iou_threshold=0.2, nms_score_threshold=0.0),
    dict(nms_iou_threshold=1.0, max_detections=25),
    dict(max_classes_per_detection=2),
    dict(max_classes_per_detection=3, max_detections=4),
    dict(max_classes_per_detection=5),              # more than num_classes: clamped to 3
    dict(nms_score_threshold=0.75, max_detections=3),
    dict(y_scale=1, x_scale=2, h_scale=1, w_scale=3, nms_iou_threshold=0.6),
    dict(num_classes=1),
    dict(nms_score_threshold=0.9),                  # few candidates, some exactly at it
]


@pytest.mark.parametrize("regular", [False, True], ids=["fast", "regular"])
@pytest.mark.parametrize("background", [True, False], ids=["background", "no_background"])
@pytest.mark.parametrize("index", range(len(OPTION_SETS)))
def test_matches_tflite_micro(regular, background, index):
    rng = np.random.default_rng(index * 4 + 2 * regular + background)
    opts = dict(BASE, **OPTION_SETS[index], use_regular_nms=regular)
    depth = opts["num_classes"] + background
    n = 40
    rows = opts["max_detections"] * max(1, opts["max_classes_per_detection"]) ** 2
    data = model(n, depth, opts, random_anchors(rng, n, clustered=index % 2 == 0), rows)
    counts = check(data, opts, n, depth, rng)
    assert max(counts) > 0


@pytest.mark.parametrize("regular", [False, True], ids=["fast", "regular"])
def test_many_boxes_and_classes(regular):
    # more candidates than TFLM's merge sort handles by insertion sort, many classes
    rng = np.random.default_rng(7 + regular)
    opts = dict(BASE, use_regular_nms=regular, num_classes=12, max_detections=30,
                detections_per_class=20, nms_score_threshold=0.25)
    n = 300
    data = model(n, 13, opts, random_anchors(rng, n, clustered=True))
    counts = check(data, opts, n, 13, rng, invokes=6)
    assert max(counts) == 30


@pytest.mark.parametrize("regular", [False, True], ids=["fast", "regular"])
def test_infinite_boxes_and_wider_encodings(regular):
    # extra values per box encoding are skipped; overflowing extents give inf/NaN overlaps
    rng = np.random.default_rng(11 + regular)
    opts = dict(BASE, use_regular_nms=regular, max_detections=8)
    n = 30
    data = model(n, 4, opts, random_anchors(rng, n, clustered=True), stride=6)
    check(data, opts, n, 4, rng, extreme=True, stride=6)


@pytest.mark.parametrize("regular", [False, True], ids=["fast", "regular"])
def test_scores_and_overlaps_exactly_at_the_thresholds(regular):
    # anchors 3 wide, 1 apart: neighbours overlap with IoU exactly 0.5, the next ones 0.2
    rng = np.random.default_rng(13 + regular)
    n = 24
    anchors = np.array([[0.5 + 2 * (k // 8), 1.5 + k % 8, 1, 3] for k in range(n)], np.float32)
    opts = dict(BASE, use_regular_nms=regular, nms_iou_threshold=0.5, nms_score_threshold=0.5,
                max_detections=12)
    data = model(n, 4, opts, anchors)
    ours = tinyrt.Interpreter(model_content=data)
    ours.allocate_tensors()
    theirs = tflm_interpreter(data)
    enc = np.zeros((1, n, 4), np.float32)
    for t in range(8):
        scores = random_scores(rng, (1, n, 4), True)
        for it in (ours, theirs):
            it.set_input(enc, 0)
            it.set_input(scores, 1)
            it.invoke()
        rows = written_rows(opts, int(theirs.get_output(3)[0]))
        for k in range(3):
            np.testing.assert_array_equal(ours.get_output(k)[0][rows],
                                          theirs.get_output(k)[0][rows])
        np.testing.assert_array_equal(ours.get_output(3), theirs.get_output(3))


def test_default_and_integer_options():
    # detections_per_class defaults to 100, use_regular_nms to off; ints read as floats
    rng = np.random.default_rng(5)
    opts = dict(max_detections=6, max_classes_per_detection=1, nms_score_threshold=0,
                nms_iou_threshold=0.5, num_classes=2, y_scale=10, x_scale=10, h_scale=5,
                w_scale=5)
    data = model(20, 3, opts, random_anchors(rng, 20, clustered=True))
    check(data, opts, 20, 3, rng, invokes=6)
    opts["use_regular_nms"] = True
    data = model(20, 3, opts, random_anchors(rng, 20, True))
    check(data, opts, 20, 3, rng, invokes=6)


def test_half_extent_rounds_as_glibc_exp():
    # exponents chosen so that 0.5 * exp(z) lands next to a float32 rounding boundary, where
    # an ulp of error in a double exp would change the float result
    rng = np.random.default_rng(3)
    mids = rng.uniform(0.01, 100, 4000).astype(np.float32).astype(np.float64)
    mids += np.spacing(mids.astype(np.float32)).astype(np.float64) / 2
    z = np.log(2 * mids) + rng.integers(-3, 4, len(mids)) * np.spacing(np.log(2 * mids))
    anchor = np.ones_like(z)
    want = np.array([np.float32(0.5 * math.exp(v) * 1.0) for v in z])
    got = DetectionPostProcess._half_extent(z, anchor)
    np.testing.assert_array_equal(got.view(np.uint32), want.view(np.uint32))


def test_quantized_inputs_are_rejected_like_tflite_micro():
    rng = np.random.default_rng(0)
    data = model(10, 4, BASE, random_anchors(rng, 10, False), dtype=np.int8)
    with pytest.raises(tinyrt.TinyrtError, match="float32"):
        tinyrt.Interpreter(model_content=data).allocate_tensors()
    theirs = tflm_interpreter(data)
    with pytest.raises(RuntimeError):
        theirs.invoke()


def test_degenerate_box_fails_at_invoke_like_tflite_micro():
    rng = np.random.default_rng(1)
    anchors = random_anchors(rng, 10, False)
    anchors[4, 2] = 0          # zero-height anchor: ymin == ymax
    data = model(10, 4, BASE, anchors)
    ours = tinyrt.Interpreter(model_content=data)
    ours.allocate_tensors()
    theirs = tflm_interpreter(data)
    enc = random_encodings(rng, (1, 10, 4), False)
    scores = random_scores(rng, (1, 10, 4), False)
    for it in (ours, theirs):
        it.set_input(enc, 0)
        it.set_input(scores, 1)
    with pytest.raises(tinyrt.TinyrtError, match="ymin >= ymax"):
        ours.invoke()
    with pytest.raises(RuntimeError):
        theirs.invoke()


@pytest.mark.parametrize("bad", [dict(nms_iou_threshold=0.0), dict(nms_iou_threshold=1.5),
                                 dict(num_classes=1), dict(max_classes_per_detection=0)])
def test_bad_options_are_rejected(bad):
    rng = np.random.default_rng(2)
    data = model(10, 4, dict(BASE, **bad), random_anchors(rng, 10, False), rows=10)
    both_fail(data, [random_encodings(rng, (1, 10, 4), False),
                     random_scores(rng, (1, 10, 4), False)])


def test_no_detections_wanted():
    rng = np.random.default_rng(6)
    opts = dict(BASE, max_detections=0)
    data = model(10, 4, opts, random_anchors(rng, 10, False), rows=3)
    assert check(data, opts, 10, 4, rng, invokes=3) == [0, 0, 0]
