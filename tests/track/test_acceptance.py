"""Read acceptance: every rule that keeps a track from becoming a stored read, each counted by reason."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from edge.config.pipeline import TrackingConfig
from edge.track import PlateTracker
from edge.track.calibration import Calibration
from edge.track.tracker import DROP_REASONS, stationary, supporting
from edge.types import Box, PlateText
from tests.support.track import T0, ob, passing, run


def tracker(**kw: object) -> PlateTracker:
    return PlateTracker(TrackingConfig(**kw), detector_model="d", ocr_model="o")  # type: ignore[arg-type]


def test_every_reason_is_documented_with_its_key() -> None:
    for reason in ("off_vehicle", "disagree", "still", "static", "low_confidence", "format", "far", "short", "repeat"):
        assert reason in DROP_REASONS
        assert "tracking." in DROP_REASONS[reason] or "store." in DROP_REASONS[reason]


def test_a_passing_vehicle_is_read() -> None:
    tr = tracker()
    (read,) = run(tr, passing())
    assert read.plate == "ABC1234"
    assert sum(tr.drops.values()) == 0


def test_text_never_on_a_moving_vehicle_is_dropped_as_off_vehicle() -> None:
    tr = tracker()
    assert run(tr, passing(on_vehicle=False)) == []
    assert tr.drops["off_vehicle"] == 1
    # one observation on a vehicle is enough by default (1), not with 2; 0 turns the rule off
    frames = passing(on_vehicle=False)
    frames[3] = [replace(frames[3][0], on_vehicle=True)]
    assert len(run(tracker(), frames)) == 1
    tr = tracker(min_on_vehicle=2)
    assert run(tr, frames) == []
    assert tr.drops["off_vehicle"] == 1
    assert len(run(tracker(min_on_vehicle=0), passing(on_vehicle=False))) == 1


def test_a_travelling_plate_on_no_moving_blob_counts_as_on_a_vehicle() -> None:
    """A dark car the motion gate missed: no blob holds its plate, which crosses the frame (10 frames,
    12 px each, 100-136 px wide: about 1 width). Text on a walker's blob is still off a vehicle."""
    far = [[ob(f, "ABC1234", 100 + 40 * f, width=100 + 4 * f, on_vehicle=False, unheld=True)] for f in range(10)]
    (read,) = run(tracker(), far)  # 360 px for a plate about 118 px wide: > 2 widths
    assert read.plate == "ABC1234"
    tr = tracker(unheld_travel=0)  # the rule off
    assert run(tr, far) == []
    assert tr.drops["off_vehicle"] == 1
    tr = tracker(unheld_travel=4)  # not far enough for 4 widths
    assert run(tr, far) == []
    assert tr.drops["off_vehicle"] == 1
    walker = [[replace(o, unheld=False) for o in frame] for frame in far]  # on a blob, not vehicle-shaped
    tr = tracker()
    assert run(tr, walker) == []
    assert tr.drops["off_vehicle"] == 1


def test_text_on_no_moving_blob_that_stays_put_is_off_a_vehicle() -> None:
    """A sign or an overlay: held by no blob, and it does not travel (however long it is seen)."""
    sign = [[ob(f, "ABC1234", 400 + (f % 2), on_vehicle=False, unheld=True)] for f in range(40)]
    tr = tracker()
    assert run(tr, sign) == []
    assert tr.drops["off_vehicle"] == 1


def test_frames_that_disagree_on_every_character_give_no_read() -> None:
    texts = ["ABC1234", "XYZ9876", "KLM5550", "PQR2221", "DEF4443", "GHJ7778"]
    # unsure reads (0.6) never split a track, so these stay one track of six disagreeing frames
    frames = [[ob(f, t, 100 + 12 * f, width=100 + 4 * f, conf=0.6)] for f, t in enumerate(texts)]
    tr = tracker()
    assert run(tr, frames) == []
    assert tr.drops["disagree"] == 1
    assert len(supporting([o for f in frames for o in f], "ABC1234")) == 1
    # a minority misread (one character) still agrees
    mixed = passing()
    mixed[2] = [replace(mixed[2][0], text=PlateText("A8C1234", 0.6, (0.6,) * 7))]
    assert [r.plate for r in run(tracker(), mixed)] == ["ABC1234"]


