"""`make faults outage`: the helpdesk down for longer than the whole retry schedule, then back (issue 21 item 7).

A council's helpdesk down for 15 minutes, shortened by settings: the outbox's retry schedule is cut to
OUTBOX_MAX_ATTEMPTS=3 (backoffs of about 5, 10 and 20 s: under a minute in all), the probe to every 2 s, and the
helpdesk (benchmarks/fake_helpdesk.py) drops every connection for `--seconds` (default 60 s, longer than that
schedule) while webhooks keep arriving; then it answers again. The run counts what a council must be able to rely
on: no action dead-lettered by the outage, every action applied exactly once, each ticket's actions in the order
they were queued, and everything through within 60 s of the helpdesk's return.

    python -m benchmarks.faults outage [--seconds 60] [--rate 4]
"""

from __future__ import annotations

import datetime as dt
import os
import random
import tempfile
import threading
import time
from pathlib import Path

import psycopg

from .common import free_port, fresh_postgres, webhook_path

PROBE_SECONDS = 2
MAX_ATTEMPTS = 3  # the retry schedule the outage outlasts (production default 8)
BACK_WITHIN = 60.0  # seconds after the helpdesk's return by which every action must be through


def run_once(seconds: float, rate: float, seed_value: int) -> dict:
    """One run: webhooks during an outage of `seconds`, then recovery; the figures as a dict."""
    from .faults import (
        SECRET_KEY,
        Processes,
        Sender,
        count,
        deliveries,
        fake_helpdesk_api,
        helpdesk_control,
        helpdesk_state,
        seed,
    )

    rng = random.Random(seed_value)
    items = deliveries(max(4, int(seconds * rate * 3 / 4)), rng)
    with (
        fresh_postgres() as (url, dsn),
        tempfile.TemporaryDirectory(prefix="cg-faults-") as tmp,
        fake_helpdesk_api(Path(tmp)) as api,
    ):
        logs = Path(tmp)
        procs = None
        try:
            connection_id = seed(url, str(logs / "instance"), api)
            env = {
                **os.environ,
                "CONTACTGUARD_DATABASE_URL": url,
                "CONTACTGUARD_INSTANCE_PATH": str(logs / "instance"),
                "CONTACTGUARD_SECRET_KEY": SECRET_KEY,
                "CONTACTGUARD_LOG_LEVEL": "WARNING",
                "CONTACTGUARD_OUTBOX_MAX_ATTEMPTS": str(MAX_ATTEMPTS),
                "CONTACTGUARD_OUTBOX_PROBE_SECONDS": str(PROBE_SECONDS),
            }
            procs = Processes(env, free_port(), logs)
            procs.start_all()
            procs.wait_ready()
            helpdesk_control(api, mode="down")
            down_at = time.time()
            path = webhook_path(str(logs / "instance"), SECRET_KEY, connection_id)
            sender = Sender(procs.port, path, items, rate=len(items) / seconds)
            sending = threading.Thread(target=sender.run, args=(time.monotonic() + seconds + 60,))
            sending.start()
            time.sleep(seconds)
            sending.join()
            waiting_at_return, dead_during = _outbox(dsn)
            helpdesk_control(api, mode="ok")
            back_at = time.time()
            through_after = _wait_until_drained(dsn, back_at + BACK_WITHIN * 3)
            procs.stop_all()
            state = helpdesk_state(api)
            figures = count(dsn, sender, state)
            return {
                "scenario": "outage",
                "date": dt.datetime.now().isoformat(timespec="seconds"),
                "outage_seconds": round(back_at - down_at, 1),
                "retry_schedule_seconds": round(sum(5 * 2**n for n in range(MAX_ATTEMPTS)), 1),
                "probe_seconds": PROBE_SECONDS,
                "seed": seed_value,
                "waiting_at_return": waiting_at_return,
                "dead_during_outage": dead_during,
                "through_after_return_seconds": None if through_after is None else round(through_after, 1),
                "out_of_order": _out_of_order(dsn, state),
                **figures,
            }
        finally:
            if procs is not None:
                procs.stop_all()


