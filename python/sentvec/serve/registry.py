"""The models a worker serves: each mapped once per process, reloaded in place.

A slot holds the current ``Model`` of one name. A request takes the slot's model once and uses
that object to the end, so a reload (a new mapping of the replaced file, then one reference
swap) never disturbs a request in flight: the old mapping lives until its last request is done.
A failed reload keeps the old model serving and is reported by ``/ready`` and ``/metrics``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("sentvec.serve")


class NotLoaded(Exception):
    """The model is still loading (503) or failed to load (503, with the reason)."""


@dataclass
class Slot:
    name: str
    path: str
    model: Any = None
    state: str = "loading"  # loading | ready | failed
    error: str = ""
    generation: int = 0  # how many times a model was put in this slot
    loaded_at: float = 0.0
    last_reload_error: str = ""

    def describe(self) -> dict[str, Any]:
        d: dict[str, Any] = {"name": self.name, "path": self.path, "state": self.state,
                             "generation": self.generation}
        if self.error:
            d["error"] = self.error
        if self.last_reload_error:
            d["last_reload_error"] = self.last_reload_error
        m = self.model
        if m is not None:
            args = m.args
            d.update(model=args["model"], dim=m.get_dimension(), words=len(m.words),
                     labels=len(m.labels) if args["model"] == "supervised" else 0,
                     mapped=m.mapped, loaded_at=self.loaded_at)
        return d


class Registry:
    """name -> Slot; loading and reloading run on a background thread, one at a time."""

    def __init__(self, models: dict[str, str], loader: Callable[[str], Any],
                 on_reload: Callable[[str, bool], None] | None = None):
        self.slots = {name: Slot(name, path) for name, path in models.items()}
        self._loader = loader
        self._on_reload = on_reload or (lambda name, ok: None)
        self._lock = threading.Lock()  # one load/reload pass at a time
        self.loaded = threading.Event()

    def get(self, name: str) -> Any:
        """The model to answer with; KeyError for an unknown name, NotLoaded while not ready."""
        slot = self.slots[name]
        model = slot.model
        if model is None:
            raise NotLoaded(f"model {name!r} is loading" if slot.state == "loading"
                            else f"model {name!r} failed to load: {slot.error}")
        return model

    @property
    def ready(self) -> bool:
        return all(s.model is not None for s in self.slots.values())

    def start(self) -> None:
        threading.Thread(target=self._load_all, name="sentvec-load", daemon=True).start()

    def reload_async(self) -> None:
        threading.Thread(target=self.reload, name="sentvec-reload", daemon=True).start()

    def _load_all(self) -> None:
        with self._lock:
            for slot in self.slots.values():
                try:
                    self._put(slot, self._loader(slot.path))
                except Exception as e:  # a bad file must not kill the worker: it answers 503
                    slot.state, slot.error = "failed", f"{type(e).__name__}: {e}"
                    log.error("loading %s (%s) failed: %s", slot.name, slot.path, slot.error)
        self.loaded.set()

    def reload(self) -> dict[str, str]:
        """Load every model's file again and swap it in; the old model serves until then."""
        results = {}
        with self._lock:
            for slot in self.slots.values():
                try:
                    self._put(slot, self._loader(slot.path))
                    slot.last_reload_error = ""
                    results[slot.name] = "reloaded"
                    self._on_reload(slot.name, True)
                except Exception as e:
                    slot.last_reload_error = f"{type(e).__name__}: {e}"
                    results[slot.name] = "failed: " + slot.last_reload_error
                    log.error("reloading %s failed, the previous model keeps serving: %s", slot.name,
                              slot.last_reload_error)
                    self._on_reload(slot.name, False)
        return results

    @staticmethod
    def _put(slot: Slot, model: Any) -> None:
        slot.model = model  # one reference swap: requests in flight keep the model they took
        slot.state, slot.error = "ready", ""
        slot.generation += 1
        slot.loaded_at = time.time()
