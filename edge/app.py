"""The one place that assembles the application from a config.

Every command that recognises plates (`run`, `replay`, `eval`) and every script that measures them
builds the same thing here, so the same config behaves the same whichever way frames arrive:

    app = App(cfg)                                   # nothing opened or written yet
    recognizer = app.recognizer()                    # models loaded once: bad models fail here
    with app.open("replay") as session:              # ledger, store, sharing, hotlists, in that order
        replay(source, recognizer, session.write)

`App.open` opens, in this order, and closes in reverse:

1. the audit ledger (fail closed: no ledger, no start) and a ``startup`` entry naming the command;
2. the store, its purge receipts recorded in that ledger;
3. sharing: the grants are checked, the outbox hook attached before the first read, and (unless
   ``publish=False``) one publisher per peer started;
4. the read sink: each read stored, then matched against the hotlists (alerts in the ledger);
5. for `run` only (``observe=``): the health endpoint, SIGHUP reload and log redaction;

and on leaving flushes the store and records a ``shutdown`` entry with what was stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edge.config import Config
from edge.types import Read

if TYPE_CHECKING:
    from edge.audit.ledger import Ledger
    from edge.evaluate import EvalResult
    from edge.hotlist import Alert
    from edge.pipeline import Models, Recognizer
    from edge.runner import Runner
    from edge.share.service import ShareService
    from edge.store import Store

log = logging.getLogger(__name__)


@dataclass
class Session:
    """What `App.open` yields: the open ledger, store and sharing, and the pipeline's sink."""

    command: str
    ledger: Ledger
    store: Store
    share: ShareService | None
    write: Callable[[Read], bool]
    observability: Any = None
    extra: dict[str, Any] = field(default_factory=dict)  # added to the shutdown entry's detail


class App:
    """One device's application, assembled from its config."""

    def __init__(self, cfg: Config, *, models: Models | None = None) -> None:
        self.cfg = cfg
        self._models = models
        self._session: Session | None = None

    @property
    def models(self) -> Models:
        """The detector and OCR of the config, loaded on first use and shared by every camera."""
        if self._models is None:
            from edge.pipeline import load_models

            self._models = load_models(self.cfg)
        return self._models

    def recognizer(self, camera: str | None = None) -> Recognizer:
        """A recognizer for the camera of the config named `camera` (its ROI and masks applied); a name
        the config does not know, or None, gets the defaults (a recording)."""
        from edge.gate import make_gate
        from edge.pipeline import Recognizer

        cam = next((c for c in self.cfg.cameras if c.name == camera), None) if camera is not None else None
        return Recognizer(
            self.cfg,
            self.models,
            gate=make_gate(self.cfg.gate, cam.roi if cam else None, min_plate_width=self.cfg.detector.min_width),
            camera=cam,
        )

    def runner(self, **options: Any) -> Runner:
        """Every camera of the config on its own threads, writing into the open session (`write`).
        Cameras are opened and models loaded here, before anything is written."""
        from edge.health.clock import clock_synchronised
        from edge.runner import Runner

        options.setdefault("clock_synchronised", clock_synchronised)
        return Runner(self.cfg, self.write, models=self.models, **options)

    def write(self, read: Read) -> bool:
        """The open session's sink: store the read, share it under the grants, match the hotlists."""
        session = self._session
        if session is None:
            raise RuntimeError("App.write before App.open: the store is not open")
        return session.write(read)

    @contextmanager
    def open(
        self,
        command: str,
        *,
        publish: bool = True,
        background: bool = False,
        on_alert: Callable[[Alert], None] | None = None,
        on_review: Callable[[Alert], None] | None = None,
        observe: Runner | None = None,
        config_path: Path | None = None,
        db: Path | None = None,
        startup: dict[str, Any] | None = None,
    ) -> Iterator[Session]:
        """Open the ledger, store, sharing and hotlists of the config for `command` (recorded).

        `publish=False` queues granted reads in the outbox as usual but connects to no peer (eval's
        throwaway store). `background=True` (the long-running service) also starts the store's purger
        and the hotlist expiry. `observe` adds the health endpoint and SIGHUP reload for that runner.
        """
        from edge.audit.events import Action, Actor
        from edge.audit.ledger import open_ledger
        from edge.hotlist.sink import open_read_sink
        from edge.share.service import sharing
        from edge.store import PurgeReceipt, Store, read_ledger_anchor

        cfg = self.cfg
        system = Actor.system(cfg.node_id)
        cameras = [c.name for c in cfg.cameras]
        # a store bound to another ledger, or whose ledger is gone, is refused before anything is written
        with open_ledger(cfg, store_anchor=read_ledger_anchor(cfg.store.path)) as ledger:

            def receipt(r: PurgeReceipt) -> None:
                ledger.append(Action.PURGE, system, r.to_dict())

            ledger.append(
                Action.STARTUP,
                system,
                {"command": command, "cameras": cameras, "profile": cfg.profile, **(startup or {})},
            )
            with ExitStack() as stack:
                store = stack.enter_context(Store.from_config(cfg, on_receipt=receipt))
                ledger.bind_store(store, cfg.store.path)  # the store names its ledger (first use) or is refused
                share = stack.enter_context(sharing(cfg, store, publish=publish, ledger=ledger))
                expire = store.retention.effective_purge_interval().total_seconds() if background else None
                write = stack.enter_context(
                    open_read_sink(cfg, store, on_alert=on_alert, on_review=on_review, expire_every=expire)
                )
                obs = None
                if observe is not None:
                    from edge.health.service import Observability

                    obs = stack.enter_context(Observability(cfg, observe, store, config_path=config_path, db=db))
                    write = obs.watch(write)
                    live = getattr(share.search_handler, "live", None) if share is not None else None
                    if live is not None:  # a SIGHUP changing search, profile or audit.misuse reaches remote search
                        obs.reloader.add_applier(live.apply)
                    if share is not None:  # a change of who may receive or search reads reaches every witness now
                        obs.reloader.add_applier(_push_on_sharing_change(share))
                if share is not None and background:
                    share.share_checkpoint(sign_now=True)  # the head at start, a sharing change recorded then included
                session = Session(command, ledger, store, share, write, obs)
                if background:
                    store.start_purger()
                self._session = session
                try:
                    yield session
                finally:
                    self._session = None
                store.flush()
                stats = store.stats
            ledger.append(
                Action.SHUTDOWN,
                system,
                {"command": command, "reads": stats.written, "refused": stats.refused, **session.extra},
            )


