"""The CTC line recogniser backend (edge.ocr.ctc): decoding, two-line stitching, its YAML, and the
shipped fine-tuned model on rendered crops (never real plates)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from edge.errors import EdgeError
from edge.ocr import CtcOcr, is_ctc_config
from edge.ocr.ctc import decode, preprocess, read_ctc_config, stitch_lines, text_band
from edge_tools.synth.scene import render_plate_crop

MODELS = Path(__file__).resolve().parents[2] / "models"
CTC = "plate-ocr-ctc-v1"


def probs_for(path: list[int], classes: int = 4, sure: float = 0.9) -> np.ndarray:
    """[1, T, classes] probabilities whose most likely class per column follows `path`."""
    p = np.full((1, len(path), classes), (1 - sure) / (classes - 1), np.float32)
    for t, k in enumerate(path):
        p[0, t, k] = sure
    return p


def test_decode_collapses_repeats_and_drops_blanks() -> None:
    # blank=0, "A"=1, "B"=2, "C"=3: A A _ A B _ _ B C C -> "AABBC" (a blank splits a double letter)
    ((text, conf),) = decode(probs_for([1, 1, 0, 1, 2, 0, 0, 2, 3, 3]), "ABC")
    assert text == "AABBC"
    assert len(conf) == len(text)
    assert all(abs(c - 0.9) < 1e-6 for c in conf)
    ((empty, none),) = decode(probs_for([0, 0, 0]), "ABC")
    assert empty == ""
    assert none == ()


def test_a_characters_confidence_is_its_best_column() -> None:
    p = probs_for([1, 1, 0])
    p[0, 0] = [0.1, 0.6, 0.2, 0.1]
    ((text, conf),) = decode(p, "ABC")
    assert text == "A"
    assert conf == pytest.approx((0.9,))


def test_stitch_lines_puts_the_bottom_line_right_of_the_top_one() -> None:
    img = np.zeros((40, 60, 3), np.uint8)
    img[:20] = 50
    img[20:] = 200
    out = stitch_lines(img, overlap=0.0)
    assert out.shape == (20, 120, 3)
    assert (out[:, :60] == 50).all()
    assert (out[:, 60:] == 200).all()


def test_preprocess_keeps_the_aspect_ratio_up_to_the_widest_input() -> None:
    assert preprocess(np.zeros((30, 60, 3), np.uint8)).shape == (3, 48, 96)
    assert preprocess(np.zeros((10, 500, 3), np.uint8), max_width=256).shape == (3, 48, 256)
    x = preprocess(np.full((48, 48, 3), 255, np.uint8))
    assert x.min() == pytest.approx(1.0)
    assert x.dtype == np.float32


def test_bad_yaml_named_with_the_key(tmp_path: Path) -> None:
    y = tmp_path / "m.yaml"
    y.write_text("recognizer: ctc\nalphabet: AAB\n")
    with pytest.raises(EdgeError, match=r"m\.yaml: key 'alphabet' must be a string of distinct characters"):
        read_ctc_config(y)
    y.write_text("recognizer: ctc\nalphabet: AB\nimg_height: tall\n")
    with pytest.raises(EdgeError, match=r"key 'img_height' must be a number from 8 to 256, not 'tall'"):
        read_ctc_config(y)
    y.write_text("max_plate_slots: 10\nalphabet: AB\n")  # a fast-plate-ocr plate config
    assert not is_ctc_config(y)
    with pytest.raises(EdgeError, match="not a CTC recogniser's YAML"):
        read_ctc_config(y)


def test_a_model_whose_classes_do_not_match_its_alphabet_is_refused(tmp_path: Path) -> None:
    (tmp_path / "m.onnx").write_bytes((MODELS / f"{CTC}.onnx").read_bytes())
    (tmp_path / "m.yaml").write_text("recognizer: ctc\nalphabet: ABC\n")
    with pytest.raises(EdgeError, match=r"m\.onnx: the model has 37 classes, its YAML's alphabet 3 \+ blank"):
        CtcOcr(tmp_path / "m.onnx", tmp_path / "m.yaml")


def test_shipped_ctc_model_reads_rendered_crops() -> None:
    rng = np.random.default_rng(424242)  # not a training seed
    crops = [render_plate_crop(rng, min_width=90) for _ in range(40)]
    ocr = CtcOcr(MODELS / f"{CTC}.onnx", MODELS / f"{CTC}.yaml")
    assert is_ctc_config(MODELS / f"{CTC}.yaml")
    preds = ocr.predict([c for c, _ in crops])
    exact = sum(p.text == t for p, (_, t) in zip(preds, crops, strict=True))
    assert exact >= 30, [(p.text, t) for p, (_, t) in zip(preds, crops, strict=True)]
    assert all(len(p.char_conf) == len(p.text) and 0.0 <= p.confidence <= 1.0 for p in preds)
    assert ocr.predict([]) == []


def test_the_config_picks_the_ctc_runtime_from_the_models_yaml() -> None:
    from edge.config import parse_config
    from edge.pipeline import load_models

    assert isinstance(load_models(parse_config(f"models:\n  ocr: {CTC}\n")).ocr, CtcOcr)
    with pytest.raises(EdgeError, match=rf"ocr\.views: 2 reads fast-plate-ocr models twice; {CTC}\.onnx is a CTC"):
        load_models(parse_config(f"models:\n  ocr: {CTC}\nocr:\n  views: 2\n"))


def test_a_layout_hint_reads_a_square_crop_in_that_layout_only() -> None:
    ocr = CtcOcr(MODELS / f"{CTC}.onnx", MODELS / f"{CTC}.yaml")
    widths: list[list[int]] = []  # the input width of each image of each OCR call
    read_images = ocr.read_images

    def counted(images: list[np.ndarray]) -> list[tuple[str, tuple[float, ...]]]:
        widths.append([preprocess(i).shape[2] for i in images])
        return read_images(images)

    ocr.read_images = counted  # type: ignore[method-assign]  # the real model, its calls counted
    rng = np.random.default_rng(515151)
    square = wide = None
    while square is None or wide is None:  # a US 2:1 crop and an EU 4.7:1 one
        crop, _ = render_plate_crop(rng, min_width=100)
        aspect = crop.shape[1] / crop.shape[0]
        square = crop if aspect < ocr.config.two_line_below and square is None else square
        wide = crop if aspect > 3.5 and wide is None else wide
    both = ocr.predict([square])[0]
    assert [len(w) for w in widths] == [1, 1]  # one line, then the halves side by side (twice as wide)
    assert widths[1][0] > 1.5 * widths[0][0]
    widths.clear()
    (one,) = ocr.predict([square], [1])
    assert widths == [[preprocess(square).shape[2]]]
    assert one.lines == 1
    widths.clear()
    (two,) = ocr.predict([square], [2])
    assert widths == [[preprocess(stitch_lines(square)).shape[2]]]
    assert two.lines == 2
    assert both in (one, two)
    assert both.confidence == max(one.confidence, two.confidence)
    widths.clear()
    (w,) = ocr.predict([wide], [2])  # a wide crop is one line whatever the hint says
    assert widths == [[preprocess(wide).shape[2]]]
    assert w.lines == 1
    with pytest.raises(ValueError, match="1 layouts for 2 crops"):
        ocr.predict([square, wide], [1])


def test_a_two_line_plate_is_read_as_two_lines() -> None:
    # A one-line plate cut in two and its halves stacked is a two-line plate whose reading, top line
    # first, is the one-line plate's text.
    rng = np.random.default_rng(626262)
    ocr = CtcOcr(MODELS / f"{CTC}.onnx", MODELS / f"{CTC}.yaml")
    crops = []
    while len(crops) < 12:
        crop, text = render_plate_crop(rng, min_width=180)
        if crop.shape[1] / crop.shape[0] > 3.5 and ocr.predict([crop])[0].text == text:
            w = crop.shape[1] // 2
            crops.append((np.vstack([crop[:, :w], crop[:, w : 2 * w]]), text))
    preds = ocr.predict([c for c, _ in crops])
    assert sum(p.text == t and p.lines == 2 for p, (_, t) in zip(preds, crops, strict=True)) >= 6, [
        (p.text, p.lines, t) for p, (_, t) in zip(preds, crops, strict=True)
    ]


def test_text_band_keeps_the_rows_of_the_characters() -> None:
    # A plate's line of dark characters on a light plate, inside a box three times as tall whose
    # other rows are a car body's flat colour and a bumper's horizontal edge.
    crop = np.full((90, 200, 3), 60, np.uint8)
    crop[30:60, 10:190] = 220  # the plate
    for x in range(20, 180, 20):
        crop[35:55, x : x + 8] = 20  # characters' vertical strokes
    crop[75:78] = 250  # a bumper's edge: horizontal, no horizontal gradient along the rows
    band = text_band(crop, 0.35)
    assert band.shape[1] == 200  # columns untouched
    rows = band.shape[0]
    assert 20 <= rows < 0.75 * 90
    top = next(y for y in range(90) if np.array_equal(crop[y : y + rows], band))
    assert top <= 35
    assert top + rows >= 55  # every character row kept
    assert top + rows <= 75  # the bumper's edge left out


def test_text_band_leaves_tight_flat_and_tiny_crops_whole() -> None:
    tight = np.full((30, 200, 3), 220, np.uint8)
    for x in range(10, 190, 20):
        tight[3:27, x : x + 8] = 20
    assert text_band(tight, 0.35) is tight  # the characters fill it
    flat = np.full((60, 200, 3), 128, np.uint8)
    assert text_band(flat, 0.35) is flat
    assert text_band(tight[:6], 0.35).shape[0] == 6
    loose = np.vstack([np.full((40, 200, 3), 60, np.uint8), tight, np.full((40, 200, 3), 60, np.uint8)])
    assert text_band(loose, 0.0) is loose  # 0: off
    assert text_band(loose, 0.35).shape[0] < loose.shape[0]


def test_loose_crops_read_better_cut_to_their_text_band() -> None:
    # Rendered crops grown by 80 % of the plate box each side (a detector box far too large): the OCR
    # scales the whole crop to 48 px, so the characters shrink; cut to their band they do not.
    plain = CtcOcr(MODELS / f"{CTC}.onnx", MODELS / f"{CTC}.yaml")
    banded = CtcOcr(MODELS / f"{CTC}.onnx", MODELS / f"{CTC}.yaml", text_band=0.35)
    rng = np.random.default_rng(4242)
    crops = [render_plate_crop(rng, pad=0.8, min_width=80) for _ in range(60)]
    before = sum(p.text == t for p, (_, t) in zip(plain.predict([c for c, _ in crops]), crops, strict=True))
    after = sum(p.text == t for p, (_, t) in zip(banded.predict([c for c, _ in crops]), crops, strict=True))
    assert after >= before + 15, (before, after)  # 12 -> 39 of 60 when written
    rng = np.random.default_rng(4243)
    usual = [render_plate_crop(rng, min_width=80) for _ in range(60)]  # the pipeline's own padding
    before = sum(p.text == t for p, (_, t) in zip(plain.predict([c for c, _ in usual]), usual, strict=True))
    after = sum(p.text == t for p, (_, t) in zip(banded.predict([c for c, _ in usual]), usual, strict=True))
    assert after >= before - 2, (before, after)


def test_a_two_line_plate_in_a_loose_box_is_still_read_as_two_lines() -> None:
    # Its band holds both lines, so the band is square and read both ways like the crop was.
    rng = np.random.default_rng(626262)
    ocr = CtcOcr(MODELS / f"{CTC}.onnx", MODELS / f"{CTC}.yaml", text_band=0.35)
    crops = []
    while len(crops) < 12:
        crop, text = render_plate_crop(rng, min_width=180)
        if crop.shape[1] / crop.shape[0] > 3.5 and ocr.predict([crop])[0].text == text:
            line = text_band(crop, 0.35)  # the characters' rows, a third of their height spare each side
            w, h = line.shape[1] // 2, line.shape[0]
            two = np.vstack([line[:, :w], line[:, w : 2 * w]])
            body = np.full((h, w, 3), 50, np.uint8)  # a car body above and below: a box twice too tall
            crops.append((np.vstack([body, two, body]), text))
    preds = ocr.predict([c for c, _ in crops])
    assert sum(p.text == t and p.lines == 2 for p, (_, t) in zip(preds, crops, strict=True)) >= 6, [
        (p.text, p.lines, t) for p, (_, t) in zip(preds, crops, strict=True)
    ]


def test_the_text_band_key_reaches_the_ocr_and_is_checked() -> None:
    from edge.config import ConfigError, parse_config
    from edge.pipeline import load_models

    ocr = load_models(parse_config(f"models:\n  ocr: {CTC}\nocr:\n  text_band: 0.5\n")).ocr
    assert isinstance(ocr, CtcOcr)
    assert ocr.text_band == 0.5
    with pytest.raises(ConfigError, match="text_band"):
        parse_config("ocr:\n  text_band: 1.5\n")


def test_batch_pads_to_the_widest_or_to_min_width() -> None:
    from edge.ocr.ctc import batch

    narrow, wide = np.full((20, 40, 3), 200, np.uint8), np.full((20, 200, 3), 200, np.uint8)
    assert batch([narrow], 48, 256).shape == (1, 3, 48, 96)  # 40 px at 20 high -> 96 at 48
    assert batch([narrow, wide], 48, 256).shape[3] == 256  # the widest, capped at max_width
    assert batch([narrow], 48, 256, min_width=160).shape[3] == 160
    x = batch([narrow], 48, 256, min_width=161)
    assert x.shape[3] == 168  # a multiple of 8
    assert not x[0, :, :, 96:].any()  # zeros right of the image


def test_a_padded_crop_reads_the_same_whatever_its_batch() -> None:
    """Read alone, a narrow crop is padded to itself; in a batch, to the widest crop beside it, and the
    model reads the padding too (it was trained on inputs padded to the widest of 32). With pad_width
    at the model's widest input a crop reads the same alone or beside any other."""
    rng = np.random.default_rng(777)
    crops = [render_plate_crop(rng, min_width=90)[0] for _ in range(16)]
    wide = np.hstack([crops[0]] * 3)  # a crop as wide as the model reads (5.3 times its height or more)

    def reads_alike(ocr: CtcOcr) -> bool:
        alone = [ocr.predict([c])[0] for c in crops]
        beside = [ocr.predict([c, wide])[0] for c in crops]
        return all(
            a.text == b.text and abs(a.confidence - b.confidence) < 1e-4 for a, b in zip(alone, beside, strict=True)
        )

    assert reads_alike(CtcOcr(MODELS / f"{CTC}.onnx", MODELS / f"{CTC}.yaml", pad_width=256))
    # without it the batch changes what is read (16.5 % of the split's crops read another text)
    assert not reads_alike(CtcOcr(MODELS / f"{CTC}.onnx", MODELS / f"{CTC}.yaml", pad_width=0))


def test_the_models_yaml_sets_the_pad_width(tmp_path: Path) -> None:
    assert read_ctc_config(MODELS / f"{CTC}.yaml").pad_width == 192  # as it was trained: padded
    assert CtcOcr(MODELS / f"{CTC}.onnx", MODELS / f"{CTC}.yaml").pad_width == 192
    assert CtcOcr(MODELS / f"{CTC}.onnx", MODELS / f"{CTC}.yaml", pad_width=0).pad_width == 0
    bad = tmp_path / "m.yaml"
    bad.write_text("recognizer: ctc\nalphabet: '0123'\npad_width: -8\n")
    with pytest.raises(EdgeError, match="pad_width"):
        read_ctc_config(bad)
