"""ocr.verifier: a second OCR's look at reads too unsure to store (issue 26).

The rule is the tracker's: which crops are read (the track's best that read the text), how many must
agree, the confidence a verified read is stored with, and the counts. The second OCR here is a
function over the crops it is given; tests/test_replay_e2e.py runs the real one (rapidocr) on a clip.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from edge.config.pipeline import OcrConfig, TrackingConfig
from edge.track import PlateTracker
from edge.track.calibration import Calibration
from edge.track.tracker import Verifier
from edge.types import Image, Observation
from tests.support.track import passing, run

# Raw 0.6 maps to 0.36, under the store's 0.5; raw 0.95 to 0.9. Verified reads were 80 % exact.
CAL = Calibration("o", (0.0, 0.5, 1.0), (0.0, 0.2, 1.0), verified=0.8)


def with_crops(frames: list[list[Observation]]) -> list[list[Observation]]:
    """Each observation with a crop of its own, its width in pixels (the verifier reads the widest first)."""
    return [[replace(o, crop=np.zeros((30, int(o.plate.box.width), 3), np.uint8)) for o in f] for f in frames]


class Second:
    """A second OCR that reads the crops it gets as `texts`, in the order given, and remembers them."""

    def __init__(self, *texts: str):
        self.texts, self.seen = list(texts), []  # type: tuple[list[str], list[Image]]

    def __call__(self, crops: list[Image]) -> list[str]:
        self.seen += crops
        return self.texts[: len(crops)]


def tracker(second: Second, crops: int = 3, agree: int = 2, cal: Calibration = CAL) -> PlateTracker:
    return PlateTracker(
        TrackingConfig(),
        detector_model="d",
        ocr_model="o",
        calibration=cal,
        min_store_confidence=0.5,
        verifier=Verifier(second, crops, agree),
    )


def test_an_unsure_read_the_second_ocr_agrees_with_is_stored_at_the_verified_precision() -> None:
    second = Second("ABC1234", "ABC1234", "A8C1234")
    tr = tracker(second)
    (read,) = run(tr, with_crops(passing(conf=0.6)))
    assert read.plate == "ABC1234"
    assert read.confidence == 0.8  # the calibration's verified figure
    assert tr.verified == 1
    assert tr.drops["low_confidence"] == 0
    # it read the track's three widest crops, widest first, and nothing more
    assert [c.shape[1] for c in second.seen] == [136, 132, 128]
    assert tr.verifier is not None
    assert tr.verifier.calls == 3


def test_too_few_agreeing_readings_leave_the_read_dropped_and_counted() -> None:
    tr = tracker(Second("ABC1234", "ABC1Z34", "A8C1234"))
    assert run(tr, with_crops(passing(conf=0.6))) == []
    assert tr.verified == 0
    assert tr.drops["low_confidence"] == 1


def test_readings_are_compared_once_normalised_to_the_plate_formats() -> None:
    tr = tracker(Second("ABC1234", "ABC 1234", "ABC-1234"))  # the second OCR's spacing does not matter
    assert len(run(tr, with_crops(passing(conf=0.6)))) == 1
    tr = tracker(Second("ABC1234", "", ""))  # empty readings never agree
    assert run(tr, with_crops(passing(conf=0.6))) == []


def test_sure_reads_are_never_sent_to_the_verifier() -> None:
    second = Second()
    tr = tracker(second)
    (read,) = run(tr, with_crops(passing(conf=0.95)))
    assert read.confidence > 0.8
    assert second.seen == []
    assert tr.verified == 0


def test_a_track_without_enough_crops_is_not_verified() -> None:
    second = Second("ABC1234", "ABC1234")
    tr = tracker(second)
    assert run(tr, passing(conf=0.6)) == []  # replays without crops (tracker_lab caches) cannot verify
    assert second.seen == []
    assert tr.drops["low_confidence"] == 1


def test_verified_reads_under_the_store_bar_stay_dropped() -> None:
    weak = replace(CAL, verified=0.4)  # where fitted, what the verifier let through was mostly wrong
    tr = tracker(Second("ABC1234", "ABC1234", "ABC1234"), cal=weak)
    assert run(tr, with_crops(passing(conf=0.6))) == []
    assert tr.drops["low_confidence"] == 1
    assert tr.verified == 0


def test_a_verifier_needs_a_calibration_with_a_verified_figure() -> None:
    with pytest.raises(ValueError, match="verified"):
        tracker(Second(), cal=replace(CAL, verified=None))
    with pytest.raises(ValueError, match="agree"):
        Verifier(Second(), 2, 3)


def test_the_config_refuses_a_verifier_that_could_never_agree_or_is_the_backend() -> None:
    with pytest.raises(ValueError, match="verify_agree"):
        OcrConfig(verifier="rapidocr", verify_crops=2, verify_agree=3)
    with pytest.raises(ValueError, match="verifier"):
        OcrConfig(backend="rapidocr", verifier="rapidocr")


def test_auto_uses_the_verifier_only_where_the_calibration_measured_it() -> None:
    from edge.config import Config
    from edge.errors import EdgeError
    from edge.ocr import RapidOcr
    from edge.pipeline import verifier_ocr

    default = Config()
    assert default.ocr.verifier == "auto"
    assert isinstance(verifier_ocr(default, CAL, "o"), RapidOcr)  # measured: on
    assert verifier_ocr(default, replace(CAL, verified=None), "o") is None  # a map without the figure: off
    assert verifier_ocr(default, None, "o") is None  # no calibration at all (e.g. a second opinion's vote)
    on_rapid = Config.model_validate({"ocr": {"backend": "rapidocr"}})
    assert verifier_ocr(on_rapid, CAL, "o") is None  # the backend already is PP-OCR
    asked = Config.model_validate({"ocr": {"verifier": "rapidocr"}})
    with pytest.raises(EdgeError, match=r"ocr\.verifier: rapidocr needs .* no `verified` figure"):
        verifier_ocr(asked, replace(CAL, verified=None), "plate-ocr-v8")
    assert verifier_ocr(Config.model_validate({"ocr": {"verifier": "none"}}), CAL, "o") is None