def _push_on_sharing_change(share: Any) -> Callable[[Config, Config], None]:
    """A reload applier: after a recorded change of sharing, profile or search policy, sign the ledger's
    head and queue it for every peer at once (issue 27: such a change must not wait for the next interval)."""

    def apply(old: Config, new: Config) -> None:
        from edge.audit.search import SHARING_SECTIONS

        before, after = old.model_dump(mode="json"), new.model_dump(mode="json")
        if any(before.get(s) != after.get(s) for s in SHARING_SECTIONS):
            share.share_checkpoint(sign_now=True)

    return apply


def evaluate_clip(
    clip: Path,
    truth_path: Path,
    cfg: Config,
    *,
    on_frame: Callable[[Any], None] | None = None,
    models: Models | None = None,
    on_replay: Callable[[Any], None] | None = None,
) -> EvalResult:
    """Replay one clip through the configured application into a throwaway store and score its reads.
    `on_replay` receives the `ReplayResult` (stage times and counts) when the replay ends.

    The store (and the ledger and outbox beside it, unless the config places them elsewhere) lives in
    a temporary folder and is deleted afterwards; granted reads are queued as in `run` but no peer is
    contacted. `models`: the config's models, already loaded (a script scoring many clips loads them
    once). The result pairs each stored read's confidence with whether it was exact (`confidence_exact`)."""
    import tempfile

    from edge.capture import open_source
    from edge.evaluate import Truth, score
    from edge.pipeline import replay

    truth = Truth.load(truth_path)
    with tempfile.TemporaryDirectory(prefix="edge-alpr-eval-") as tmp:
        tmp_cfg = cfg.with_db(Path(tmp) / "eval.db")
        app = App(tmp_cfg, models=models)
        source = open_source(clip, camera="eval")
        recognizer = app.recognizer()
        kept: list[Read] = []
        with app.open("eval", publish=False) as session:

            def sink(read: Read) -> bool:
                ok = session.write(read)
                if ok:
                    kept.append(read)
                return ok

            run = replay(source, recognizer, sink, on_frame=on_frame)
    if on_replay is not None:
        on_replay(run)
    result = score([(r.plate, r.frame_index) for r in kept], truth, confidences=[r.confidence for r in kept])
    result.seconds = run.seconds
    result.frames = run.frames
    result.fps = run.fps
    return result
