"""Health test helpers (tests.support.health): the shipped models, an endless camera, HTTP get, a running
service (runner, store, health endpoint) and waiting for its state, the status model checker."""

from __future__ import annotations

import json
import threading
import time
import types
import typing
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from edge.capture.base import SourceStats
from edge.config import load_config
from edge.health.service import Observability
from edge.pipeline import Models
from edge.runner import Runner
from edge.store import Store
from edge.types import Frame, Read


def _shipped_models() -> Models:
    """The real shipped detector and OCR (the health tests feed them blank frames: no reads, real work)."""
    from edge.config import Config
    from edge.pipeline import load_models

    return load_models(Config())


MODELS = _shipped_models()


class EndlessCamera:
    """A camera that gives small frames at `fps` until closed; `hold` (set) freezes it: a stalled camera."""

    def __init__(self, camera: str, fps: float = 50.0) -> None:
        self.camera = camera
        self.fps = fps
        self.stats = SourceStats()
        self.hold = threading.Event()
        self.closed = threading.Event()

    def frames(self) -> Iterator[Frame]:
        i = 0
        image = np.zeros((48, 64, 3), np.uint8)
        while not self.closed.is_set():
            if self.hold.is_set():
                self.closed.wait(0.05)
                continue
            self.stats.frames += 1
            yield Frame(self.camera, i, datetime.now(UTC), image)
            i += 1

    def close(self) -> None:
        self.closed.set()


def get(url: str, timeout: float = 30.0) -> tuple[int, str, str]:
    """(status, content type, body) of a GET; HTTP errors are returned, not raised."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read().decode()


def get_json(url: str) -> tuple[int, dict[str, Any]]:
    status, _ctype, body = get(url)
    return status, json.loads(body)


def make_read(plate: str, camera: str = "lane-1", ts: datetime | None = None) -> Read:
    return Read(
        id=str(uuid.uuid4()),
        plate=plate,
        confidence=0.9,
        camera=camera,
        ts=ts or datetime.now(UTC),
        frame_index=1,
        bbox=(0.0, 0.0, 10.0, 5.0),
        track_id="t1",
        observations=3,
        detector_model="d",
        ocr_model="o",
    )


def write_config(
    path: Path, store: Path, *, port: int = 0, extra: str = "", cameras: str = "", stale_after: str = "5s"
) -> Path:
    cams = cameras or "cameras:\n  - name: lane-1\n    source: '0'\n"
    path.write_text(
        f"node_id: test-node\n{cams}"
        f"store:\n  path: {store}\n  min_free_mb: 0\n"
        f"health:\n  port: {port}\n  stale_after: {stale_after}\n"
        f"{extra}"
    )
    return path


def _fields(tp: Any) -> Iterator[tuple[str, Any, bool]]:
    """(key, type, required) of each field of the TypedDict `tp`."""
    for key, hint in typing.get_type_hints(tp, include_extras=True).items():
        if typing.get_origin(hint) is typing.NotRequired:
            yield key, typing.get_args(hint)[0], False
        else:
            yield key, hint, True


def shape_problems(value: Any, tp: Any, where: str = "status") -> list[str]:
    """Where `value` (decoded JSON) differs from the type `tp` of edge.health.status: a required key
    missing, a key the model does not name, a value of the wrong type. Empty when it conforms."""
    origin = typing.get_origin(tp)
    if typing.is_typeddict(tp):
        if not isinstance(value, dict):
            return [f"{where}: {type(value).__name__}, not an object"]
        fields = list(_fields(tp))
        problems = [f"{where}.{k}: not in the model" for k in value if k not in {f[0] for f in fields}]
        for key, hint, required in fields:
            if key in value:
                problems += shape_problems(value[key], hint, f"{where}.{key}")
            elif required:
                problems.append(f"{where}.{key}: missing")
        return problems
    if origin in (typing.Union, types.UnionType):
        options = [shape_problems(value, arg, where) for arg in typing.get_args(tp)]
        return [] if any(not p for p in options) else min(options, key=len)
    if origin is typing.Literal:
        return [] if value in typing.get_args(tp) else [f"{where}: {value!r} is none of {typing.get_args(tp)}"]
    if origin is list:
        if not isinstance(value, list):
            return [f"{where}: {type(value).__name__}, not a list"]
        (item,) = typing.get_args(tp)
        return [p for i, v in enumerate(value) for p in shape_problems(v, item, f"{where}[{i}]")]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{where}: {type(value).__name__}, not an object"]
        _key, item = typing.get_args(tp)
        return [p for k, v in value.items() for p in shape_problems(v, item, f"{where}.{k}")]
    if tp is None or tp is type(None):
        return [] if value is None else [f"{where}: {value!r}, not null"]
    if tp is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif tp is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, tp)
    return [] if ok else [f"{where}: {value!r} is not {tp.__name__}"]


def required_paths(value: Any, tp: Any, where: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """The path of every key of `value` that the model `tp` requires (to delete one at a time)."""
    if typing.get_origin(tp) in (typing.Union, types.UnionType):
        tp = next(a for a in typing.get_args(tp) if not shape_problems(value, a))
    if typing.is_typeddict(tp):
        for key, hint, required in _fields(tp):
            if key in value:
                if required:
                    yield (*where, key)
                yield from required_paths(value[key], hint, (*where, key))
    elif typing.get_origin(tp) is list:
        (item,) = typing.get_args(tp)
        for i, v in enumerate(value):
            yield from required_paths(v, item, (*where, i))


def wait_for(check: Callable[[], Any], what: str, timeout: float = 60.0, extra: Any = "") -> Any:
    """Poll until `check()` is truthy (no timing is asserted: the deadline only bounds a hang)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}{extra}")


class Service:
    def __init__(self, tmp: Path, stale_after: str = "5s") -> None:
        self.config_path = write_config(tmp / "edge.yaml", tmp / "data" / "edge.db", stale_after=stale_after)
        self.cfg = load_config(self.config_path)
        self.camera = EndlessCamera("lane-1")
        self.stop = threading.Event()
        self.runner = Runner(self.cfg, lambda r: True, models=MODELS, sources={"lane-1": self.camera})
        self.store = Store.from_config(self.cfg)
        self.obs = Observability(self.cfg, self.runner, self.store, config_path=self.config_path, sighup=False)
        self.thread = threading.Thread(target=self.runner.run, args=(self.stop,), daemon=True)
        self.last_doc: dict[str, Any] | None = None

    def __str__(self) -> str:
        return f": last /healthz {self.last_doc}"

    def __enter__(self) -> Service:
        self.obs.__enter__()
        self.thread.start()
        assert self.obs.server is not None
        self.url = self.obs.server.url
        return self

    def __exit__(self, *exc: object) -> None:
        self.camera.close()  # a held (stalled) stand-in camera would keep its capture thread waiting
        self.stop.set()
        self.thread.join(60)
        self.obs.__exit__()
        self.store.close()


def healthy_doc(svc: Service) -> dict[str, Any] | None:
    status, doc = get_json(svc.url + "/healthz")
    svc.last_doc = doc
    return doc if status == 200 and doc["cameras"][0]["state"] == "up" else None
