"""A worker killed with SIGKILL in the middle of a drain: another worker completes everything, exactly once.

Issue 9, Prove: the killed worker's leased actions come back when the lease ends; an action whose call was
made but not recorded is done again, and the note marker keeps a note from being posted twice.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from benchmarks.fake_helpdesk import notes_and_writes
from plugin.models import OutboxAction
from plugin.worker import outbox
from tests.helpers import active_restriction, webhook_path
from tests.webhooks.conftest import fixture_body

ROOT = Path(__file__).resolve().parents[2]
LEASE = 1.5
TICKETS = 4


def _pending(sessions) -> int:
    with sessions() as s:
        return s.scalar(select(func.count()).select_from(OutboxAction).where(OutboxAction.state == "pending"))


def _start_worker(settings, log) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTACTGUARD_")}
    env.update(
        CONTACTGUARD_DATABASE_URL=settings.DATABASE_URL,
        CONTACTGUARD_INSTANCE_PATH=settings.INSTANCE_PATH,
        CONTACTGUARD_OUTBOX_LEASE_SECONDS=str(LEASE),
        CONTACTGUARD_LOG_LEVEL="ERROR",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "plugin.cli", "worker", "--interval", "0.1"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def test_a_worker_killed_mid_drain_then_another_completes_every_action_exactly_once(
    client, cast, fake_connection_id, fake_helpdesk, sessions, settings, tmp_path
):
    active_restriction(cast)
    for ticket in range(1, TICKETS + 1):
        body = fixture_body("django-helpdesk-ticket-created", id=ticket)
        assert client.post(webhook_path(settings, fake_connection_id), json=body).status_code == 200
    total = _pending(sessions)
    assert total >= 3 * TICKETS, "each restricted contact queues its actions"

    fake_helpdesk.set_mode("slow", delay=0.25)  # the worker is mid-call most of the time
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        worker = _start_worker(settings, log)
        try:
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and len(fake_helpdesk.state.calls) < 5 and worker.poll() is None:
                time.sleep(0.05)
        finally:
            worker.send_signal(signal.SIGKILL)
            worker.wait(10)
    assert len(fake_helpdesk.state.calls) >= 5, (
        f"the worker never reached the helpdesk:\n{log_path.read_text()[-3000:]}"
    )
    left = _pending(sessions)
    assert 0 < left < total, "killed in the middle of the drain"

    fake_helpdesk.set_mode("ok")
    mine = settings.replace(OUTBOX_LEASE_SECONDS=LEASE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _pending(sessions):
        outbox.drain_once(sessions, mine)
        time.sleep(0.2)  # the killed worker's leases run out meanwhile

    with sessions() as s:
        actions = list(s.scalars(select(OutboxAction).order_by(OutboxAction.id)))
    assert [a.state for a in actions] == ["done"] * len(actions), "every action completed"
    snapshot = fake_helpdesk.state.snapshot()
    notes, _writes = notes_and_writes(snapshot)
    markers = [a.payload["marker"] for a in actions if a.kind == "add_note"]
    assert len(markers) == TICKETS
    assert {m: notes.get(m, 0) for m in markers} == dict.fromkeys(markers, 1), "each note posted exactly once"
    for ticket in range(1, TICKETS + 1):
        shown = snapshot["tickets"][str(ticket)]
        assert shown["custom_contact_restriction"].startswith("RESTRICTED"), shown
        assert "cg-restricted" in shown["custom_contactguard_tags"]
        assert shown["assigned_to"] == 7
