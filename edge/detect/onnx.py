"""ONNX plate detectors in onnxruntime.

Two output formats are in use and are told apart by the model's own signature:
- Ultralytics raw YOLO: one output [1, 4 + classes, N] of (cx, cy, w, h, class scores...), NMS here.
- "end2end" (open-image-models YOLOv9): NMS inside, output [K, 7] of (batch, x1, y1, x2, y2, class, score).
Both take a letterboxed RGB image scaled to [0, 1], NCHW float32.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from edge.errors import EdgeError
from edge.models.runtime import Optimization, session_options
from edge.types import Box, Image, PlateBox

log = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float32]


class PlateDetector(Protocol):
    name: str

    def predict(self, image: Image) -> list[PlateBox]:
        """Plates in a BGR image, boxes in that image's pixel coordinates."""
        ...


def letterbox(image: Image, size: tuple[int, int]) -> tuple[FloatArray, float, tuple[float, float]]:
    """Resize keeping aspect into (height, width), pad with 114, -> NCHW RGB float32 in [0, 1]."""
    h, w = image.shape[:2]
    th, tw = size
    r = min(th / h, tw / w)
    nw, nh = round(w * r), round(h * r)
    resized = cv2.resize(image, (nw, nh), interpolation=cv2.INTER_LINEAR) if (nw, nh) != (w, h) else image
    dw, dh = (tw - nw) / 2, (th - nh) / 2
    top, left = round(dh - 0.1), round(dw - 0.1)
    # The grey canvas is made in float32 at once and only the resized image converted into it: a gate
    # region is often a strip, and converting the whole uint8 canvas (cv2.dnn.blobFromImage, as
    # before) cost twice as much (0.43 against 0.20 ms for a 1100 x 250 region). Each value is
    # float32(pixel) x float32(1/255), bit for bit what blobFromImage gives.
    scale = np.float32(1.0 / 255.0)
    tensor = np.full((1, 3, th, tw), np.float32(114) * scale, np.float32)
    rgb = cv2.cvtColor(resized, cv2.COLOR_BGR2RGB).astype(np.float32)
    rgb *= scale
    tensor[0, :, top : top + nh, left : left + nw] = rgb.transpose(2, 0, 1)
    return tensor, r, (float(left), float(top))


def nms(boxes: FloatArray, scores: FloatArray, iou: float) -> list[int]:
    """Greedy non-maximum suppression over xyxy boxes; indices kept, best first."""
    order = np.argsort(-scores)
    keep: list[int] = []
    areas = np.maximum(0, boxes[:, 2] - boxes[:, 0]) * np.maximum(0, boxes[:, 3] - boxes[:, 1])
    while order.size:
        i = int(order[0])
        keep.append(i)
        rest = order[1:]
        xx1 = np.maximum(boxes[i, 0], boxes[rest, 0])
        yy1 = np.maximum(boxes[i, 1], boxes[rest, 1])
        xx2 = np.minimum(boxes[i, 2], boxes[rest, 2])
        yy2 = np.minimum(boxes[i, 3], boxes[rest, 3])
        inter = np.maximum(0, xx2 - xx1) * np.maximum(0, yy2 - yy1)
        overlap = inter / np.maximum(areas[i] + areas[rest] - inter, 1e-9)
        order = rest[overlap <= iou]
    return keep


