"""The worker's decision step in a thread beside the webhooks, as `contactguard worker` runs it on PostgreSQL.

plugin/worker/scheduler.py gives each worker a thread that decides stored events while the webhooks keep
arriving; here the same `decisions.decide_pending` runs in a thread while customers with nothing in force
write. Before anything else happens (an officer's act, a restricted customer's contact, the sweeps, the
day's checks) the simulation takes `lock`, which the thread holds while it decides, and catches up itself:
so every act sees each earlier contact decided, as it would a moment later in production.
"""

from __future__ import annotations

import threading

from plugin.config import Settings
from plugin.worker import decisions


class Decider:
    """A thread that decides what the webhook stored whenever it is poked, until stopped."""

    def __init__(self, sessions, settings: Settings):
        self.sessions, self.settings = sessions, settings
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.stopping = False
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, name="simulation-decide", daemon=True)

    def start(self) -> Decider:
        self.thread.start()
        return self

    def poke(self) -> None:
        """An event was stored: decide it soon."""
        self.wake.set()

    def stop(self) -> None:
        self.stopping = True
        self.wake.set()
        self.thread.join(30)

    def check(self) -> None:
        """Raise here what failed in the thread (the worker logs and goes on; a simulation must not)."""
        if self.error is not None:
            raise RuntimeError("the decision thread failed") from self.error

    def _run(self) -> None:
        while not self.stopping:
            self.wake.wait()
            self.wake.clear()
            if self.stopping:
                return
            with self.lock:
                try:
                    while decisions.decide_pending(self.sessions, self.settings) >= decisions.BATCH:
                        pass
                except Exception as exc:  # noqa: BLE001 - kept, and raised in the simulation's own thread
                    self.error = exc
                    return