def _outbox(dsn: str) -> tuple[int, int]:
    with psycopg.connect(dsn) as conn:
        rows = dict(conn.execute("SELECT state, count(*) FROM outbox_actions GROUP BY state").fetchall())
    return rows.get("pending", 0), rows.get("dead", 0)


def _wait_until_drained(dsn: str, deadline: float) -> float | None:
    """Seconds from now until nothing is pending (None if still pending at `deadline`)."""
    started = time.time()
    while time.time() < deadline:
        if _outbox(dsn)[0] == 0:
            return time.time() - started
        time.sleep(0.5)
    return None


def _out_of_order(dsn: str, state: dict) -> int:
    """Tickets whose successful writes reached the helpdesk in another order than their actions were queued."""
    with psycopg.connect(dsn) as conn:
        queued = conn.execute(
            "SELECT ticket_id, kind FROM outbox_actions WHERE state = 'done' AND ticket_id IS NOT NULL ORDER BY id"
        ).fetchall()
    order: dict[str, list[str]] = {}
    for ticket, kind in queued:
        order.setdefault(ticket, []).append(kind)
    seen: dict[str, list[str]] = {}
    for call in state["calls"]:
        if not isinstance(call["status"], int) or call["status"] >= 300 or call["method"] == "GET":  # or dropped
            continue
        ticket, kind = _call_kind(call)
        if ticket is not None and (not seen.get(ticket) or seen[ticket][-1] != kind):
            seen.setdefault(ticket, []).append(kind)
    # A write the client found already made is skipped (tags already there): what reached the helpdesk must be
    # the queued order with, at most, some writes left out.
    return sum(1 for ticket, kinds in seen.items() if not _in_order(kinds, _collapsed(order.get(ticket, []))))


def _in_order(seen: list[str], queued: list[str]) -> bool:
    """`seen` is `queued` with some items left out (a subsequence)."""
    rest = iter(queued)
    return all(any(kind == q for q in rest) for kind in seen)


def _collapsed(kinds: list[str]) -> list[str]:
    """The queued kinds as the helpdesk sees them: both tag actions write the tags field; repeats collapse."""
    out: list[str] = []
    for kind in ("tags" if k in ("add_tags", "remove_tags") else k for k in kinds):
        if not out or out[-1] != kind:
            out.append(kind)
    return out


def _call_kind(call: dict) -> tuple[str | None, str]:
    body = call.get("body") or {}
    if call["method"] == "POST" and call["path"].endswith("/followups/"):
        return str(body.get("ticket")), "add_note"
    parts = call["path"].rstrip("/").split("/")
    ticket = parts[-1] if parts[-2] == "tickets" else None
    if "custom_contact_restriction" in body:
        return ticket, "set_flag"
    if "custom_contactguard_tags" in body:
        return ticket, "tags"
    if "assigned_to" in body:
        return ticket, "assign"
    if "priority" in body:
        return ticket, "set_priority"
    return ticket, "other"


def summary_line(r: dict) -> str:
    """The run's figures as name=value, beside the other scenarios'."""
    return (
        f"outage outage_s={r['outage_seconds']} retry_schedule_s={r['retry_schedule_seconds']} "
        f"waiting_at_return={r['waiting_at_return']} dead={r['actions_dead']} "
        f"through_after_return_s={r['through_after_return_seconds']} applied={r['applied']} "
        f"notes_duplicated={r['notes_duplicated']} out_of_order={r['out_of_order']} lost={r['lost']} "
        f"acknowledged={r['acknowledged']}/{r['deliveries']}"
    )


def failed(r: dict) -> bool:
    """A dead letter, a loss, a doubled note, a ticket out of order, or not through within BACK_WITHIN."""
    slow = r["through_after_return_seconds"] is None or r["through_after_return_seconds"] > BACK_WITHIN
    return bool(r["actions_dead"] or r["lost"] or r["notes_duplicated"] or r["out_of_order"] or slow)
