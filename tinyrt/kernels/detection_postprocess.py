"""TFLite_Detection_PostProcess, the SSD detector's tail: decode box encodings against anchors,
then pick the best-scoring non-overlapping boxes by non-max suppression, class-agnostic (fast)
or per class (regular). Float32 only: TFLM's kernel rejects quantized inputs at invoke."""
import math

import numpy as np

from .. import quant
from ..model.flexbuffers import read_map
from .base import Kernel, register

f32, f64 = np.float32, np.float64


def _as_int(value, name, default=0):
    """A flexbuffer value read as TFLM's AsInt32 would (floats truncate, bools count as 0/1)."""
    if value is None:
        return default
    if not isinstance(value, (bool, int, float)) or isinstance(value, float) and \
            not math.isfinite(value):
        raise ValueError(f"option {name!r} must be a number, not {value!r}")
    return quant.wrap_int32(int(value))


def _as_float(value, name):
    """A flexbuffer value read as TFLM's AsFloat: the stored number rounded to float32."""
    if value is None:
        return f32(0)
    if not isinstance(value, (bool, int, float)):
        raise ValueError(f"option {name!r} must be a number, not {value!r}")
    with np.errstate(over="ignore"):
        return f32(float(value))


def _first(order, values):
    """``order`` sorted by decreasing ``values``, ties kept in their order: TFLM's merge sort is
    stable and its partial sort breaks ties by the lower index."""
    return order[np.argsort(-values[order], kind="stable")]


