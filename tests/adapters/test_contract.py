"""The contract every adapter passes (Apprise's practice): one table-driven suite over the registry."""

from __future__ import annotations

import datetime as dt
import importlib
import json
from pathlib import Path

import pytest
import requests
import responses
from marshmallow import ValidationError

from adapters import REGISTRY
from adapters.errors import (
    ConnectionCheckFailed,
    PermanentFailure,
    RetryLater,
    SignatureError,
    UnhandledEvent,
)
from plugin.secretbox import mask
from plugin.services import InvalidInput
from plugin.services import connections as conns
from tests.helpers import event_count, webhook_path

HERE = Path(__file__).parent
NOW = dt.datetime(2026, 11, 24, 12, 0, tzinfo=dt.timezone.utc)
KEYS = sorted(REGISTRY)


def spec_of(key):
    return importlib.import_module(f"tests.adapters.{key}.spec").SPEC


def fixture(key, stem) -> bytes:
    """A fixture's bytes: <stem>.json, or <stem>.xml where the helpdesk posts XML (Salesforce's SOAP)."""
    path = HERE / key / "fixtures" / f"{stem}.json"
    return (path if path.exists() else path.with_suffix(".xml")).read_bytes()


def fixture_cases():
    return [(key, stem, event_type) for key in KEYS for stem, event_type in spec_of(key).fixtures.items()]


def loaded(key):
    spec = spec_of(key)
    adapter = REGISTRY[key]
    return spec, adapter, adapter.settings_schema().load(spec.settings), adapter.secrets_schema().load(spec.secrets)


def test_every_registered_adapter_has_a_spec_and_fixtures_folder_and_nothing_else_does():
    folders = {p.name for p in HERE.iterdir() if (p / "spec.py").exists()}
    assert folders == set(REGISTRY)
    for key in KEYS:
        assert spec_of(key).key == key


@pytest.mark.parametrize("key", KEYS)
def test_settings_are_validated_and_the_wrong_field_is_named(key, cast):
    spec = spec_of(key)
    with cast.act() as ctx:
        conns.add(ctx, key, "ok", spec.settings, spec.secrets, test=False)
    with pytest.raises(InvalidInput) as err, cast.act() as ctx:
        conns.add(ctx, key, "bad", {**spec.settings, **spec.invalid_settings}, spec.secrets, test=False)
    assert spec.invalid_field in json.dumps(err.value.errors)


@pytest.mark.parametrize("key", KEYS)
def test_every_secret_field_is_marked_secret_and_masked(key, cast):
    spec, adapter, _, _ = loaded(key)
    for name, schema_field in adapter.secrets_schema().fields.items():
        assert schema_field.metadata.get("secret") is True, f"{key}.{name} must be marked secret"
    for name, schema_field in adapter.settings_schema().fields.items():
        assert not schema_field.metadata.get("secret"), f"{key}.{name} is a setting, not a secret"
    with cast.act() as ctx:
        shown = conns.describe(ctx, conns.add(ctx, key, "x", spec.settings, spec.secrets, test=False))
    assert shown["secrets"] == mask(spec.secrets)
    for value in spec.secrets.values():
        assert str(value) not in json.dumps(shown)


@pytest.mark.parametrize("key", KEYS)
def test_unknown_secret_or_setting_is_refused(key):
    spec, adapter, _, _ = loaded(key)
    with pytest.raises(ValidationError):
        adapter.secrets_schema().load({**spec.secrets, "pasword": "typo"})
    with pytest.raises(ValidationError):
        adapter.settings_schema().load({**spec.settings, "colour": "blue"})


