"""CPU-heavy calls (argon2 password checks, PDF letters) run off gevent's event loop in the served app, so a burst of
sign-in attempts does not stall the worker's health checks and webhooks (plugin/offload.py)."""

from __future__ import annotations

import threading

import gevent
from gevent import monkey

from plugin import offload
from plugin.services import accounts


def test_outside_gevent_the_call_runs_where_it_is(monkeypatch):
    monkeypatch.setattr(monkey, "is_module_patched", lambda name: False)
    assert offload.off_the_event_loop(threading.get_ident) == threading.get_ident()


def test_under_gevent_a_password_check_runs_in_the_thread_pool_while_the_loop_goes_on(monkeypatch):
    monkeypatch.setattr(monkey, "is_module_patched", lambda name: True)
    seen = []
    real = accounts._verify_here

    def check(password_hash, password):
        seen.append(threading.get_ident())
        return real(password_hash, password)

    monkeypatch.setattr(accounts, "_verify_here", check)
    ticks = []

    def loop_meanwhile():
        for _ in range(5):
            ticks.append(1)
            gevent.sleep(0.001)

    other = gevent.spawn(loop_meanwhile)
    hashed = accounts._hasher.hash("correct horse battery staple")
    assert accounts._verify(hashed, "correct horse battery staple") is True
    other.join()
    assert seen and seen[0] != threading.get_ident(), "the check ran in another thread (gevent's pool)"
    assert len(ticks) == 5
