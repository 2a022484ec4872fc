"""`make faults`: fault runs on PostgreSQL, counting what was acknowledged, stored, applied, doubled and lost.

Each run makes its own PostgreSQL database (dropped afterwards), a fake django-helpdesk
(benchmarks/fake_helpdesk.py), `contactguard serve --workers 2` and two `contactguard worker`s, and
sends django-helpdesk webhooks at a steady rate for a while. The sender behaves as a helpdesk that
retries: a delivery not answered 2xx (an error status or a connection error) is sent again until it is
acknowledged. Meanwhile one fault is injected:

- kill:     kill -9 the web server (gunicorn and its workers) or one worker process at random moments,
            restarting each after a second or two;
- helpdesk: the helpdesk's API down (connections dropped), then slow (seconds per call), then answering
            429 with Retry-After, each for a while, then recovering;
- database: the database "restarted" under load: a TCP proxy between contactguard and PostgreSQL is cut
            (every connection dropped, new ones refused) for a few seconds, twice.

Scenarios in modules of their own (MODULE_SCENARIOS) count their own figures, e.g. slow-clients
(benchmarks/faults_slow_clients.py): idle and one-byte-a-second connections held open against the server.

Then everything recovers, the outbox drains, and the run counts:

- acknowledged: deliveries answered 2xx; stored: webhook_events rows;
- applied: distinct successful writes at the helpdesk (a field set to a value, a note posted);
- duplicated: notes posted twice (must be 0), and raw repeated calls (identical successful writes beyond
  the actions that asked for them: a PATCH repeated after a kill between the call and recording it);
- lost: acknowledged but not stored, or an action stored but not applied after recovery (must be 0);
- half-written: a restricted contact's event without its outbox actions or audit entry, or orphans
  (must be 0).

Usage: python -m benchmarks.faults [kill|helpdesk|database|<a MODULE_SCENARIOS name>|all] [--seconds 60] [--runs 1] [--rate 8]
Results are printed and written as JSON under .cache/faults/. Exit status 1 if anything is lost,
a note is doubled or a write is half done.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import importlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

from .common import (
    ROOT,
    add_customers,
    free_port,
    fresh_postgres,
    machine,
    officer_actor,
    open_database,
    restrict_customer,
    webhook_path,
)
from .fake_helpdesk import notes_and_writes
from .tcp_proxy import TcpProxy

SECRET_KEY = "faults-secret-key-0123456789"
CUSTOMERS = 40  # every other one restricted
RESTRICTED_OUTCOMES = ("flag", "disregard", "escalate", "statutory")
LEASE_SECONDS = 8  # a killed worker's actions come back after this (production default: 60)
# Scenarios in modules of their own (benchmarks/faults_<name>.py), each with run_once(seconds, rate, seed) -> dict,
# summary_line(result) -> str and failed(result) -> bool; run after the ones above by "all".
MODULE_SCENARIOS = {
    "slow-clients": "benchmarks.faults_slow_clients",  # 500 idle and 50 one-byte-a-second connections held open
    "outage": "benchmarks.faults_outage",  # the helpdesk down for longer than the retry schedule, then back
}


# --- set-up ---------------------------------------------------------------------------------------------------


def seed(url: str, instance: str, helpdesk_api: str, limit_per_minute: int = 6000) -> str:
    """Officers mapped to helpdesk agents 7 and 9, customers (every other one restricted), a connection."""
    from plugin.services import Actor, Context
    from plugin.services import connections as conns
    from plugin.services import register as reg

    settings, engine, sessions = open_database(url, instance, SECRET_KEY)
    with sessions() as session, session.begin():
        ctx = Context(session, Actor.system("faults"), settings)
        for email, role, agent in (
            ("olly@council.example", "officer", "7"),
            ("sam@council.example", "senior", None),
            ("ann@council.example", "officer", "9"),
        ):
            reg.add_officer(
                ctx,
                {
                    "email": email,
                    "name": email.split("@")[0].title(),
                    "role": role,
                    "helpdesk_ids": [{"connection": "", "agent_id": agent}] if agent else [],
                },
            )
        add_customers(ctx, "F", CUSTOMERS)
        connection = conns.add(
            ctx,
            "django_helpdesk",
            "faults",
            {"base_url": helpdesk_api, "rate_limit_per_minute": limit_per_minute, "allow_private_network": True},
            {"username": "cg", "password": "cg-password"},
            test=False,
        )
    officer = officer_actor(sessions, "olly@council.example")
    senior = officer_actor(sessions, "sam@council.example")
    for n in range(0, CUSTOMERS, 2):
        restrict_customer(sessions, settings, officer, senior, f"F{n}", "olly@council.example")
    engine.dispose()
    return connection.id


def deliveries(count: int, rng: random.Random) -> list[tuple[str, bytes]]:
    """django-helpdesk webhooks: `count` new tickets, and a customer reply on one ticket in three, sent later."""
    out: list[tuple[str, bytes]] = []
    replies: list[tuple[int, tuple[str, bytes]]] = []
    for n in range(1, count + 1):
        customer = rng.randrange(CUSTOMERS)
        assigned = rng.choice([None, None, 7, 9])
        text = (
            "Please call me back about my repair" if rng.random() > 0.1 else "I will hurt someone, it is an emergency"
        )
        first = {
            "id": n * 10,
            "ticket": n,
            "user": None,
            "title": "E-Mail Received",
            "comment": text,
            "public": True,
            "new_status": None,
            "time_spent": None,
            "followupattachment_set": [],
            "date": dt.datetime.now(dt.UTC).isoformat(),
            "message_id": f"<t{n}@mail.example>",
        }
        ticket = {
            "id": n,
            "queue": 1,
            "title": f"Ticket {n}",
            "description": text,
            "resolution": None,
            "submitter_email": f"customer{customer}@example.com",
            "assigned_to": assigned,
            "status": 1,
            "on_hold": False,
            "priority": 3,
            "due_date": None,
            "merged_to": None,
            "followup_set": [first],
        }
        out.append((f"ticket:{n}", json.dumps({"ticket": ticket, "queue_slug": "housing"}).encode()))
        if n % 3 == 0:
            reply = {**first, "id": n * 10 + 1, "comment": "Any news on this?", "message_id": f"<r{n}@mail.example>"}
            body = {
                "ticket": {**ticket, "followup_set": [first, reply]},
                "queue_slug": "housing",
                "followup_id": reply["id"],
            }
            replies.append((len(out) + rng.randrange(5, 40), (f"followup:{reply['id']}", json.dumps(body).encode())))
    for position, item in sorted(replies, key=lambda p: p[0], reverse=True):
        out.insert(min(position, len(out)), item)
    return out


class Processes:
    """The web server and the workers, each in its own process group (so kill -9 takes gunicorn's workers too)."""

    def __init__(self, env: dict, port: int, logs: Path, workers: int = 2):
        self.env, self.port, self.logs = env, port, logs
        self.web = None
        self.workers: list[subprocess.Popen | None] = [None] * workers

    def _spawn(self, args: list[str], name: str) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("ab")
        return subprocess.Popen(
            [sys.executable, "-m", "plugin.cli", *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_web(self) -> None:
        self.web = self._spawn(["serve", "--workers", "2", "--bind", f"127.0.0.1:{self.port}"], "web")

    def start_worker(self, i: int) -> None:
        self.workers[i] = self._spawn(["worker", "--interval", "0.2"], f"worker{i}")

    def start_all(self) -> None:
        self.start_web()
        for i in range(len(self.workers)):
            self.start_worker(i)

    @staticmethod
    def kill9(process: subprocess.Popen | None) -> None:
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)

    @staticmethod
    def stop(process: subprocess.Popen | None) -> None:
        if process is not None and process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)

    def stop_all(self) -> None:
        self.stop(self.web)
        for w in self.workers:
            self.stop(w)

    def wait_ready(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"contactguard did not start; see {self.logs}")


class Sender:
    """A helpdesk that retries: each delivery is sent until it is answered 2xx (or the deadline passes)."""

    def __init__(self, port: int, path: str, items: list[tuple[str, bytes]], rate: float, threads: int = 4):
        self.port, self.path, self.items, self.rate, self.threads = port, path, items, rate, threads
        self.acked: set[str] = set()
        self.answers: Counter = Counter()
        self.answer_log: list[tuple[float, str]] = []  # (time, answer) of every attempt
        self.attempts = 0
        self.lock = threading.Lock()
        self.next = 0
        self.started = 0.0

    def _post(self, body: bytes) -> str:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("POST", self.path, body=body, headers={"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            return str(response.status)
        except (OSError, http.client.HTTPException) as exc:
            return "connection error" if not isinstance(exc, TimeoutError) else "timeout"
        finally:
            conn.close()

    def _run(self, deadline: float) -> None:
        while True:
            with self.lock:
                if self.next >= len(self.items):
                    return
                index = self.next
                self.next += 1
            key, body = self.items[index]
            due = self.started + index / self.rate
            time.sleep(max(0.0, due - time.monotonic()))
            while time.monotonic() < deadline:
                answer = self._post(body)
                with self.lock:
                    self.attempts += 1
                    self.answers[answer] += 1
                    self.answer_log.append((time.time(), answer))
                    if answer.startswith("2"):
                        self.acked.add(key)
                if answer.startswith("2"):
                    break
                time.sleep(0.5)

    def run(self, deadline: float) -> None:
        self.started = time.monotonic()
        workers = [threading.Thread(target=self._run, args=(deadline,), daemon=True) for _ in range(self.threads)]
        for t in workers:
            t.start()
        for t in workers:
            t.join()


# --- faults ---------------------------------------------------------------------------------------------------


def inject_kills(procs: Processes, stop: threading.Event, rng: random.Random, notes: dict) -> None:
    """kill -9 the web server or one worker at random moments; restart it a second or two later."""
    notes.update(web_kills=0, worker_kills=0)
    while not stop.wait(rng.uniform(3, 8)):
        if rng.random() < 0.5:
            Processes.kill9(procs.web)
            notes["web_kills"] += 1
            time.sleep(rng.uniform(0.5, 2.0))
            procs.start_web()
        else:
            i = rng.randrange(len(procs.workers))
            Processes.kill9(procs.workers[i])
            notes["worker_kills"] += 1
            time.sleep(rng.uniform(0.5, 2.0))
            procs.start_worker(i)


def helpdesk_control(api: str, **mode) -> None:
    parts = urlsplit(api)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    conn.request("POST", "/_control", body=json.dumps(mode), headers={"Content-Type": "application/json"})
    conn.getresponse().read()
    conn.close()


def helpdesk_state(api: str) -> dict:
    parts = urlsplit(api)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    conn.request("GET", "/_state")
    state = json.loads(conn.getresponse().read())
    conn.close()
    return state


def inject_helpdesk_faults(api: str, stop: threading.Event, seconds: float, notes: dict) -> None:
    """Down, then slow (2 s a call), then 429 with Retry-After 3 s; normal in between and after."""
    plan = [
        (0.10, {"mode": "down"}),
        (0.30, {"mode": "ok"}),
        (0.40, {"mode": "slow", "delay": 2.0}),
        (0.60, {"mode": "ok"}),
        (0.70, {"mode": "429", "retry_after": 3}),
        (0.85, {"mode": "ok"}),
    ]
    start = time.time()
    notes["windows"] = []
    for at, mode in plan:
        if stop.wait(max(0.0, start + at * seconds - time.time())):
            break
        helpdesk_control(api, **mode)
        notes["windows"].append((time.time(), mode["mode"]))
    helpdesk_control(api, mode="ok")


def inject_database_cuts(proxy: TcpProxy, stop: threading.Event, seconds: float, notes: dict) -> None:
    """Cut the proxy to PostgreSQL twice (5 s and 8 s), as a restart would."""
    start = time.time()
    notes["cuts"] = []
    for at, length in ((0.25, 5.0), (0.60, 8.0)):
        if stop.wait(max(0.0, start + at * seconds - time.time())):
            break
        began = time.time()
        dropped = proxy.cut()
        stop.wait(length)
        proxy.restore()
        notes["cuts"].append({"from": began, "to": time.time(), "connections_dropped": dropped})
    notes["refused_while_cut"] = proxy.refused


# --- counting -------------------------------------------------------------------------------------------------


def pending_count(dsn: str) -> int:
    with psycopg.connect(dsn) as conn:
        # Work still to do: helpdesk actions, and stored events the workers have not decided yet (issue 12).
        return conn.execute(
            "SELECT (SELECT count(*) FROM outbox_actions WHERE state = 'pending') + "
            "(SELECT count(*) FROM webhook_events WHERE outcome = 'pending' AND inbound IS NOT NULL)"
        ).fetchone()[0]


def count(dsn: str, sender: Sender, helpdesk: dict) -> dict:
    """The figures of one run (see the module docstring)."""
    with psycopg.connect(dsn) as conn:
        events = conn.execute("SELECT id, delivery_key, outcome FROM webhook_events").fetchall()
        actions = conn.execute(
            "SELECT id, event_id, ticket_id, kind, payload, state FROM outbox_actions ORDER BY id"
        ).fetchall()
        audited = {
            row[0]
            for row in conn.execute(
                "SELECT entity_id FROM audit_entries WHERE entity_type = 'webhook_events' AND action LIKE 'contact.%'"
            )
        }
        orphan_actions = conn.execute(
            "SELECT count(*) FROM outbox_actions a WHERE a.event_id IS NOT NULL AND NOT "
            "EXISTS (SELECT 1 FROM webhook_events e WHERE e.id = a.event_id)"
        ).fetchone()[0]
        duplicate_keys = conn.execute(
            "SELECT count(*) FROM (SELECT delivery_key FROM webhook_events "
            "GROUP BY connection_id, delivery_key HAVING count(*) > 1) d"
        ).fetchone()[0]
    # django-helpdesk's delivery key is ticket:<id> or followup:<id>, now followed by a digest of the body.
    stored_by_delivery = Counter(":".join(key.split(":")[:2]) for _id, key, _outcome in events)
    stored_keys = set(stored_by_delivery)
    duplicate_keys += sum(1 for n in stored_by_delivery.values() if n > 1)
    event_ids = {e[0] for e in events}
    with_actions = {a[1] for a in actions}
    restricted = [e for e in events if e[2] in RESTRICTED_OUTCOMES]
    half_written = [e[0] for e in restricted if e[0] not in with_actions or e[0] not in audited]
    orphan_audit = len(audited - event_ids)

    notes, writes = notes_and_writes(helpdesk)
    tickets = {str(k): v for k, v in helpdesk["tickets"].items()}
    final_tags = _final_tags(actions)  # tags replaced by a later outcome come off again: judge the end state
    expected_writes: Counter = Counter()
    not_applied = []
    for action_id, _event, ticket_id, kind, payload, state in actions:
        path = f"/helpdesk/api/tickets/{ticket_id}/"
        write = None
        if kind == "set_flag":
            write = ("PATCH", path, json.dumps({"custom_contact_restriction": payload["value"][:255]}, sort_keys=True))
        elif kind == "assign":
            write = ("PATCH", path, json.dumps({"assigned_to": int(payload["agent_id"])}, sort_keys=True))
        elif kind == "move_queue":
            write = ("PATCH", path, json.dumps({"queue": int(payload["queue"])}, sort_keys=True))
        if write:
            expected_writes[write] += 1
        applied = state == "done"
        if applied and write:
            applied = writes.get(write, 0) > 0
        elif applied and kind in ("add_tags", "remove_tags"):
            shown = {
                t for t in (tickets.get(str(ticket_id), {}).get("custom_contactguard_tags") or "").split(", ") if t
            }
            applied = shown - {"-"} == final_tags[ticket_id]
        elif applied and kind == "add_note":
            applied = notes.get(payload["marker"], 0) >= 1
        if not applied:
            not_applied.append({"id": action_id, "kind": kind, "ticket": ticket_id, "state": state})
    repeats = sum(max(0, n - max(1, expected_writes.get(key, 1))) for key, n in writes.items() if key[0] == "PATCH")
    unstored = sorted(sender.acked - stored_keys)
    return {
        "deliveries": len(sender.items),
        "acknowledged": len(sender.acked),
        "attempts": sender.attempts,
        "answers": dict(sender.answers),
        "never_acknowledged": len(sender.items) - len(sender.acked),
        "stored": len(events),
        "stored_restricted": len(restricted),
        "duplicate_events": duplicate_keys,
        "actions": len(actions),
        "actions_done": sum(1 for a in actions if a[5] == "done"),
        "actions_dead": sum(1 for a in actions if a[5] == "dead"),
        "applied": len(writes),
        "helpdesk_calls": len(helpdesk["calls"]),
        "notes_posted": sum(notes.values()),
        "notes_duplicated": sum(n - 1 for n in notes.values() if n > 1),
        "raw_repeats": repeats,
        "lost_unstored": len(unstored),
        "lost_not_applied": len(not_applied),
        "lost": len(unstored) + len(not_applied),
        "half_written": len(half_written),
        "orphans": orphan_actions + orphan_audit,
        "examples": {"unstored": unstored[:10], "not_applied": not_applied[:10], "half_written": half_written[:10]},
    }


def _final_tags(actions) -> dict:
    """Each ticket's tags once its done tag actions are applied in queue order (what the helpdesk must show)."""
    tags: dict = {}
    for _id, _event, ticket_id, kind, payload, state in actions:
        if state != "done" or kind not in ("add_tags", "remove_tags"):
            continue
        current = tags.setdefault(ticket_id, set())
        current |= set(payload["tags"]) if kind == "add_tags" else set()
        current -= set(payload["tags"]) if kind == "remove_tags" else set()
    return tags


def answers_between(sender: Sender, windows: list[tuple[float, float]]) -> dict:
    found: Counter = Counter()
    for at, answer in sender.answer_log:
        if any(start <= at <= end for start, end in windows):
            found[answer] += 1
    return dict(found)


# --- one run --------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def fake_helpdesk_api(logs: Path):
    """A fake django-helpdesk (benchmarks/fake_helpdesk.py) in its own process; yields its API root."""
    port = free_port()
    helpdesk = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.fake_helpdesk", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=(logs / "helpdesk.log").open("wb"),
    )
    try:
        yield f"http://127.0.0.1:{port}/helpdesk/api/"
    finally:
        helpdesk.terminate()
        helpdesk.wait(10)


def run_once(scenario: str, seconds: float, rate: float, drain_seconds: float, seed_value: int) -> dict:
    rng = random.Random(seed_value)
    count_deliveries = int(seconds * rate)
    items = deliveries(int(count_deliveries * 3 / 4), rng)
    with (
        fresh_postgres() as (url, dsn),
        tempfile.TemporaryDirectory(prefix="cg-faults-") as tmp,
        fake_helpdesk_api(Path(tmp)) as api,
    ):
        logs = Path(tmp)
        proxy = None
        procs = None
        try:
            connection_id = seed(url, str(logs / "instance"), api)
            served_url = url
            if scenario == "database":
                parts = urlsplit(dsn)
                proxy = TcpProxy(parts.hostname, parts.port or 5432).start()
                served_url = url.replace(f"{parts.hostname}:{parts.port or 5432}", f"127.0.0.1:{proxy.port}")
            env = {
                **os.environ,
                "CONTACTGUARD_DATABASE_URL": served_url,
                "CONTACTGUARD_INSTANCE_PATH": str(logs / "instance"),
                "CONTACTGUARD_SECRET_KEY": SECRET_KEY,
                "CONTACTGUARD_LOG_LEVEL": "WARNING",
                "CONTACTGUARD_OUTBOX_LEASE_SECONDS": str(LEASE_SECONDS),
            }
            procs = Processes(env, free_port(), logs)
            procs.start_all()
            procs.wait_ready()
            path = webhook_path(str(logs / "instance"), SECRET_KEY, connection_id)
            sender = Sender(procs.port, path, items, rate=len(items) / seconds)
            stop, notes = threading.Event(), {}
            if scenario == "kill":
                injector = threading.Thread(target=inject_kills, args=(procs, stop, rng, notes))
            elif scenario == "helpdesk":
                injector = threading.Thread(target=inject_helpdesk_faults, args=(api, stop, seconds, notes))
            else:
                injector = threading.Thread(target=inject_database_cuts, args=(proxy, stop, seconds, notes))
            started = time.time()
            injector.start()
            sender_thread = threading.Thread(target=sender.run, args=(time.monotonic() + seconds + 60,))
            sender_thread.start()
            time.sleep(seconds)
            stop.set()
            injector.join()
            sender_thread.join()
            load_seconds = time.time() - started
            # Recovery: everything is back; wait for the outbox to drain.
            if procs.web.poll() is not None:
                procs.start_web()
            for i, w in enumerate(procs.workers):
                if w is None or w.poll() is not None:
                    procs.start_worker(i)
            drain_started = time.time()
            deadline = time.monotonic() + drain_seconds
            while time.monotonic() < deadline and pending_count(dsn):
                time.sleep(1)
            drained_after = time.time() - drain_started
            procs.stop_all()
            figures = count(dsn, sender, helpdesk_state(api))
            extra = {}
            if scenario == "database":
                extra["answers_during_cuts"] = answers_between(sender, [(c["from"], c["to"]) for c in notes["cuts"]])
            if scenario == "helpdesk":
                extra.update(_helpdesk_windows(helpdesk_state(api), notes["windows"]))
            result = {
                "scenario": scenario,
                "date": dt.datetime.now().isoformat(timespec="seconds"),
                "seconds": round(load_seconds, 1),
                "drained_after_seconds": round(drained_after, 1),
                "pending_left": pending_count(dsn),
                "seed": seed_value,
                "faults": notes,
                **extra,
                **figures,
            }
            if figures["lost"] or figures["half_written"]:
                result["logs_tail"] = {p.name: p.read_text(errors="replace")[-3000:] for p in logs.glob("*.log")}
            return result
        finally:
            if procs is not None:
                procs.stop_all()
            if proxy is not None:
                proxy.stop()


def _helpdesk_windows(state: dict, windows: list[tuple[float, str]]) -> dict:
    """Calls the workers made in each fault window (429: how fast they came while told to wait)."""
    bounds = [(t, windows[i + 1][0] if i + 1 < len(windows) else t, mode) for i, (t, mode) in enumerate(windows)]
    out = {}
    for start, end, mode in bounds:
        if mode == "ok":
            continue
        calls = [c for c in state["calls"] if start <= c["t"] < end]
        length = max(0.001, end - start)
        out[f"calls_while_{mode}"] = {
            "seconds": round(length, 1),
            "calls": len(calls),
            "per_second": round(len(calls) / length, 2),
        }
    return out


def summary_line(r: dict) -> str:
    return (
        f"{r['scenario']:9} acknowledged={r['acknowledged']}/{r['deliveries']} stored={r['stored']} "
        f"(restricted {r['stored_restricted']}) actions={r['actions_done']}/{r['actions']} "
        f"applied={r['applied']} notes={r['notes_posted']} duplicated_notes={r['notes_duplicated']} "
        f"raw_repeats={r['raw_repeats']} lost={r['lost']} half_written={r['half_written']} "
        f"orphans={r['orphans']} drained_in={r['drained_after_seconds']}s"
    )


def _run_module_scenario(scenario: str, args, seed_value: int, out_dir: Path) -> bool:
    """One run of a scenario in a module of its own (MODULE_SCENARIOS): print and record it; True if it failed."""
    module = importlib.import_module(MODULE_SCENARIOS[scenario])
    result = module.run_once(args.seconds, args.rate, seed_value)
    result["machine"] = machine()
    print(module.summary_line(result), flush=True)
    bad = module.failed(result)
    if bad:
        print(f"   FAILED: {json.dumps(result, default=str)}", flush=True)
    path = out_dir / f"{dt.datetime.now():%Y%m%d-%H%M%S}-{scenario}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    print(f"   recorded in {path.relative_to(ROOT)}", flush=True)
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.faults", description=__doc__.split("\n")[0])
    parser.add_argument(
        "scenario", nargs="?", default="all", choices=["kill", "helpdesk", "database", *MODULE_SCENARIOS, "all"]
    )
    parser.add_argument("--seconds", type=float, default=60.0, help="load (and fault) time per run")
    parser.add_argument("--rate", type=float, default=8.0, help="webhook deliveries per second")
    parser.add_argument("--runs", type=int, default=1, help="runs per scenario")
    parser.add_argument("--drain-seconds", type=float, default=120.0, help="how long recovery may take")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    scenarios = ["kill", "helpdesk", "database", *MODULE_SCENARIOS] if args.scenario == "all" else [args.scenario]
    print(f"machine: {machine()}", flush=True)
    out_dir = ROOT / ".cache" / "faults"
    out_dir.mkdir(parents=True, exist_ok=True)
    failed = False
    results = []
    for scenario in scenarios:
        for n in range(args.runs):
            seed_value = args.seed if args.seed is not None else random.randrange(1 << 30)
            print(f"== {scenario} run {n + 1}/{args.runs} ({args.seconds:.0f} s, seed {seed_value})", flush=True)
            if scenario in MODULE_SCENARIOS:
                failed = _run_module_scenario(scenario, args, seed_value, out_dir) or failed
                continue
            result = run_once(scenario, args.seconds, args.rate, args.drain_seconds, seed_value)
            result["machine"] = machine()
            results.append(result)
            print(summary_line(result), flush=True)
            print(
                "   faults: "
                + json.dumps(
                    {
                        k: v
                        for k, v in result.items()
                        if k
                        in (
                            "faults",
                            "answers",
                            "answers_during_cuts",
                            "calls_while_down",
                            "calls_while_slow",
                            "calls_while_429",
                            "raw_repeats",
                            "actions_dead",
                            "pending_left",
                            "duplicate_events",
                        )
                    },
                    default=str,
                ),
                flush=True,
            )
            bad = (
                result["lost"]
                or result["notes_duplicated"]
                or result["half_written"]
                or result["orphans"]
                or result["duplicate_events"]
            )
            if bad:
                failed = True
                print("   FAILED: " + json.dumps(result["examples"]), flush=True)
            path = out_dir / f"{dt.datetime.now():%Y%m%d-%H%M%S}-{scenario}.json"
            path.write_text(json.dumps(result, indent=2, default=str))
            print(f"   recorded in {path.relative_to(ROOT)}", flush=True)
    print(
        "FAILED: something was lost, doubled or half-written"
        if failed
        else "OK: nothing lost, no note doubled, nothing half-written",
        flush=True,
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