class OnnxBoxDetector:
    """Run an ONNX object detector; the output adapter is chosen from the model's signature.

    `classes`: the class indices that count (None: every class); a raw model's score is the best of
    those classes' columns, an end2end model's rows of other classes are dropped. `kind` names what
    is detected in error messages ("plate detector", "vehicle detector").

    `large_size` > 0 with `large_above` > 0: an image whose longer side exceeds `large_above` pixels is
    letterboxed to a `large_size` square instead of the model's own size, on a model whose input size
    is free (a fixed-size model takes its own size always, and says so once at load). A gate region
    nearly as wide as the frame (a busy road) is shrunk about 3.3 times into 384 px, and a 60-px plate
    in it reaches the model at 18 px, smaller than it boxes whole.
    """

    kind = "detector"

    def __init__(
        self,
        path: Path | str,
        *,
        score_threshold: float = 0.4,
        nms_iou: float = 0.2,
        threads: int = 1,
        spinning: bool = False,
        optimization: Optimization = "all",
        providers: list[str] | None = None,
        imgsz: int | None = None,
        classes: list[int] | None = None,
        large_above: int = 0,
        large_size: int = 0,
    ):
        self.path = Path(path)
        self.classes = classes
        self.name = self.path.stem
        self.score_threshold = score_threshold
        self.nms_iou = nms_iou
        try:
            self.session = ort.InferenceSession(
                str(self.path),
                sess_options=session_options(threads, spinning=spinning, optimization=optimization),
                providers=providers or ["CPUExecutionProvider"],
            )
        except Exception as exc:  # onnxruntime raises several unrelated types for a bad file
            raise EdgeError(f"{self.path}: cannot load {self.kind}: {exc}") from exc
        inp = self.session.get_inputs()[0]
        self.input_name = inp.name
        self.size = self._input_size(inp.shape, imgsz)
        free = not all(isinstance(d, int) for d in inp.shape[2:4])
        self.large: tuple[int, tuple[int, int]] | None = None
        if large_above > 0 and large_size > 0:
            if free:
                self.large = (large_above, (large_size, large_size))
            else:
                log.warning(
                    "%s: input size fixed at %s; images larger than %d px are not letterboxed to %d "
                    "(detector.large_size needs a model with a free input size)",
                    self.path,
                    self.size,
                    large_above,
                    large_size,
                )
        outputs = self.session.get_outputs()
        shape = outputs[0].shape
        if len(outputs) == 1 and len(shape) == 2 and shape[-1] == 7:
            self.format = "end2end"
        elif len(shape) == 3 and isinstance(shape[1], int) and shape[1] >= 5:
            self.format = "yolo-raw"
        else:
            raise EdgeError(
                f"{self.path}: unsupported detector output {outputs[0].name} {shape}: expected Ultralytics raw "
                "[1, 4+classes, N] or end2end [K, 7]"
            )
        log.info("detector %s: format %s, input %s", self.name, self.format, self.size)
        self._check_classes()

    def _check_classes(self) -> None:
        """Hook for subclasses: choose or check `classes` once the session is loaded."""

    def _input_size(self, shape: list[object], imgsz: int | None) -> tuple[int, int]:
        h, w = shape[2], shape[3]
        if isinstance(h, int) and isinstance(w, int):
            return h, w
        meta = self.session.get_modelmeta().custom_metadata_map
        size = imgsz or int(meta.get("imgsz", "384").strip("[]").split(",")[0])
        return size, size

    def canvas(self, image: Image) -> tuple[int, int]:
        """The (height, width) `image` is letterboxed to: the model's size, or `large_size` for a
        large image (see the class docstring)."""
        if self.large is not None and max(image.shape[:2]) > self.large[0]:
            return self.large[1]
        return self.size

    @property
    def n_classes(self) -> int | None:
        """Class columns of a raw model's output (None for end2end: its class is a row value)."""
        shape = self.session.get_outputs()[0].shape
        return int(shape[1]) - 4 if self.format == "yolo-raw" else None

    def boxes(self, image: Image) -> list[tuple[Box, float]]:
        """Boxes (in `image`'s pixels) and scores of the counted classes, after NMS, best first."""
        tensor, ratio, (pad_x, pad_y) = letterbox(image, self.canvas(image))
        out = self.session.run(None, {self.input_name: tensor})[0]
        if self.format == "end2end":
            rows = np.asarray(out, np.float32).reshape(-1, 7)
            if self.classes is not None:
                rows = rows[np.isin(rows[:, 5].astype(np.int64), self.classes)]
            boxes = rows[:, 1:5]
            scores = rows[:, 6]
            keep = np.nonzero(scores >= self.score_threshold)[0]
            boxes, scores = boxes[keep], scores[keep]
        else:
            pred = np.asarray(out, np.float32)[0].T  # (N, 4 + classes)
            cols = pred[:, 4:] if self.classes is None else pred[:, [4 + c for c in self.classes]]
            scores = cols.max(axis=1)
            keep = np.nonzero(scores >= self.score_threshold)[0]
            cxcywh, scores = pred[keep, :4], scores[keep]
            boxes = np.empty_like(cxcywh)
            boxes[:, 0] = cxcywh[:, 0] - cxcywh[:, 2] / 2
            boxes[:, 1] = cxcywh[:, 1] - cxcywh[:, 3] / 2
            boxes[:, 2] = cxcywh[:, 0] + cxcywh[:, 2] / 2
            boxes[:, 3] = cxcywh[:, 1] + cxcywh[:, 3] / 2
            idx = nms(boxes, scores, self.nms_iou)
            boxes, scores = boxes[idx], scores[idx]
        h, w = image.shape[:2]
        result: list[tuple[Box, float]] = []
        for (x1, y1, x2, y2), score in zip(boxes, scores, strict=True):
            bx = Box(
                float(np.clip((x1 - pad_x) / ratio, 0, w)),
                float(np.clip((y1 - pad_y) / ratio, 0, h)),
                float(np.clip((x2 - pad_x) / ratio, 0, w)),
                float(np.clip((y2 - pad_y) / ratio, 0, h)),
            )
            if bx.width >= 2 and bx.height >= 2:
                result.append((bx, float(score)))
        return result


class OnnxPlateDetector(OnnxBoxDetector):
    """An ONNX plate detector (every class of the model counts as a plate)."""

    kind = "plate detector"

    def predict(self, image: Image) -> list[PlateBox]:
        return [PlateBox(box, score) for box, score in self.boxes(image)]
