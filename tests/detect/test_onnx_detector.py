"""Both detector output formats on real trained models: raw YOLO (NMS here) and end2end (NMS inside)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from edge.detect import OnnxPlateDetector, letterbox, nms
from edge.errors import EdgeError
from edge.types import Box
from edge_tools.synth.scene import iter_frames

MODELS = Path(__file__).resolve().parents[2] / "models"
RAW = MODELS / "plate-det-v1.onnx"
E2E = MODELS / "plate-det-v1-e2e.onnx"


Frames = list[tuple[np.ndarray, list[Box], list[Box]]]


@pytest.fixture(scope="module")
def frames() -> Frames:
    """Frames of a rendered clip (not a training seed): boxes of legible-size plates, and of all plates."""
    out = []
    for i, (frame, plates) in enumerate(iter_frames(seed=90210, seconds=8, fps=10)):
        legible = [Box(*b) for _, b in plates if b[2] - b[0] >= 70]
        if legible and i % 2 == 0:
            out.append((frame, legible, [Box(*b) for _, b in plates]))
    assert len(out) >= 5
    return out


def recall(det: OnnxPlateDetector, frames: Frames) -> tuple[float, int]:
    """Share of legible plates found (IoU >= 0.5), and detections overlapping no plate at all."""
    found = total = false = 0
    for frame, legible, every in frames:
        pred = det.predict(frame)
        total += len(legible)
        found += sum(any(p.box.iou(t) >= 0.5 for p in pred) for t in legible)
        false += sum(not any(p.box.iou(t) > 0.1 for t in every) for p in pred)
    return found / total, false


def test_raw_format_detector_finds_plates() -> None:
    det = OnnxPlateDetector(RAW)
    assert det.format == "yolo-raw"


def test_raw_detector_recall_on_unseen_clip(frames: Frames) -> None:
    r, false = recall(OnnxPlateDetector(RAW), frames)
    assert r >= 0.85, r
    assert false <= len(frames)


def test_end2end_format_detector_agrees_with_raw(frames: Frames) -> None:
    raw, e2e = OnnxPlateDetector(RAW), OnnxPlateDetector(E2E)
    assert e2e.format == "end2end"
    r, _ = recall(e2e, frames)
    assert r >= 0.85, r
    for frame, _, _ in frames[:5]:
        a, b = raw.predict(frame), e2e.predict(frame)
        assert len(a) == len(b)
        for pa in a:
            assert max(pa.box.iou(pb.box) for pb in b) > 0.95


def test_not_a_model_is_refused_naming_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "detector.onnx"
    bad.write_bytes(b"not onnx")
    with pytest.raises(EdgeError, match=r"detector\.onnx: cannot load plate detector"):
        OnnxPlateDetector(bad)


def test_letterbox_maps_back() -> None:
    img = np.zeros((720, 1280, 3), np.uint8)
    tensor, r, (px, py) = letterbox(img, (384, 384))
    assert tensor.shape == (1, 3, 384, 384)
    assert r == pytest.approx(0.3)
    assert (px, py) == (0.0, 84.0)
    assert tensor[0, :, 0, 0] == pytest.approx([114 / 255] * 3)


@pytest.mark.parametrize("shape", [(250, 1100), (720, 1280), (384, 384), (37, 411), (500, 120)])
def test_letterbox_is_bit_for_bit_the_grey_canvas_through_blob_from_image(shape: tuple[int, int]) -> None:
    """The tensor is built in float32 (only the picture converted); the models were trained and
    measured on OpenCV's blobFromImage of the whole uint8 canvas, and get exactly that."""
    import cv2

    img = np.random.default_rng(shape[0]).integers(0, 256, (*shape, 3), np.uint8)
    tensor, r, (px, py) = letterbox(img, (384, 384))
    nh, nw = round(shape[0] * r), round(shape[1] * r)
    canvas = np.full((384, 384, 3), 114, np.uint8)
    resized = cv2.resize(img, (nw, nh), interpolation=cv2.INTER_LINEAR) if (nw, nh) != shape[::-1] else img
    canvas[int(py) : int(py) + nh, int(px) : int(px) + nw] = resized
    want = cv2.dnn.blobFromImage(canvas, scalefactor=1.0 / 255.0, swapRB=True)
    assert tensor.dtype == np.float32
    assert np.array_equal(tensor, want)


def test_nms_keeps_best_of_overlaps() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 11, 11], [50, 50, 60, 60]], np.float32)
    scores = np.array([0.6, 0.9, 0.5], np.float32)
    assert nms(boxes, scores, 0.5) == [1, 2]