def test_a_parked_plate_is_read_once_per_window() -> None:
    still = [[ob(f, "PARK123", 300)] for f in range(10)]
    assert stationary([o for f in still for o in f])
    assert not stationary([o for f in passing() for o in f])
    tr = tracker(parked_window=timedelta(minutes=10), dedupe_window=timedelta(0))
    assert len(run(tr, still)) == 1
    again = [[ob(f, "PARK123", 302)] for f in range(2000, 2010)]  # a minute later, at the same place
    assert run(tr, again) == []
    assert tr.drops["static"] == 1
    later = [[ob(f, "PARK123", 302)] for f in range(30000, 30010)]  # past the window: read again
    assert len(run(tr, later)) == 1


def test_still_text_seen_only_a_few_times_is_no_plate() -> None:
    """A camera's name boxed twice by the detector while a car passed under it read agreeing, surely and
    on a moving blob (the bench's busy clip stored CAM01 so; a longer name here, since 4-5 characters
    fit no default format): a plate that never moved needs as many observations as a parked car gives
    (tracking.still_min_observations)."""
    name = [[ob(f, "CAMERA01", 20)] for f in (40, 48)]
    assert stationary([o for f in name for o in f])
    tr = tracker()
    assert run(tr, name) == []
    assert tr.drops["still"] == 1
    assert len(run(tracker(still_min_observations=0), name)) == 1  # 0: no check
    # a plate that moved is read from two observations; a parked one from the default six
    moved = [[ob(0, "ABC1234", 100)], [ob(4, "ABC1234", 180, width=130)]]
    assert not stationary([o for f in moved for o in f])
    assert len(run(tracker(), moved)) == 1
    assert len(run(tracker(), [[ob(f, "PARK123", 300)] for f in range(6)])) == 1


def test_still_text_on_a_track_that_moved_is_no_plate() -> None:
    """A camera's name read surely four times at one place, and a passing car's unreadable boxes
    joined to the same track further on (as the cross renderer's calibration split stored CAM7): the
    track moved, the text never did, and four agreeing frames are too few for a parked car."""
    name = [[ob(f, "CAMERA7", 300)] for f in (32, 33, 35, 36)]
    # boxes reading nothing that continue the track (by its motion) away from the name
    passers = [[ob(40, "", 450, conf=0.0)], [ob(43, "", 570, conf=0.0)]]
    frames = name + passers
    assert not stationary([o for f in frames for o in f])
    assert stationary([o for f in name for o in f])
    tr = tracker()
    assert run(tr, frames) == []
    assert tr.drops["still"] == 1
    assert sum(tr.drops.values()) == 1  # one track, the passers in it
    assert len(run(tracker(still_min_observations=4), frames)) == 1  # four agreeing frames are enough there
    assert len(run(tracker(still_min_observations=0), frames)) == 1  # 0: no check
    # a plate read while it moved is read, whatever else joined its track
    moving = [[ob(f, "CAMERA7", 300 + 20 * (f - 32), width=120 + 4 * (f - 32))] for f in (32, 33, 35, 36)]
    assert len(run(tracker(), moving + passers)) == 1
    # with no agreement asked (min_agreeing 0), a voted text that no frame supports (ABC1234 from
    # ABC1299, XYZ1234 and QRS1234) is no error
    mixed = [[ob(1, "ABC1299", 300, conf=0.5)], [ob(2, "XYZ1234", 340, conf=0.3)], [ob(3, "QRS1234", 380, conf=0.3)]]
    assert [r.plate for r in run(tracker(min_agreeing=0), mixed)] == ["ABC1234"]
    # a car read only while it stood, its other boxes beside it: four agreeing frames are too few
    # for text read in place, six (a parked car's) are enough
    queued = [*name, [ob(40, "", 380, conf=0.0)], [ob(43, "", 440, conf=0.0)]]
    assert not stationary([o for f in queued for o in f])
    tr = tracker()
    assert run(tr, queued) == []
    assert tr.drops["still"] == 1
    stood = [[ob(f, "CAMERA7", 300)] for f in range(30, 36)]
    assert len(run(tracker(), [*stood, [ob(40, "", 380, conf=0.0)], [ob(43, "", 440, conf=0.0)]])) == 1