@register("TFLite_Detection_PostProcess")
class DetectionPostProcess(Kernel):
    dtypes = ("float32",)

    def init(self, options, custom_options):
        super().init(options, custom_options)
        m = read_map(custom_options, "TFLite_Detection_PostProcess options")
        try:
            self.max_detections = _as_int(m.get("max_detections"), "max_detections")
            self.max_classes_per_detection = _as_int(m.get("max_classes_per_detection"),
                                                     "max_classes_per_detection")
            self.detections_per_class = _as_int(m.get("detections_per_class"),
                                                "detections_per_class", 100)
            self.regular_nms = bool(_as_int(m.get("use_regular_nms"), "use_regular_nms"))
            self.score_threshold = _as_float(m.get("nms_score_threshold"), "nms_score_threshold")
            self.iou_threshold = _as_float(m.get("nms_iou_threshold"), "nms_iou_threshold")
            self.num_classes = _as_int(m.get("num_classes"), "num_classes")
            # y, x, h, w
            self.scales = [f64(_as_float(m.get(k), k))
                           for k in ("y_scale", "x_scale", "h_scale", "w_scale")]
        except ValueError as e:
            self.fail(str(e))

    def prepare(self, ctx):
        if len(ctx.inputs) != 3 or len(ctx.outputs) != 4 or None in ctx.inputs:
            self.fail("needs 3 inputs (box encodings, class scores, anchors) and 4 outputs")
        boxes, scores, anchors = ctx.inputs
        tensors = list(ctx.inputs) + list(ctx.outputs)
        if any(t.dtype != np.float32 for t in tensors):
            self.fail("only float32 inputs and outputs are supported (as TFLM)")
        if len(boxes.shape) != 3 or len(scores.shape) != 3 or len(anchors.shape) != 2:
            self.fail("box encodings and scores must be 3-D, anchors 2-D")
        n = boxes.shape[1]
        if boxes.shape[0] != 1 or scores.shape[0] != 1 or boxes.shape[2] < 4:
            self.fail(f"box encodings must be [1, boxes, >=4], got {list(boxes.shape)}")
        if scores.shape[1] != n:
            self.fail(f"scores {list(scores.shape)} do not match {n} boxes")
        if int(np.prod(anchors.shape)) < 4 * n:
            self.fail(f"anchors {list(anchors.shape)} hold fewer than {n} [y, x, h, w] rows")
        self.label_offset = scores.shape[2] - self.num_classes
        if self.num_classes < 1 or self.label_offset not in (0, 1):
            self.fail(f"num_classes {self.num_classes} must be the score depth "
                      f"{scores.shape[2]}, or one less (a background class)")
        if not 0 < self.iou_threshold <= 1:
            self.fail(f"nms_iou_threshold {self.iou_threshold} must be in (0, 1]")
        if self.max_detections < 0:
            self.fail("max_detections must not be negative")
        if self.regular_nms:
            if self.detections_per_class <= 0:
                self.fail("detections_per_class must be positive")
            if self.max_detections == 0:
                self.fail("regular NMS needs max_detections > 0 (TFLM's buffers would be empty)")
            self.per_detection = 1
        else:
            if self.max_classes_per_detection <= 0:
                self.fail("max_classes_per_detection must be positive")
            self.per_detection = min(self.max_classes_per_detection, self.num_classes)
        rows = self.max_detections * self.per_detection
        sizes = [int(np.prod(t.shape)) for t in ctx.outputs]
        if sizes[0] < 4 * rows or sizes[1] < rows or sizes[2] < rows or sizes[3] < 1:
            self.fail(f"outputs hold {sizes[:3]} values; {rows} detections need "
                      f"{[4 * rows, rows, rows]}")
        self.capacity = min(sizes[0] // 4, sizes[1], sizes[2])
        self.num_boxes = n
        # TFLM's scratch buffers, so that the arena is as large as TFLM's
        md, nc = self.max_detections, self.num_classes
        for nbytes in (n, 16 * n, 4 * n * scores.shape[2], 4 * n, 4 * n, 4 * md * n,
                       4 * md * n, 4 * n, 4 * md * n, 4 * max(nc, md) * n, 4 * min(n, md) * n):
            ctx.request_scratch(nbytes)

    # -- box decoding ------------------------------------------------------------------------
    @staticmethod
    def _half_extent(z, anchor):
        """float32(0.5 * exp(z) * anchor) with glibc's double exp, as TFLM computes it.

        numpy's float64 exp may differ from glibc's in the last bit, which changes the float32
        result only next to a rounding boundary: elements whose result would change within two
        ulps of numpy's exp (almost never any) are recomputed with math.exp, which is glibc's."""
        with np.errstate(over="ignore", invalid="ignore"):
            e = np.exp(z)
            out = (0.5 * e * anchor).astype(f32)
            lo = (0.5 * np.nextafter(np.nextafter(e, -np.inf), -np.inf) * anchor).astype(f32)
            hi = (0.5 * np.nextafter(np.nextafter(e, np.inf), np.inf) * anchor).astype(f32)
        for i in np.flatnonzero((lo != hi) & np.isfinite(z)):
            try:
                ei = math.exp(z[i])
            except OverflowError:
                ei = math.inf
            with np.errstate(over="ignore", invalid="ignore"):
                out[i] = f32(0.5 * ei * anchor[i])
        return out

    def _decode(self, encodings, anchors):
        n = self.num_boxes
        enc = encodings.reshape(n, -1)[:, :4].astype(f64)
        anc = anchors.reshape(-1)[:4 * n].reshape(n, 4).astype(f64)
        sy, sx, sh, sw = self.scales
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            yc = (enc[:, 0] / sy * anc[:, 2] + anc[:, 0]).astype(f32)
            xc = (enc[:, 1] / sx * anc[:, 3] + anc[:, 1]).astype(f32)
            hh = self._half_extent(enc[:, 2] / sh, anc[:, 2])
            hw = self._half_extent(enc[:, 3] / sw, anc[:, 3])
            boxes = np.stack([yc - hh, xc - hw, yc + hh, xc + hw], axis=1)  # ymin xmin ymax xmax
        if np.any((boxes[:, 0] >= boxes[:, 2]) | (boxes[:, 1] >= boxes[:, 3])):
            self.fail("a decoded box has ymin >= ymax or xmin >= xmax")
        with np.errstate(over="ignore", invalid="ignore"):
            areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
        return boxes, areas

    # -- non-max suppression -----------------------------------------------------------------
    def _suppress(self, boxes, areas, scores, limit):
        """Greedy NMS over one score column: anchor indices kept, best first. Overlaps are
        TFLM's float32 IoU (its zero for boxes without area cannot pass the threshold, so it
        needs no test here)."""
        order = _first(np.flatnonzero(scores >= self.score_threshold), scores)
        wanted = min(len(order), limit)
        y0, x0, y1, x1 = boxes[order].T.copy()
        area = areas[order]
        active = np.ones(len(order), bool)
        selected = []
        i = 0
        while len(selected) < wanted:
            rest = active[i:]
            step = int(np.argmax(rest)) if len(rest) else 0
            if not len(rest) or not rest[step]:
                break
            i += step
            selected.append(order[i])
            j = slice(i + 1, None)
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                dy = np.minimum(y1[j], y1[i]) - np.maximum(y0[j], y0[i])
                dx = np.minimum(x1[j], x1[i]) - np.maximum(x0[j], x0[i])
                inter = np.maximum(dy, f32(0)) * np.maximum(dx, f32(0))
                iou = inter / (area[i] + area[j] - inter)
            active[j] &= ~(iou > self.iou_threshold)
            i += 1
        return np.array(selected, np.int64)

    # -- eval ----------------------------------------------------------------------------------
    def eval(self, inputs, outputs):
        boxes, areas = self._decode(inputs[0], inputs[2])
        depth = inputs[1].shape[2]
        scores = inputs[1].reshape(self.num_boxes, depth)
        out_boxes = outputs[0].reshape(-1, 4)[:self.capacity]
        out_classes = outputs[1].reshape(-1)[:self.capacity]
        out_scores = outputs[2].reshape(-1)[:self.capacity]
        if self.regular_nms:
            found = self._regular(boxes, areas, scores, out_boxes, out_classes, out_scores)
        else:
            found = self._fast(boxes, areas, scores, out_boxes, out_classes, out_scores)
        outputs[3].reshape(-1)[0] = found

    def _regular(self, boxes, areas, scores, out_boxes, out_classes, out_scores):
        depth = scores.shape[1]
        kept = np.empty(0, np.int64)            # anchor * depth + score column
        kept_scores = np.empty(0, f32)
        for col in range(self.label_offset, depth):
            column = scores[:, col]
            picked = self._suppress(boxes, areas, column, self.detections_per_class)
            kept = np.concatenate([kept, picked * depth + col])
            kept_scores = np.concatenate([kept_scores, column[picked]])
            best = _first(np.arange(len(kept)), kept_scores)[:self.max_detections]
            kept, kept_scores = kept[best], kept_scores[best]
        n = len(kept)
        anchor = kept // depth
        out_boxes[:n] = boxes[anchor]
        out_classes[:n] = kept - anchor * depth - self.label_offset
        out_scores[:n] = kept_scores
        out_boxes[n:self.max_detections] = 0
        out_classes[n:self.max_detections] = 0
        out_scores[n:self.max_detections] = 0
        return n

    def _fast(self, boxes, areas, scores, out_boxes, out_classes, out_scores):
        per = self.per_detection
        class_scores = scores[:, self.label_offset:]
        ranked = np.argsort(-class_scores, axis=1, kind="stable")[:, :per]
        best = class_scores[np.arange(self.num_boxes), ranked[:, 0]]
        picked = self._suppress(boxes, areas, best, self.max_detections)
        classes = ranked[picked]                                    # [picked, per]
        # TFLM advances its output row once per class as well as once per box, so with more
        # than one class per detection the rows land at per * (i * per + c) + c; rows it
        # never reaches keep their old contents. Rows past the outputs are dropped.
        i, c = np.meshgrid(np.arange(len(picked)), np.arange(per), indexing="ij")
        rows = (per * (i * per + c) + c).reshape(-1)
        inside = rows < self.capacity
        rows = rows[inside]
        out_boxes[rows] = np.repeat(boxes[picked], per, axis=0)[inside]
        out_classes[rows] = classes.reshape(-1)[inside]
        out_scores[rows] = np.take_along_axis(class_scores[picked], classes, 1).reshape(-1)[inside]
        return len(picked) * per
