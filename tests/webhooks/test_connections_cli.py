"""Admins register helpdesks from the CLI: tested before saving, secrets never printed back."""

import json
from pathlib import Path

import responses

from plugin.cli import cli
from plugin.config import settings_of
from tests.helpers import webhook_path

API = "http://helpdesk.test/helpdesk/api/"


def _add(runner, tmp_path, *extra):
    secrets = tmp_path / "secrets.json"
    secrets.write_text(json.dumps({"username": "cgadmin", "password": "s3cret-pass"}))
    return runner.invoke(
        cli,
        [
            "connections",
            "add",
            "--adapter",
            "django_helpdesk",
            "--name",
            "Housing",
            "--setting",
            f"base_url={API}",
            "--secrets-file",
            str(secrets),
            *extra,
        ],
    )


@responses.activate
def test_add_tests_the_credentials_then_prints_the_webhook_url(runner, tmp_path, cast):
    responses.get(API + "tickets/", json={"results": []})
    result = _add(runner, tmp_path)
    assert result.exit_code == 0, result.output
    assert "webhook URL: http://127.0.0.1:8080/webhooks/" in result.output
    assert "s3cret-pass" not in result.output
    assert responses.calls[0].request.headers["Authorization"].startswith("Basic ")


@responses.activate
def test_bad_credentials_are_refused_with_a_keyed_code_and_nothing_saved(runner, tmp_path, cast):
    responses.get(API + "tickets/", status=403)
    result = _add(runner, tmp_path)
    assert result.exit_code == 2
    assert "invalid_auth" in result.output
    listed = runner.invoke(cli, ["connections", "list"])
    assert "no connections" in listed.output


def test_unreachable_helpdesk_is_cannot_connect(runner, tmp_path, cast):
    secrets = tmp_path / "s.json"
    secrets.write_text(json.dumps({"username": "u", "password": "p"}))
    result = runner.invoke(
        cli,
        [
            "connections",
            "add",
            "--adapter",
            "django_helpdesk",
            "--name",
            "x",
            "--setting",
            "base_url=http://127.0.0.1:9/api/",
            "--setting",
            "allow_private_network=true",
            "--secrets-file",
            str(secrets),
        ],
    )
    assert result.exit_code == 2 and "cannot_connect" in result.output


def test_show_masks_secrets_and_json_lists_them(runner, tmp_path, cast):
    added = _add(runner, tmp_path, "--no-test")
    connection_id = added.output.split("connection ")[1].split()[0]
    shown = runner.invoke(cli, ["connections", "show", connection_id])
    assert '"password": "********"' in shown.output and "s3cret-pass" not in shown.output
    listed = json.loads(runner.invoke(cli, ["--json", "connections", "list"]).output)
    assert listed[0]["id"] == connection_id and listed[0]["secrets"]["username"] == "********"


def test_unknown_setting_is_named(runner, tmp_path, cast):
    result = _add(runner, tmp_path, "--no-test", "--setting", "colour=blue")
    assert result.exit_code == 2 and "colour" in result.output


def test_outbox_commands_with_nothing_dead(runner, cast):
    assert "no dead actions" in runner.invoke(cli, ["outbox", "dead"]).output
    assert "0 actions queued again" in runner.invoke(cli, ["outbox", "retry"]).output


def test_show_uses_the_public_url_from_the_instance_file(runner, tmp_path, cast, settings, monkeypatch):
    """Issue 8 item 20: the URL comes from the configured public URL (shared by the service and the CLI),
    not from this shell's port; without one the admin is told the URL is a guess."""
    added = _add(runner, tmp_path, "--no-test")
    connection_id = added.output.split("connection ")[1].split()[0]
    assert "CONTACTGUARD_PUBLIC_URL is not set" in added.output
    monkeypatch.setenv("CONTACTGUARD_PORT", "9999")
    instance = Path(settings.INSTANCE_PATH)
    instance.mkdir(parents=True, exist_ok=True)
    (instance / "contactguard.toml").write_text('public_url = "https://cg.council.example"\n')
    shown = runner.invoke(cli, ["connections", "show", connection_id])
    assert f'"webhook_url": "https://cg.council.example{webhook_path(settings, connection_id)}"' in shown.output
    assert "9999" not in shown.output and "not set" not in shown.output


def _event_and_actions(client, cast, connection_id):
    from tests.helpers import active_restriction
    from tests.webhooks.conftest import fixture_body

    active_restriction(cast)
    assert (
        client.post(
            webhook_path(settings_of(client.application), connection_id),
            json=fixture_body("django-helpdesk-ticket-created"),
        ).status_code
        == 200
    )
    assert (
        client.post(
            webhook_path(settings_of(client.application), connection_id),
            json=fixture_body("django-helpdesk-ticket-created", id=45, submitter_email="someone.else@example.com"),
        ).status_code
        == 200
    )


def test_events_list_shows_recent_decisions_with_reasons(runner, client, cast, connection_id):
    """Issue 8 item 19: an admin sees what happened to each ticket and why, newest first."""
    _event_and_actions(client, cast, connection_id)
    listed = json.loads(runner.invoke(cli, ["--json", "events", "list"]).output)
    assert [(e["ticket"], e["outcome"]) for e in listed] == [("45", "allow"), ("44", "flag")]
    assert listed[1]["customer"] == "C1" and "within the arrangement" in listed[1]["reason"]
    text = runner.invoke(cli, ["events", "list", "--outcome", "flag"]).output
    assert "ticket       44" in text and "flag" in text and "ticket       45" not in text


def test_outbox_list_shows_what_waits_for_the_helpdesk(runner, client, cast, connection_id):
    """Issue 8 item 19: pending actions are listed, not only dead ones."""
    _event_and_actions(client, cast, connection_id)
    listed = json.loads(runner.invoke(cli, ["--json", "outbox", "list"]).output)
    assert [a["kind"] for a in listed] == ["set_flag", "add_tags", "assign", "add_note"]
    assert {a["ticket"] for a in listed} == {"44"} and all(a["attempts"] == 0 for a in listed)
    assert "set_flag" in runner.invoke(cli, ["outbox", "list", "--connection", connection_id]).output
    assert "nothing waiting" in runner.invoke(cli, ["outbox", "list", "--connection", "other"]).output


def test_show_says_why_an_old_webhook_url_cannot_be_shown(runner, cast, connection_id):
    """Migration 0016 keeps a URL from before tokens were hashed (generation 0) working, but cannot show it."""
    from plugin.models import Connection

    with cast.sessions() as s, s.begin():
        s.get(Connection, connection_id).token_generation = 0
    shown = runner.invoke(cli, ["connections", "show", connection_id])
    assert shown.exit_code == 0, shown.output
    assert '"webhook_url": null' in shown.output and "/webhooks/" not in shown.output
    assert "It keeps working." in shown.output and "connections rotate-url ID" in shown.output