def test_session_settings_from_config_reach_onnxruntime() -> None:
    """detector.threads / spinning / optimization are what the onnxruntime session runs with."""
    import onnxruntime as ort

    from edge.config import parse_config
    from edge.pipeline import load_models

    cfg = parse_config("detector:\n  threads: 2\n  spinning: true\n  optimization: basic\n")
    det = load_models(cfg).detector
    assert isinstance(det, OnnxPlateDetector)
    opts = det.session.get_session_options()
    assert opts.intra_op_num_threads == 2
    assert opts.graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    assert opts.get_session_config_entry("session.intra_op.allow_spinning") == "1"
    default = OnnxPlateDetector(RAW).session.get_session_options()
    assert default.graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    assert default.get_session_config_entry("session.intra_op.allow_spinning") == "0"


def test_a_gpu_device_this_onnxruntime_lacks_is_refused_naming_the_key() -> None:
    """detector.device: cuda on a CPU-only onnxruntime (as here) stops at start with the key and the fix."""
    import onnxruntime as ort

    from edge.config import parse_config
    from edge.pipeline import load_models

    if "CUDAExecutionProvider" in ort.get_available_providers():  # pragma: no cover - a GPU CI runner
        pytest.skip("this onnxruntime has CUDA: the refusal cannot happen here")
    with pytest.raises(EdgeError, match=r"detector\.device: cuda needs onnxruntime's CUDAExecutionProvider"):
        load_models(parse_config("detector:\n  device: cuda\n"))
    with pytest.raises(EdgeError, match=r"ocr\.device: cuda needs .*set ocr\.device: cpu"):
        load_models(parse_config("ocr:\n  device: cuda\n"))


V2 = MODELS / "plate-det-v2.onnx"


def test_a_large_image_is_letterboxed_to_the_large_square_and_its_boxes_map_back(frames: Frames) -> None:
    """detector.large_region / large_size: a 1280-px frame (a busy road's gate region is nearly one)
    reaches plate-det-v2, whose input size is free, as a 512 square instead of 384; its boxes come back
    in the frame's pixels, on the same plates the 384 run finds."""
    small = OnnxPlateDetector(V2, score_threshold=0.15)
    large = OnnxPlateDetector(V2, score_threshold=0.15, large_above=1000, large_size=512)
    frame = frames[0][0]
    assert frame.shape[:2] == (720, 1280)
    assert small.canvas(frame) == (384, 384)
    assert large.canvas(frame) == (512, 512)
    assert large.canvas(frame[:, :1000]) == (384, 384)  # not larger than large_region: the model's size
    found_small = found_large = 0
    for image, legible, _ in frames:
        a, b = small.predict(image), large.predict(image)
        for t in legible:
            in_a = [p for p in a if p.box.iou(t) >= 0.5]
            in_b = [p for p in b if p.box.iou(t) >= 0.5]
            found_small += bool(in_a)
            found_large += bool(in_b)
            if in_a:  # every plate the 384 run boxes, the 512 run boxes at the same place
                assert in_b, (t, [p.box for p in b])
    assert found_large >= found_small > 0


def test_a_fixed_size_model_keeps_its_size_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    """plate-det-v1's input is fixed at 384 x 384: large_size cannot apply, and the log says why."""
    with caplog.at_level("WARNING", logger="edge.detect.onnx"):
        det = OnnxPlateDetector(RAW, large_above=1000, large_size=512)
    assert det.canvas(np.zeros((720, 1280, 3), np.uint8)) == (384, 384)
    assert "input size fixed" in caplog.text
    assert "detector.large_size" in caplog.text


def test_large_region_settings_reach_the_detector() -> None:
    from edge.config import ConfigError, parse_config
    from edge.pipeline import load_models

    det = load_models(parse_config("detector:\n  large_region: 800\n  large_size: 448\n")).detector
    assert isinstance(det, OnnxPlateDetector)
    assert det.canvas(np.zeros((720, 900, 3), np.uint8)) == (448, 448)
    assert det.canvas(np.zeros((720, 800, 3), np.uint8)) == (384, 384)
    off = load_models(parse_config("detector:\n  large_region: 0\n")).detector
    assert isinstance(off, OnnxPlateDetector)
    assert off.canvas(np.zeros((720, 1280, 3), np.uint8)) == (384, 384)
    with pytest.raises(ConfigError, match=r"detector\.large_size"):
        parse_config("detector:\n  large_size: 500\n")  # not a multiple of 32
