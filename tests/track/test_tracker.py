"""Tracker: one read per pass, character voting, format rules, max age."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from edge.config.pipeline import TrackingConfig
from edge.track import PlateTracker, vote
from edge.types import Box, Observation, PlateBox, PlateText

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def ob(frame: int, text: str, x: float, conf: float = 0.9, camera: str = "c") -> Observation:
    return Observation(
        camera=camera,
        frame_index=frame,
        ts=T0 + timedelta(seconds=frame / 30),
        live=False,
        plate=PlateBox(Box(x, 100, x + 120, 140), 0.9),
        text=PlateText(text, conf, tuple([conf] * len(text))),
    )


def tracker(**kw: object) -> PlateTracker:
    """Most tracks here are a few frames of a plate creeping a pixel a frame, which the still rule
    (tracking.still_min_observations, tested in test_acceptance.py) would take for text that never
    moved; it is off unless a test sets it."""
    kw.setdefault("still_min_observations", 0)
    return PlateTracker(TrackingConfig(**kw), detector_model="d", ocr_model="o")  # type: ignore[arg-type]


def test_vote_fixes_minority_misreads() -> None:
    obs = [ob(0, "ABC1234", 0), ob(1, "A8C1234", 5, 0.6), ob(2, "ABC1Z34", 10, 0.5), ob(3, "ABC1234", 15)]
    text, conf = vote(obs)
    assert text == "ABC1234"
    assert 0.5 < conf <= 1.0


def test_vote_prefers_supported_length() -> None:
    obs = [ob(0, "ABC123", 0, 0.4), ob(1, "ABC1234", 5), ob(2, "ABC1234", 10)]
    assert vote(obs)[0] == "ABC1234"


def test_one_read_per_pass_when_track_ends() -> None:
    tr = tracker(max_gap_frames=5)
    reads = []
    for f in range(20):
        reads += tr.update(f, T0, [ob(f, "XYZ789", 10 + 8 * f)])
    assert reads == []  # still in view
    for f in range(20, 27):
        reads += tr.update(f, T0, [])
    assert len(reads) == 1
    assert reads[0].plate == "XYZ789"
    assert reads[0].observations in (20, 21)  # its own frames (the boundary may take the last junk box)
    assert reads[0].frame_index is not None
    assert 0 <= reads[0].frame_index < 20


def test_two_vehicles_two_reads() -> None:
    tr = tracker(max_gap_frames=3)
    for f in range(10):
        tr.update(f, T0, [ob(f, "AAA111", 10 + 5 * f), ob(f, "BBB222", 800 - 5 * f)])
    reads = tr.flush()
    assert sorted(r.plate for r in reads) == ["AAA111", "BBB222"]


def test_single_glimpse_is_dropped_as_noise() -> None:
    tr = tracker(min_observations=2)
    tr.update(0, T0, [ob(0, "NOISE1", 10)])
    assert tr.flush() == []
    assert tr.drops["short"] == 1


def test_moving_tracks_counts_a_glimpse_only_in_the_frame_after_it() -> None:
    """The detector keeps running while a moving plate is tracked (Recognizer's quiet rule); a box seen
    once (a walking person, a flicker) keeps it running for the frame after, not for the track's life."""
    tr = tracker(max_gap_frames=10)
    tr.update(0, T0, [ob(0, "NOISE1", 10)])
    assert tr.moving_tracks == 1  # not known yet: look again
    tr.update(1, T0, [])
    assert tr.open_tracks == 1
    assert tr.moving_tracks == 0  # not found again: no reason to keep looking
    for f in range(2, 6):
        tr.update(f, T0, [ob(f, "AAA111", 300 + 20 * f)])
    assert tr.moving_tracks == 1  # a plate that moves, however long since it was last seen
    for f in range(6, 9):
        tr.update(f, T0, [])
    assert tr.moving_tracks == 1


def test_invalid_format_kept_flagged_or_dropped() -> None:
    for mode, expect in (("keep", 1), ("drop", 0)):
        tr = tracker(formats=[r"^[A-Z]{3}[0-9]{4}$"], invalid_format=mode)
        for f in range(3):
            tr.update(f, T0, [ob(f, "12AB", 10 + f)])
        reads = tr.flush()
        assert len(reads) == expect
        if reads:
            assert reads[0].valid_format is False


def test_parked_car_read_once_at_max_age() -> None:
    tr = tracker(max_age="2s")
    reads = []
    for f in range(0, 300):  # 10 s at 30 fps, same place
        reads += tr.update(f, T0 + timedelta(seconds=f / 30), [ob(f, "PARK123", 300)])
    reads += tr.flush()
    assert [r.plate for r in reads] == ["PARK123"]


def test_far_jump_starts_new_track() -> None:
    tr = tracker(max_gap_frames=2, dedupe_window="0s")
    reads = []
    for f in range(3):
        reads += tr.update(f, T0, [ob(f, "AAA111", 10 + f)])
    for f in range(3, 6):
        reads += tr.update(f, T0, [ob(f, "AAA111", 1000 + f)])
    reads += tr.flush()
    assert len(reads) == 2
    assert len({r.track_id for r in reads}) == 2


def test_split_track_of_one_plate_is_one_read_within_the_dedupe_window() -> None:
    # One vehicle, its track broken by an occlusion (two tracks), then the same plate again
    # 20 s later (a second pass): two reads, not three.
    tr = tracker(max_gap_frames=3)  # default dedupe_window 10 s
    reads = []
    for f in range(0, 10):
        reads += tr.update(f, T0 + timedelta(seconds=f / 30), [ob(f, "AAA111", 10 + 5 * f)])
    for f in range(30, 40):  # 1 s later, far from where the first track was
        reads += tr.update(f, T0 + timedelta(seconds=f / 30), [ob(f, "AAA111", 900 + 5 * f)])
    for f in range(630, 640):  # 20 s later
        reads += tr.update(f, T0 + timedelta(seconds=f / 30), [ob(f, "AAA111", 10 + 5 * f)])
    reads += tr.flush()
    assert [r.frame_index is not None and r.frame_index < 600 for r in reads] == [True, False]
    assert tr.drops["repeat"] == 1


def test_low_confidence_reads_dropped_and_counted() -> None:
    tr = tracker(min_confidence=0.5)
    for f in range(4):
        tr.update(f, T0, [ob(f, "FAR123", 10 + f, conf=0.2)])
    assert tr.flush() == []
    assert tr.drops["low_confidence"] == 1


def test_read_frame_is_where_the_plate_is_largest_and_surest() -> None:
    tr = tracker()
    small = [ob(f, "NEAR123", 300 + f, conf=0.95) for f in range(5)]  # 120 px wide boxes
    big = Observation(
        camera="c",
        frame_index=5,
        ts=T0,
        live=False,
        plate=PlateBox(Box(300, 100, 560, 180), 0.9),  # 260 px wide
        text=PlateText("NEAR123", 0.9, (0.9,) * 7),
    )
    for o in small:
        tr.update(o.frame_index, T0, [o])
    tr.update(5, T0, [big])
    (read,) = tr.flush()
    assert read.frame_index == 5
    assert read.bbox == (300.0, 100.0, 560.0, 180.0)


def box_ob(frame: int, text: str, cx: float, cy: float, width: float, conf: float = 0.9) -> Observation:
    """An observation of a plate `width` pixels wide centred at (cx, cy)."""
    h = width / 2
    return Observation(
        camera="c",
        frame_index=frame,
        ts=T0 + timedelta(seconds=frame / 30),
        live=False,
        plate=PlateBox(Box(cx - width / 2, cy - h / 2, cx + width / 2, cy + h / 2), 0.9),
        text=PlateText(text, conf, tuple([conf] * len(text))),
    )


def test_vote_near_frames_outweigh_many_far_ones() -> None:
    # A receding car: read right in 4 near frames (120 px), misread in 8 far ones (50 px).
    near = [box_ob(f, "ZUY2361", 600, 500 - 10 * f, 120, 0.85) for f in range(4)]
    far = [box_ob(4 + f, "XUY2381", 600, 400 - 5 * f, 50, 0.75) for f in range(8)]
    assert vote(near + far)[0] == "ZUY2361"


def test_receding_and_approaching_plates_crossing_far_away_are_two_reads() -> None:
    # Where a receding plate shrinks away, an approaching one appears at the same spot: the
    # position fits, but two sure reads of different plates are two vehicles. (Both far: the
    # minimum plate width is off.)
    tr = tracker(max_gap_frames=5, min_plate_width=0)
    reads = []
    for f in range(10):
        reads += tr.update(f, T0, [box_ob(f, "ZUY2361", 820, 150 - 4 * f, 60 - f, 0.95)])
    for f in range(12, 22):
        reads += tr.update(f, T0, [box_ob(f, "MLH4351", 808, 92 + 4 * (f - 12), 46 + f - 12, 0.9)])
    reads += tr.flush()
    assert sorted(r.plate for r in reads) == ["MLH4351", "ZUY2361"]


def test_unsure_reads_do_not_split_a_track() -> None:
    tr = tracker(max_gap_frames=5)
    for f in range(12):
        text, conf = ("ABC1234", 0.9) if f % 3 else ("XY9Q", 0.4)  # junk read every third frame
        tr.update(f, T0, [box_ob(f, text, 300 + 6 * f, 400 + 8 * f, 100, conf)])
    (read,) = tr.flush()
    assert read.plate == "ABC1234"
    assert read.observations == 12


def test_following_vehicle_is_not_joined_to_the_one_that_left() -> None:
    # Car A moves down-left and leaves at frame 9; car B shows up 6 frames later near A's last
    # spot while A's track is still open. A's motion predicts it far below the frame by then.
    tr = tracker(max_gap_frames=15)
    reads = []
    for f in range(10):
        reads += tr.update(f, T0, [box_ob(f, "AAA1111", 300 - 10 * f, 400 + 30 * f, 100 + 3 * f, 0.5)])
    for f in range(15, 25):
        reads += tr.update(f, T0, [box_ob(f, "BBB2222", 240 - 10 * (f - 15), 520 + 30 * (f - 15), 90, 0.5)])
    reads += tr.flush()
    assert sorted(r.plate for r in reads) == ["AAA1111", "BBB2222"]


def test_track_only_ever_seen_far_away_is_dropped_and_counted() -> None:
    tr = tracker(min_plate_width=72)
    for f in range(8):  # 40-61 px wide: never near enough
        tr.update(f, T0, [box_ob(f, "ABC1234", 300, 200 + 5 * f, 40 + 3 * f, 0.99)])
    assert tr.flush() == []
    assert tr.drops["far"] == 1
    for f in range(20, 29):  # the same plate later, up to 72 px: read
        tr.update(f, T0, [box_ob(f, "ABC1234", 300, 200 + 5 * f, 48 + 3 * (f - 20), 0.99)])
    (read,) = tr.flush()
    assert read.plate == "ABC1234"
    assert tr.drops["far"] == 1


def test_read_frame_is_a_whole_plate_not_one_cut_by_the_frame_edge() -> None:
    # A receding car: its plate is largest in the first frame, where the frame's edge cuts it.
    tr = tracker()
    obs = [box_ob(f, "ZUY2361", 600, 700 - 20 * f, 160 - 8 * f, 0.95) for f in range(6)]
    obs[0] = replace(obs[0], at_edge=True)
    for o in obs:
        tr.update(o.frame_index, o.ts, [o])
    (read,) = tr.flush()
    assert read.frame_index == 1


def test_read_frame_may_be_at_the_edge_when_no_frame_is_whole() -> None:
    tr = tracker()
    for f in range(3):
        o = box_ob(f, "ZUY2361", 600, 700, 100 + f, 0.95)
        tr.update(f, o.ts, [replace(o, at_edge=True)])
    (read,) = tr.flush()
    assert read.frame_index == 2


def test_receding_plate_taken_over_by_an_unsure_approaching_one_is_split_into_two_reads() -> None:
    # Dense traffic (validation clip "dense"): a receding plate, read fairly (not surely: 0.7),
    # shrinks away up the frame, and an approaching one appears where it was one frame later. The
    # newcomer is far and misread at first, and the track's own read is not sure enough for a
    # later sure read to contradict it, so position joins them. Both parts read as different
    # plates: two vehicles, two reads, each from its own frames.
    tr = tracker(max_gap_frames=5, min_plate_width=0)
    reads = []
    for f in range(20):
        reads += tr.update(f, T0, [box_ob(f, "ZUY2361", 900 - 3 * f, 300 - 4 * f, 120 - 3 * f, 0.7)])
    for f in range(21, 24):  # the newcomer, far and unsure
        reads += tr.update(f, T0, [box_ob(f, "KKP44", 842 + 3 * (f - 21), 228 + 4 * (f - 21), 62, 0.45)])
    for f in range(24, 40):
        g = f - 24
        reads += tr.update(f, T0, [box_ob(f, "MLH4351", 851 + 8 * g, 240 + 12 * g, 66 + 4 * g, 0.8)])
    assert tr.open_tracks == 1  # position joined them into one track
    reads += tr.flush()
    assert sorted(r.plate for r in reads) == ["MLH4351", "ZUY2361"]
    frames = {r.plate: r.frame_index for r in reads}
    assert frames["ZUY2361"] == 0  # its largest frame
    assert frames["MLH4351"] == 39
    assert len({r.track_id for r in reads}) == 2  # one track id per vehicle pass


def test_far_misreads_of_a_track_are_no_read_of_their_own() -> None:
    # One approaching car, misread the same way in its 6 far frames (unsure), then read right: the
    # sure part splits from the far part, which is no plate of its own (here it fits no format; even
    # with the minimum plate width off, which would let a far part through): one read, of the plate.
    tr = tracker(max_gap_frames=5, min_plate_width=0)
    for f in range(6):
        tr.update(f, T0, [box_ob(f, "4318", 300, 100 + 5 * f, 40 + 2 * f, 0.55)])
    for f in range(6, 30):
        tr.update(f, T0, [box_ob(f, "ABC1234", 300, 130 + 5 * f, 60 + 3 * f, 0.9)])
    (read,) = tr.flush()
    assert read.plate == "ABC1234"
    assert read.observations == 24  # its own frames
    assert tr.drops["format"] == 1  # the far part, dropped and counted


def test_a_plate_that_joined_a_track_of_large_junk_boxes_is_read() -> None:
    """The calibration split's HUC01G: large boxes on a car's panel, read unsurely as 'A' or '1',
    formed a track that a receding plate then continued (its first box overlapped their last one).
    The vote weighs a reading by its box's size squared, so the junk outvoted 17 sure readings of the
    plate and the track was dropped as `format` with the plate unread. The sure part now splits off."""
    tr = tracker(max_gap_frames=5)
    reads = []
    for f in range(20):  # the junk: 420 px boxes, unsure single characters
        text = ("A", "1", "")[f % 3]
        reads += tr.update(f, T0, [box_ob(f, text, 350 + f, 450, 420, 0.4 if text else 0.0)])
    for f in range(20, 40):  # the plate, receding up the frame from where the junk's box was
        g = f - 20
        reads += tr.update(f, T0, [box_ob(f, "HUC01G", 360 + 6 * g, 460 - 12 * g, 200 - 4 * g, 0.99)])
    reads += tr.flush()
    assert [r.plate for r in reads] == ["HUC01G"]
    assert reads[0].observations in (20, 21)  # its own frames (the boundary may take the last junk box)


def _sized(frame: int, text: str, x: float, width: float, conf: float = 0.9) -> Observation:
    return replace(ob(frame, text, x, conf), plate=PlateBox(Box(x, 100, x + width, 100 + width / 3), 0.9))


def _fragment_beside_main_track(tr: PlateTracker) -> list:
    """A plate approaching under glare: its main track starts on junk boxes and reads the plate
    from frame 12; a 2-frame fragment of the same plate, apart and smaller, ends first."""
    reads = []
    for f in range(40):
        obs = [_sized(f, "M81XMM7" if f >= 12 else "9550", 300 + 2 * f, 50 + 2 * f, 0.95 if f >= 12 else 0.4)]
        if f in (10, 12):
            obs.append(_sized(f, "M81XMM7", 700, 75, 0.8))  # the fragment: no overlap, too far to follow
        reads += tr.update(f, T0 + timedelta(seconds=f / 30), obs)
    return reads + tr.flush()


def test_a_fragment_of_an_open_track_reading_the_same_plate_joins_its_read() -> None:
    tr = tracker(max_gap_frames=5)
    reads = _fragment_beside_main_track(tr)
    assert [r.plate for r in reads] == ["M81XMM7"]
    # the main track's plate part (29: its first 11 junk boxes split off, dropped as `format`) and the
    # fragment's 2
    assert reads[0].observations == 31
    assert reads[0].frame_index == 39  # the widest frame: the near end of the pass, not the fragment's
    assert tr.drops["repeat"] == 0


def test_without_the_one_read_per_plate_rule_a_fragment_is_read_on_its_own() -> None:
    tr = tracker(max_gap_frames=5, dedupe_window="0s")
    reads = _fragment_beside_main_track(tr)
    assert sorted(r.observations for r in reads) == [2, 28]  # (the main track's junk boxes split off)
    assert {r.frame_index for r in reads} >= {39}


def _second(o: Observation, text: str, conf: float = 0.9, weight: float = 0.75) -> Observation:
    """`o` with a second backend's reading of its crop (ocr.second_opinion)."""
    other = PlateText(text, conf, (conf,) * len(text), weight=weight)
    return replace(o, text=replace(o.text, others=(other,)))


def test_a_second_backends_readings_tip_a_split_vote() -> None:
    # The first backend reads the fifth character as W in three frames and as N in two: alone it votes W.
    first = [ob(f, "X44WCL5" if f % 2 else "X44NCL5", 10 * f) for f in range(5)]
    first[4] = ob(4, "X44WCL5", 40)
    assert vote(first)[0] == "X44WCL5"
    # A second backend reading N in every frame outvotes it, though each of its readings counts 0.75.
    text, conf = vote([_second(o, "X44NCL5") for o in first])
    assert text == "X44NCL5"
    assert 0.5 < conf <= 1.0
    # ... and only by its weight: at 0.1 it cannot overturn three first readings against two.
    assert vote([_second(o, "X44NCL5", weight=0.1) for o in first])[0] == "X44WCL5"


def test_a_second_reading_of_another_length_does_not_mix_into_the_characters() -> None:
    # PP-OCR reads a border or badge as an extra character: a reading of another length votes on
    # the length, never position by position against the first backend's characters.
    obs = [_second(ob(f, "ABC1234", 10 * f), "IABC1234", conf=0.95) for f in range(4)]
    assert vote(obs)[0] == "ABC1234"


def test_an_observation_with_only_a_second_reading_still_votes() -> None:
    obs = [_second(ob(f, "", 10 * f, conf=0.0), "QRS789") for f in range(3)]
    assert vote(obs)[0] == "QRS789"


def test_read_frame_counts_the_reading_that_agrees_with_the_vote() -> None:
    """The evidence frame is picked by how surely its crop was read as the voted text, by either backend."""
    tr = tracker()
    obs = [_second(ob(f, "PLQ6822", 300 + f, conf=0.7), "PLQ6822", conf=0.8) for f in range(5)]
    # Frame 2: the first backend misread it surely (0.99); the second read the voted text at 0.8,
    # which counts 0.8 x 0.75 = 0.6: less sure of the voted text than the others' 0.7.
    obs[2] = _second(ob(2, "PLQ5822", 302, conf=0.99), "PLQ6822", conf=0.8)
    for o in obs:
        tr.update(o.frame_index, T0, [o])
    (read,) = tr.flush()
    assert read.plate == "PLQ6822"
    assert read.frame_index != 2


def _pass(tr: PlateTracker, texts: list[tuple[str, float]]) -> tuple[list[bool], list[str]]:
    """Feed one plate moving right, frame by frame, as the pipeline does: a frame whose box
    continues a settled track is not read (empty text). Returns which frames were read, and the
    plates read (the tracker flushed at the end)."""
    read, plates = [], []
    for f, (text, conf) in enumerate(texts):
        o = ob(f, text, 10 + 20 * f, conf)
        settled = tr.settled(f, o.plate.box)
        read.append(not settled)
        plates += [r.plate for r in tr.update(f, T0, [replace(o, text=PlateText("", 0.0)) if settled else o])]
    return read, plates + [r.plate for r in tr.flush()]


def test_a_settled_track_is_read_again_only_every_fifth_frame() -> None:
    tr = tracker(max_gap_frames=5, settled_readings=3)
    read, plates = _pass(tr, [("XYZ789", 0.95)] * 20)
    assert read[:3] == [True, True, True]  # three sure agreeing readings settle it
    assert read[3:8] == [False, False, False, False, True]  # then every 5th frame is read
    assert sum(read) == 3 + 17 // 5
    assert plates == ["XYZ789"]


def test_unsure_or_disagreeing_readings_do_not_settle_a_track() -> None:
    unsure, _ = _pass(tracker(settled_readings=3), [("XYZ789", 0.8)] * 10)
    assert all(unsure)
    mixed, _ = _pass(tracker(settled_readings=3), [("XYZ789", 0.95), ("XYZ780", 0.95)] * 5)
    assert all(mixed)
    off, _ = _pass(tracker(settled_readings=0), [("XYZ789", 0.99)] * 10)
    assert all(off)


def test_another_plate_taking_a_settled_ones_place_is_still_read() -> None:
    # A settled track's plate is replaced at the same place by another (dense traffic): the next
    # frame read (every 5th) reads the newcomer surely, which splits the track: two reads.
    read, plates = _pass(
        tracker(max_gap_frames=5, settled_readings=3), [("AAA111", 0.95)] * 8 + [("BBB222", 0.95)] * 12
    )
    assert not all(read[3:8])
    assert sorted(plates) == ["AAA111", "BBB222"]


def test_an_approaching_plate_is_read_while_it_grows() -> None:
    # Sure agreeing readings, but each frame nearer (wider) than any read so far: its near frames
    # read best, so none is skipped; once it stops growing the track settles.
    tr = tracker(max_gap_frames=5, settled_readings=3)
    read = []
    for f in range(12):
        width = 60 * 1.15**f if f < 8 else 60 * 1.15**7
        o = _sized(f, "XYZ789", 10 + 10 * f, width, 0.95)
        settled = tr.settled(f, o.plate.box)
        read.append(not settled)
        tr.update(f, T0, [replace(o, text=PlateText("", 0.0)) if settled else o])
    assert all(read[:8])
    assert not all(read[8:])


def _layouts(tr: PlateTracker, lines: list[int]) -> list[int | None]:
    """Feed one plate moving right whose frame f the OCR read as XYZ789 in layout lines[f] (1 or 2);
    returns the layout the tracker asked for before each frame (None: both)."""
    asked = []
    for f, n in enumerate(lines):
        o = ob(f, "XYZ789", 10 + 20 * f, 0.7)
        asked.append(tr.layout(f, o.plate.box))
        tr.update(f, T0, [replace(o, text=replace(o.text, lines=n))])
    return asked


def test_a_track_that_settled_on_a_layout_is_read_in_it_but_every_fifth_frame() -> None:
    asked = _layouts(tracker(max_gap_frames=5, layout_readings=3), [2] * 12)
    assert asked[:3] == [None, None, None]  # a new track: both layouts, the surer kept
    assert asked[3] == 2  # three readings as two lines: read as two lines only
    assert [i for i, a in enumerate(asked) if a is None] == [0, 1, 2, 4, 9]  # the 5th, 10th ... both again
    assert set(asked[5:9]) == {2}
    assert _layouts(tracker(layout_readings=3), [1] * 6)[3] == 1


def test_a_track_whose_layouts_differ_or_with_the_rule_off_is_read_both_ways() -> None:
    assert set(_layouts(tracker(layout_readings=3), [1, 2] * 5)) == {None}
    assert set(_layouts(tracker(layout_readings=0), [1] * 10)) == {None}
    # A far, unsure plate read as two lines twice, then as one line as it nears: the hint follows.
    asked = _layouts(tracker(max_gap_frames=5, layout_readings=2), [2, 2, 1, 1, 1, 1])
    assert asked[2] == 2
    assert asked[3] is None
    assert asked[5] == 1


def test_rare_letters_lose_a_split_vote_to_the_digit_they_read_like() -> None:
    """tracking.letter_weights: I, O and Q, which many plate systems leave out, count 0.3 of a
    reading. A track read WHO6701 in 6 frames and WH06701 in 4 votes the digit; {} votes as before."""
    split = [ob(f, "WHO6701" if f % 5 < 3 else "WH06701", 8 * f) for f in range(10)]
    assert vote(split)[0] == "WHO6701"  # no weights: the majority
    assert vote(split, TrackingConfig().letter_weights)[0] == "WH06701"
    tr = tracker()
    reads = [r for f, o in enumerate(split) for r in tr.update(f, T0, [o])] + tr.flush()
    assert [r.plate for r in reads] == ["WH06701"]
    tr = tracker(letter_weights={})
    reads = [r for f, o in enumerate(split) for r in tr.update(f, T0, [o])] + tr.flush()
    assert [r.plate for r in reads] == ["WHO6701"]


def test_a_letter_read_in_every_frame_stays_a_letter() -> None:
    """The weight only tips a vote split between a letter and its digit twin: with the default weights,
    a plate read with an O in every frame, or with the O in 8 of 10, keeps its O (the digit would need
    a third of the letter's support), and a split between I and T is not the weights' business."""
    every = [ob(f, "JOB1234", 8 * f) for f in range(10)]
    assert vote(every, TrackingConfig().letter_weights)[0] == "JOB1234"
    mostly = [ob(f, "JOB1234" if f < 8 else "J0B1234", 8 * f) for f in range(10)]
    assert vote(mostly, TrackingConfig().letter_weights)[0] == "JOB1234"
    other = [ob(f, "XYZ789" if f % 2 else "XYZ780", 8 * f) for f in range(10)]  # no rare letter: untouched
    assert vote(other, TrackingConfig().letter_weights) == vote(other)
    # I against another letter (T), not its digit twin: the weights leave the split alone
    letters = [ob(f, "766KJI" if f % 5 < 3 else "766KJT", 8 * f) for f in range(10)]
    assert vote(letters, TrackingConfig().letter_weights) == vote(letters)
    assert vote(letters)[0] == "766KJI"