@pytest.mark.parametrize("key", KEYS)
def test_signature_good_bad_tampered_and_rotated(key):
    spec, adapter, settings, secrets = loaded(key)
    stem = next(iter(spec.fixtures))
    raw = fixture(key, stem)
    adapter.verify(spec.sign(raw, secrets, NOW), raw, secrets, settings, NOW)
    if not spec.signs:
        return
    if spec.signs_body:
        with pytest.raises(SignatureError):
            adapter.verify(spec.sign(raw, secrets, NOW), raw + b" ", secrets, settings, NOW)
    with pytest.raises(SignatureError):
        adapter.verify({}, raw, secrets, settings, NOW)
    wrong = {**secrets, spec.rotation_secret: "another-secret-0123456789"}
    with pytest.raises(SignatureError):
        adapter.verify(spec.sign(raw, wrong, NOW), raw, secrets, settings, NOW)
    rotating = {
        **secrets,
        spec.rotation_secret: "the-new-secret-0123456789",
        f"{spec.rotation_secret}_previous": secrets[spec.rotation_secret],
    }
    adapter.verify(spec.sign(raw, secrets, NOW), raw, rotating, settings, NOW)
    adapter.verify(
        spec.sign(raw, {**secrets, spec.rotation_secret: "the-new-secret-0123456789"}, NOW),
        raw,
        rotating,
        settings,
        NOW,
    )


@pytest.mark.parametrize("key", [k for k in KEYS if spec_of(k).stale_after])
def test_a_stale_timestamp_is_refused(key):
    spec, adapter, settings, secrets = loaded(key)
    raw = fixture(key, next(iter(spec.fixtures)))
    old = NOW - spec.stale_after - dt.timedelta(seconds=1)
    with pytest.raises(SignatureError):
        adapter.verify(spec.sign(raw, secrets, old), raw, secrets, settings, NOW)
    adapter.verify(spec.sign(raw, secrets, NOW - spec.stale_after / 2), raw, secrets, settings, NOW)


@pytest.mark.parametrize("key, stem, event_type", fixture_cases())
def test_each_declared_event_fixture_parses(key, stem, event_type):
    spec, adapter, settings, _ = loaded(key)
    raw = fixture(key, stem)
    events = adapter.parse(raw, {}, settings)
    assert [e.event_type for e in events] == [event_type]
    assert events[0].ticket_id == spec.ticket_ids[stem]
    assert events[0].delivery_key and events[0].delivery_key == adapter.parse(raw, {}, settings)[0].delivery_key
    assert events[0].emails or events[0].phones or events[0].helpdesk_user_id or events[0].needs_lookup, (
        "the requester is identified, or looked up by the worker"
    )


@pytest.mark.parametrize("key", [k for k in KEYS if spec_of(k).unhandled_fixture])
def test_unhandled_event_types_are_recognised(key):
    spec, adapter, settings, _ = loaded(key)
    with pytest.raises(UnhandledEvent):
        adapter.parse(spec.unhandled_fixture, {}, settings)


@pytest.mark.parametrize("key, stem, event_type", fixture_cases())
def test_duplicates_through_the_real_receiver_are_answered_once(
    key, stem, event_type, client, cast, sessions, settings
):
    spec, _, _, secrets = loaded(key)
    with cast.act() as ctx:
        connection = conns.add(ctx, key, "x", spec.settings, spec.secrets, test=False)
    raw = fixture(key, stem)
    counts, replies = [], []
    for _ in range(2):
        now = dt.datetime.now(dt.timezone.utc)
        response = client.post(
            webhook_path(settings, connection.id),
            data=raw,
            content_type="application/json",
            headers=spec.sign(raw, secrets, now),
        )
        assert response.status_code == 200, response.get_json()
        counts.append(event_count(sessions))
        replies.append(response.get_json())
    assert counts[1] == counts[0], "the second delivery is a duplicate: nothing more is recorded"
    assert replies[0] == replies[1], "the reply does not say whether a delivery was new"


def register(mock, call) -> None:
    """Answer `call` as the helpdesk would: its JSON reply, or no body for 204."""
    if call.status == 204:
        mock.add(call.method, call.url, body="", status=204)
    else:
        mock.add(call.method, call.url, json=call.reply if call.reply is not None else {}, status=call.status)