def test_text_read_only_in_place_beside_a_passing_car_is_no_plate() -> None:
    """A car passes just under a camera's name line: its boxes (read as junk) and the name's (read
    surely, twice, where it stands) join one track that moved. The development splits of the cross
    renderer stored 187GATE1, 4CAM87 and M10GATE2 so. Frames that read a text within a quarter of its
    width of each other read it in place; a plate read from frames of a moving vehicle travels
    further, and one read in two frames of a fast vehicle, 0.45 of its width apart, is no still text
    (the half-width rule for a parked car's track dropped dev2's DLT226 so)."""
    car = [[ob(f, "", 200 + 25 * f, conf=0.0, width=100 + 3 * f)] for f in range(0, 8)]
    name = [[ob(f, "M10GATE2", 420 + (f % 2) * 6, width=160)] for f in (8, 9)]
    frames = car[:4] + name + car[4:]
    tr = tracker()
    assert run(tr, frames) == []
    assert tr.drops["still"] == 1
    # the same two readings from a car crawling a third of its width a frame are a plate
    crawl = [[ob(f, "M10GATE2", 420 + 55 * (f - 8), width=160)] for f in (8, 9)]
    assert len(run(tracker(), car[:4] + crawl + car[4:])) == 1
    assert len(run(tracker(still_min_observations=0), frames)) == 1  # 0: no check
    fast = [[ob(f, "DLT226", 420 + 72 * (f - 8), width=160)] for f in (8, 9)]
    far = [[ob(f, "", 700 + 40 * (f - 9), conf=0.0, width=60)] for f in (12, 13)]
    assert len(run(tracker(), car[:4] + fast + far)) == 1


def test_calibrated_confidence_is_stored_and_thresholded() -> None:
    cal = Calibration("o", (0.0, 0.5, 1.0), (0.0, 0.2, 1.0))
    tr = PlateTracker(TrackingConfig(), detector_model="d", ocr_model="o", calibration=cal, min_store_confidence=0.5)
    (read,) = run(tr, passing(conf=0.95))
    assert 0.85 < read.confidence < 0.95  # mapped, not the raw vote
    tr = PlateTracker(TrackingConfig(), detector_model="d", ocr_model="o", calibration=cal, min_store_confidence=0.5)
    assert run(tr, passing(conf=0.6)) == []  # raw 0.6 -> 0.36 < 0.5
    assert tr.drops["low_confidence"] == 1


def test_a_read_fitting_no_configured_format_is_dropped() -> None:
    tr = tracker(masks=["LLLDDDD"], invalid_format="drop")
    assert run(tr, passing("12")) == []
    assert tr.drops["format"] == 1


def test_a_fragment_of_a_longer_plate_fits_no_default_format() -> None:
    """By default a plate has 6-8 characters (or India's 8-11): a read of 4-5, such as the digits of a
    plate whose two small stacked letters the OCR left unread (PA 32130 read 32130, surely, in every
    frame: the cross renderer's calibration split stored 14 such reads), is dropped as `format`. A site
    whose plates run shorter lists them, and reads them."""
    for fragment in ("32130", "7888", "82UC"):
        tr = tracker()
        assert run(tr, passing(fragment, conf=0.97)) == []
        assert tr.drops["format"] == 1, fragment
    for plate in ("PA32130", "AB1234", "MH12AB1234", "12345678"):
        assert [r.plate for r in run(tracker(), passing(plate))] == [plate]
    short = tracker(formats=[r"^(?=[A-Z0-9]*[0-9])[A-Z0-9]{4,8}$"])
    assert [r.plate for r in run(short, passing("32130"))] == ["32130"]
    assert run(tracker(), passing("ABCDEFG")) == []  # all letters: no plate by default


def test_a_track_in_text_learned_as_an_overlay_before_it_ended_is_dropped_as_overlay() -> None:
    """The camera's clock is read by the detector from the first frame, before the overlay learner
    knows it: when the track ends, its boxes are checked against what is masked by then."""
    learned: list[Box] = []

    def masked(box: Box) -> bool:
        return any(b.x1 <= box.centre[0] <= b.x2 and b.y1 <= box.centre[1] <= b.y2 for b in learned)

    tr = PlateTracker(TrackingConfig(), detector_model="d", ocr_model="o", masked=masked)
    clock = [[ob(f, "20260314", 900, width=180)] for f in range(40)]  # stays put
    reads = [r for i, obs in enumerate(clock) for r in tr.update(i, T0 + timedelta(seconds=i / 30), obs)]
    learned.append(Box(890, 90, 1090, 170))  # the learner knows the clock now
    reads += tr.flush()
    assert reads == []
    assert tr.drops["overlay"] == 1
    assert "overlays" in DROP_REASONS["overlay"]
    # A vehicle passing elsewhere is read.
    tr2 = PlateTracker(TrackingConfig(), detector_model="d", ocr_model="o", masked=masked)
    (read,) = run(tr2, passing())
    assert read.plate == "ABC1234"
    assert tr2.drops["overlay"] == 0
