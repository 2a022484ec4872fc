"""Admins register helpdesks from the CLI: tested before saving, secrets never printed back."""
import json

import responses

from plugin.cli import cli

API = "http://helpdesk.test/helpdesk/api/"


def _add(runner, tmp_path, *extra):
    secrets = tmp_path / "secrets.json"
    secrets.write_text(json.dumps({"username": "cgadmin", "password": "s3cret-pass"}))
    return runner.invoke(cli, ["connections", "add", "--adapter", "django_helpdesk", "--name", "Housing",
                               "--setting", f"base_url={API}", "--secrets-file", str(secrets), *extra])


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
    result = runner.invoke(cli, ["connections", "add", "--adapter", "django_helpdesk", "--name", "x",
                                 "--setting", "base_url=http://127.0.0.1:9/api/", "--secrets-file", str(secrets)])
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