def subset(expected, actual) -> bool:
    """`expected` is contained in `actual`: dict keys recursively, lists element by element."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and subset(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(expected) == len(actual)
            and all(subset(e, a) for e, a in zip(expected, actual, strict=True))
        )
    return expected == actual


@pytest.mark.parametrize("key, index", [(k, i) for k in KEYS for i in range(len(spec_of(k).outbound))])
@responses.activate
def test_each_outbound_action_makes_exactly_the_declared_calls(key, index):
    spec, adapter, settings, secrets = loaded(key)
    case = spec.outbound[index]
    for call in case.calls:
        register(responses, call)
    adapter.client(settings, secrets).apply(spec.ticket_id, case.action)
    made = [(c.request.method, c.request.url) for c in responses.calls]
    assert made == [(c.method, c.url) for c in case.calls]
    for call, sent in zip(case.calls, responses.calls, strict=True):
        if call.body is not None:
            assert subset(call.body, json.loads(sent.request.body)), (call.body, sent.request.body)


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize(
    "status, error",
    [(429, RetryLater), (500, RetryLater), (503, RetryLater), (404, PermanentFailure), (400, PermanentFailure)],
)
@responses.activate
def test_http_errors_map_to_retry_or_dead_letter(key, status, error):
    spec, adapter, settings, secrets = loaded(key)
    first = spec.retry_call or spec.outbound[0].calls[0]
    responses.add(first.method, first.url, status=status, headers={"Retry-After": "30"} if status == 429 else {})
    with pytest.raises(error) as raised:
        adapter.client(settings, secrets).apply(spec.ticket_id, spec.outbound[0].action)
    if status == 429:
        assert raised.value.after_seconds == 30


@pytest.mark.parametrize("key", KEYS)
@responses.activate
def test_network_failure_is_retried_later(key):
    spec, adapter, settings, secrets = loaded(key)
    first = spec.retry_call or spec.outbound[0].calls[0]
    responses.add(first.method, first.url, body=requests.ConnectionError("refused"))
    with pytest.raises(RetryLater):
        adapter.client(settings, secrets).apply(spec.ticket_id, spec.outbound[0].action)


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize(
    "status, code",
    [(200, None), (401, "invalid_auth"), (403, "invalid_auth"), (404, "not_found"), ("down", "cannot_connect")],
)
# A 403 may mean the token lacks a scope rather than being wrong: insufficient_scope is the better answer.
@responses.activate
def test_test_before_save_gives_keyed_codes(key, status, code):
    spec, adapter, settings, secrets = loaded(key)
    call = spec.check_call
    if status == "down":
        responses.add(call.method, call.url, body=requests.ConnectionError("refused"))
    else:
        responses.add(call.method, call.url, json=call.reply if call.reply is not None else {}, status=status)
    client = adapter.client(settings, secrets)
    if code is None:
        client.test_connection()
        return
    with pytest.raises(ConnectionCheckFailed) as failed:
        client.test_connection()
    if status == 404 and failed.value.code == "cannot_connect":
        pytest.fail(f"{key}: a 404 on the check call must be not_found")
    assert failed.value.code == code or (status == 403 and failed.value.code == "insufficient_scope")


@pytest.mark.parametrize("key", KEYS)
def test_settings_the_service_layer_reads_have_the_same_names_everywhere(key):
    """ticket_actions.plan reads info_rights_queue and tags; the pipeline reads service."""
    names = set(REGISTRY[key].settings_schema().fields)
    assert {"info_rights_queue", "tags", "service"} <= names or (key == "generic" and {"tags", "service"} <= names)


@pytest.mark.parametrize("key", KEYS)
def test_every_client_can_clear_the_flag_and_declares_how(key):
    """clear_flag ("remove contactguard's arrangement from the flag field") is handled by every client, and each
    spec declares its calls (an empty tuple where the helpdesk has no field, as for set_flag)."""
    from adapters.base import ActionClient

    spec, adapter, settings, secrets = loaded(key)
    client = adapter.client(settings, secrets)
    assert not isinstance(client, ActionClient) or callable(getattr(client, "_do_clear_flag", None))
    assert any(case.action["kind"] == "clear_flag" for case in spec.outbound)
