"""The optional vehicle detector (models.vehicle, issue 26): loading, classes, and refusals."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from edge.config import Config
from edge.detect.vehicle import OnnxVehicleDetector
from edge.errors import EdgeError
from edge.pipeline import load_models
from edge.types import Box
from edge_tools.synth.scene import Clip
from tests.support.audit import cli

ROOT = Path(__file__).resolve().parents[2]
Frames = list[tuple[np.ndarray, list[Box], list[Box]]]


def test_a_missing_vehicle_model_is_refused_naming_the_key() -> None:
    cfg = Config.model_validate({"models": {"vehicle": "no-such-vehicle-model"}})
    with pytest.raises(EdgeError, match=r"^models\.vehicle: model 'no-such-vehicle-model' not found"):
        load_models(cfg)


def test_replay_with_a_missing_vehicle_model_fails_on_stderr_naming_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "v.yaml"
    cfg.write_text(f"models:\n  vehicle: {tmp_path / 'gone.onnx'}\n")
    sample = str(ROOT / "samples" / "sample.mp4")
    code, out, err = cli(monkeypatch, capsys, "replay", sample, "--config", str(cfg), "--db", str(tmp_path / "r.db"))
    assert code != 0
    assert "models.vehicle" in err, err
    assert "gone.onnx" in err, err
    assert out == ""


MODEL = ROOT / "models" / "vehicle-det-v1.onnx"
COCO = [
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat", "traffic light",
    *[f"coco-{i}" for i in range(10, 80)],
]  # fmt: skip


def coco_variant(src: Path, dst: Path, score_class: int) -> Path:
    """`src` (single-class [1, 5, N]) rewritten to the COCO YOLOv8 contract [1, 84, N] with COCO
    `names`: the model's score in class column `score_class`, every other class column 0."""
    import onnx
    from onnx import helper

    model = onnx.load(str(src))
    g = model.graph
    out = g.output[0].name
    g.node.extend(
        [
            helper.make_node("Constant", [], ["v_ax"], value=helper.make_tensor("a", onnx.TensorProto.INT64, [1], [1])),
            helper.make_node("Constant", [], ["v_0"], value=helper.make_tensor("b", onnx.TensorProto.INT64, [1], [0])),
            helper.make_node("Constant", [], ["v_4"], value=helper.make_tensor("c", onnx.TensorProto.INT64, [1], [4])),
            helper.make_node("Constant", [], ["v_5"], value=helper.make_tensor("d", onnx.TensorProto.INT64, [1], [5])),
            helper.make_node("Constant", [], ["v_z"], value=helper.make_tensor("e", onnx.TensorProto.FLOAT, [], [0.0])),
            helper.make_node("Slice", [out, "v_0", "v_4", "v_ax"], ["v_box"]),
            helper.make_node("Slice", [out, "v_4", "v_5", "v_ax"], ["v_score"]),
            helper.make_node("Mul", ["v_score", "v_z"], ["v_zero"]),
            helper.make_node(
                "Concat",
                ["v_box", *["v_score" if c == score_class else "v_zero" for c in range(80)]],
                ["coco0"],
                axis=1,
            ),
        ]
    )
    g.output[0].name = "coco0"
    g.output[0].type.tensor_type.shape.dim[1].dim_value = 84
    for p in model.metadata_props:
        if p.key == "names":
            p.value = str(dict(enumerate(COCO)))
    onnx.checker.check_model(model)
    onnx.save(model, str(dst))
    return dst


@pytest.fixture(scope="module")
def frames() -> Frames:
    """Frames of a clip rendered from a seed no training used, with the boxes of its vehicles that
    are wholly in view and at least 100 px wide, and of all its vehicles."""
    clip = Clip(seed=90317, seconds=12, fps=10, density=0.6)
    out = []
    for i in range(0, clip.n_frames, 3):
        every = clip.vehicle_boxes(i)
        boxes = [Box(*b[:4]) for b in every if b[4] >= 0.95 and b[2] - b[0] >= 100]
        if boxes:
            out.append((clip.render(i)[0], boxes, [Box(*b[:4]) for b in every]))
    assert len(out) >= 10
    return out


def found(det: OnnxVehicleDetector, frames: Frames) -> tuple[float, int]:
    """Share of the vehicles found (IoU >= 0.5) and boxes overlapping no vehicle at all."""
    hit = total = false = 0
    for image, truth, every in frames:
        pred = [r.box for r in det.predict(image)]
        total += len(truth)
        hit += sum(any(p.iou(t) >= 0.5 for p in pred) for t in truth)
        false += sum(not any(p.iou(t) > 0.1 for t in every) for p in pred)
    return hit / total, false


def test_the_shipped_vehicle_detector_finds_the_vehicles_of_rendered_frames(frames: Frames) -> None:
    det = OnnxVehicleDetector(MODEL)
    assert det.classes == [0]
    assert det.format == "yolo-raw"
    rate, false = found(det, frames)
    assert rate >= 0.9, rate
    assert false <= len(frames) // 10, false


def test_no_vehicle_on_an_empty_road_with_walkers_trees_and_a_timestamp() -> None:
    det = OnnxVehicleDetector(MODEL)
    clip = Clip(seed=90318, seconds=6, fps=5, n_vehicles=0, overlay=True, pedestrians=4, trees=4)
    boxes = [r for i in range(clip.n_frames) for r in det.predict(clip.render(i)[0])]
    assert len(boxes) <= 1, boxes  # at most one stray box in 30 frames


def test_a_coco_style_model_counts_only_its_vehicle_classes(tmp_path: Path, frames: Frames) -> None:
    as_car = OnnxVehicleDetector(coco_variant(MODEL, tmp_path / "car.onnx", COCO.index("car")))
    assert as_car.n_classes == 80
    assert as_car.classes == [COCO.index(n) for n in ("car", "motorcycle", "bus", "truck")]
    rate, _ = found(as_car, frames)
    assert rate >= 0.9, rate
    as_person = OnnxVehicleDetector(coco_variant(MODEL, tmp_path / "person.onnx", COCO.index("person")))
    assert all(not as_person.predict(image) for image, _, _ in frames[:5])  # people are no vehicles


def test_a_model_without_vehicle_classes_is_refused_naming_the_file(tmp_path: Path) -> None:
    import onnx

    model = onnx.load(str(MODEL))
    for p in model.metadata_props:
        if p.key == "names":
            p.value = "{0: 'plate'}"
    onnx.save(model, str(tmp_path / "plates.onnx"))
    with pytest.raises(EdgeError, match=r"plates\.onnx: no vehicle class among the model's classes \['plate'\]"):
        OnnxVehicleDetector(tmp_path / "plates.onnx")
