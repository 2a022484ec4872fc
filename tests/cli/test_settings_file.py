"""One settings file read alike by the service and every command (issue 22 item 2), and the first run (item 9).

Before, settings lived in the environment of whoever started the service: a command run from another shell printed
links on port 8080 while the service ran on 18380, and the Zendesk app named "contactguard" as its author. Here the
real `contactguard run` starts from the file, and commands run as separate processes, with no CONTACTGUARD_*
variable, print the links the service answers and the council's name the service's letters carry.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import os
import socket
import stat
import subprocess
import sys
import threading
import tomllib
import zipfile
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests
from click.testing import CliRunner

from plugin.cli import cli
from plugin.config import load_settings
from plugin.services import connections as conns

COUNCIL = "Glenburn City Council"
ADMIN = "ada.admin@council.example"
OFFICER = "olly.officer@council.example"
PASSWORD = "correct horse battery staple"
LETTER_SETTINGS = {
    "council_name": COUNCIL,
    "council_address": "City Chambers; 1 High Street; Glenburn; GB1 1AA",
    "letter_signatory": "Morag Signatory",
    "letter_signatory_title": "Head of Customer Services",
}


def _environment(**variables: str) -> dict[str, str]:
    """This machine's environment without any contactguard setting: what another shell on the server has."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CONTACTGUARD_", "PROMETHEUS_"))}
    return {**env, **variables}


def _contactguard() -> list[str]:
    """The installed `contactguard` command (what `make run` runs), or the module where no script is installed."""
    script = Path(sys.executable).with_name("contactguard")
    return [str(script)] if script.exists() else [sys.executable, "-m", "plugin.cli"]


def _command(folder: Path, *args: str, stdin: str = "", **variables: str) -> subprocess.CompletedProcess:
    """One command as an admin runs it in another shell: its own process, in `folder`, with no settings variable."""
    done = subprocess.run(
        [*_contactguard(), *args],
        cwd=folder,
        env=_environment(**variables),
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,  # a guard against a hang (the old create-admin waited on the terminal), not a measurement
    )
    assert done.returncode == 0, f"contactguard {' '.join(args)}\n{done.stdout}{done.stderr}"
    return done


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def _running(folder: Path, *args: str):
    """The real `contactguard run` in `folder` until the block ends; yields the lines it printed on starting
    (up to its next step), read as they come: the server is listening once they are printed."""
    log = (folder / "run.log").open("w")
    process = subprocess.Popen(
        [*_contactguard(), "run", *args], cwd=folder, env=_environment(), stdout=subprocess.PIPE, stderr=log, text=True
    )
    lines: list[str] = []
    started = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:  # read to the end, so the service never blocks on a full pipe
            lines.append(line.rstrip("\n"))
            if line.startswith(("then open", "next: open")):
                started.set()
        started.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        started.wait(120)
        assert lines and lines[-1].startswith(("then open", "next: open")), (
            "\n".join(lines) + (folder / "run.log").read_text()
        )
        yield list(lines)
    finally:
        process.terminate()
        process.wait(30)
        reader.join(30)
        process.stdout.close()
        log.close()


def test_the_commands_print_the_links_and_council_of_the_service_started_from_the_file(tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    port = _free_port()
    settings_file = site / "instance" / "contactguard.toml"

    # The first run: a starter file, readable by its owner only, with a new secret key and the council to fill in.
    with _running(site, "--port", str(port)) as first:
        assert first[0].startswith(f"contactguard is running at http://127.0.0.1:{port} (database: sqlite:///")
        assert (
            first[1]
            == "settings: instance/contactguard.toml (a starter file just written: a new secret key, mode 0600)"
        )
        assert first[2].startswith(f"note: --port {port} holds for this process only")
        assert "fill in council_name" in first[3]
        assert first[-3:] == [
            "next: no one can sign in yet. Create the first admin in another shell (it asks for a password):",
            f'  {_shown_command(site)} users create-admin you@council.example --name "Your Name"',
            f"then open http://127.0.0.1:{port}/sign-in and sign in as them.",
        ]
    assert stat.S_IMODE(settings_file.stat().st_mode) == 0o600
    starter = settings_file.read_text()
    assert len(tomllib.loads(starter)["secret_key"]) >= 32 and '# council_name = "' in starter

    # The admin fills in the file; the service starts from it alone.
    settings_file.write_text(_filled_in(starter, port))
    with _running(site) as started:
        assert started[0].startswith(f"contactguard is running at http://127.0.0.1:{port} ")
        assert not any("note:" in line or "fill in" in line for line in started)

        # Another shell: the first admin (the password piped in, as a script does), then a helpdesk.
        made = _command(site, "users", "create-admin", ADMIN, "--name", "Ada Admin", stdin=PASSWORD + "\n")
        assert made.stdout.startswith(f"admin {ADMIN} can now sign in")
        token = _here(site, monkeypatch, "users", "tokens", "issue", ADMIN, "--name", "settings test").split()[0]
        bearer = {"Authorization": f"Bearer {token}"}
        secrets_file = tmp_path / "zendesk-secrets.json"
        secrets_file.write_text(json.dumps({"api_token": "zd-token", "signing_secret": "zd-signing-secret"}))
        added = _command(
            site,
            *("connections", "add", "--adapter", "zendesk", "--name", "Housing helpdesk", "--no-test"),
            *("--setting", "subdomain=glenburn", "--setting", f"agent_email={ADMIN}"),
            *("--secrets-file", str(secrets_file)),
        )
        connection_id = added.stdout.split("connection ", 1)[1].split()[0]
        webhook_url = next(line for line in added.stdout.splitlines() if line.startswith("webhook URL: "))[13:]
        assert webhook_url.startswith(f"http://127.0.0.1:{port}/webhooks/")
        served = requests.get(f"http://127.0.0.1:{port}/api/v1/connections/{connection_id}", headers=bearer, timeout=30)
        assert served.status_code == 200 and served.json()["webhook_url"] == webhook_url

        # The sidebar link a command prints opens the panel on the running service.
        link = json.loads(_command(site, "--json", "connections", "sidebar-link", connection_id).stdout)
        assert link["example"].startswith(f"http://127.0.0.1:{port}/sidebar/{connection_id}/panel?")
        panel = requests.get(link["example"], timeout=30)
        assert panel.status_code == 200 and "This customer is not on the register" in panel.text, panel.text
        # The service's log (its stderr) has the request without the link's query: its signature is a credential.
        logged = (site / "run.log").read_text()
        assert f'"GET /sidebar/{connection_id}/panel?<dropped> HTTP/1.1" 200' in logged
        assert parse_qs(urlsplit(link["example"]).query)["sig"][0] not in logged

        # From any folder, the file CONTACTGUARD_CONFIG names gives the same service, data and links.
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        config = {"CONTACTGUARD_CONFIG": str(settings_file)}
        shown = _here(elsewhere, monkeypatch, "--json", "connections", "show", connection_id, **config)
        assert json.loads(shown.split("\nnote:")[0])["webhook_url"] == webhook_url

        # The council's name: on the service's letter and on the letter a command writes.
        for args in _warning_with_its_letter():
            _here(site, monkeypatch, *args)
        on_service = requests.get(f"http://127.0.0.1:{port}/letters/1.html", headers=bearer, timeout=30)
        assert on_service.status_code == 200 and COUNCIL in on_service.text
        written = tmp_path / "letter-1.html"
        _here(site, monkeypatch, "--as", OFFICER, "letters", "render", "1", "--format", "html", "--out", str(written))
        assert COUNCIL in written.read_text()
        council = json.loads(_here(elsewhere, monkeypatch, "--json", "settings", "show", **config))
        assert council["settings"]["COUNCIL_NAME"] == {"value": COUNCIL, "from": "file"}
        assert council["base_url"] == f"http://127.0.0.1:{port}"


def _shown_command(site: Path) -> str:
    """How the first run names the command: relative to the folder it runs in when inside it."""
    command = _contactguard()
    if len(command) > 1:
        return "contactguard"
    try:
        return str(Path(command[0]).relative_to(site))
    except ValueError:
        return command[0]


def _filled_in(starter: str, port: int) -> str:
    text = starter.replace("port = 8080", f"port = {port}")
    for name, value in LETTER_SETTINGS.items():
        line = next(line for line in text.splitlines() if line.startswith(f"# {name} = "))
        text = text.replace(line, f"{name} = {json.dumps(value)}")
    return text


def _warning_with_its_letter() -> list[list[str]]:
    """An officer records an incident and issues a warning, whose letter is then queued (letter 1)."""
    when = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%MZ")
    return [
        ["officers", "add", OFFICER, "--name", "Olly Officer", "--role", "officer"],
        [
            "--as",
            OFFICER,
            "customers",
            "add",
            "--reference",
            "C1001",
            "--name",
            "Jane Customer",
            "--email",
            "jane@example.com",
        ],
        [
            *("--as", OFFICER, "incidents", "record", "C1001", "--experienced-by", OFFICER, "--at", when),
            *("--channel", "telephone", "--category", "verbal_abuse", "--description", "Shouted at the officer"),
        ],
        [
            *("--as", OFFICER, "warnings", "issue", "C1001", "--incident", "1"),
            *("--behaviour", "You shouted at an officer", "--why-unacceptable", "Staff may work without abuse"),
            *("--change", "Please keep calls civil", "--consequences", "Your contact may be restricted"),
        ],
    ]


def _here(folder: Path, monkeypatch, *args: str, **variables: str) -> str:
    """A command run in this process as from a shell in `folder` with only `variables` set: the same settings code
    as a process of its own, without another interpreter's start-up (the headline commands above have theirs)."""
    for key in [k for k in os.environ if k.startswith("CONTACTGUARD_")]:
        monkeypatch.delenv(key)
    for key, value in variables.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(folder)
    result = CliRunner().invoke(cli, list(args))
    assert result.exit_code == 0, f"contactguard {' '.join(args)}\n{result.output}"
    return result.output


def test_the_zendesk_app_names_the_council_in_the_settings_file(runner, settings, cast, tmp_path):
    """The app's author is the council from the file the service reads, not "contactguard" (Zendesk's manifest:
    `author.name`, developer.zendesk.com apps manifest reference)."""
    with cast.act() as ctx:
        secrets = {"api_token": "zd-token", "signing_secret": "zd-signing-secret"}
        connection_id = conns.add(
            ctx, "zendesk", "Housing helpdesk", {"subdomain": "glenburn", "agent_email": ADMIN}, secrets, test=False
        ).id
    instance = Path(settings.INSTANCE_PATH)
    instance.mkdir(parents=True, exist_ok=True)
    (instance / "contactguard.toml").write_text(
        f'council_name = "{COUNCIL}"\npublic_url = "https://contactguard.glenburn.example"\n'
    )
    out = tmp_path / "app.zip"
    result = runner.invoke(cli, ["connections", "sidebar-app", connection_id, "--out", str(out)])
    assert result.exit_code == 0, result.output
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(out.read_bytes())).read("manifest.json"))
    assert manifest["author"]["name"] == COUNCIL
    assert manifest["author"]["url"] == "https://contactguard.glenburn.example"


def test_serve_reads_the_settings_file_in_the_gunicorn_master(tmp_path):
    """`contactguard serve`'s master (plugin/web/gunicorn_conf.py) takes its address and workers from the file."""
    (tmp_path / "cg.toml").write_text("port = 18380\nweb_workers = 3\n")
    code = "import plugin.web.gunicorn_conf as c; print(c.bind, c.workers)"
    env = _environment(CONTACTGUARD_CONFIG=str(tmp_path / "cg.toml"))
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['127.0.0.1:18380'] 3"


def test_settings_show_prints_each_value_where_it_came_from_secrets_masked(tmp_path, monkeypatch):
    folder = _shell_in(tmp_path, monkeypatch)
    path = folder / "instance" / "contactguard.toml"
    path.parent.mkdir()
    path.write_text(
        'secret_key = "a-secret-key-nobody-sees"\nport = 18380\n'
        'database_url = "postgresql+psycopg://app:db-password-here@db.internal/contactguard"\n'
        f'council_name = "{COUNCIL}"\n'
    )
    path.chmod(0o644)
    monkeypatch.setenv("CONTACTGUARD_JURISDICTION", "ENG")
    monkeypatch.setenv("CONTACTGUARD_MONITORING_TOKEN", "a-monitoring-token-too")
    shown = CliRunner().invoke(cli, ["settings", "show"])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[0] == f"settings file: {path} (CONTACTGUARD_* environment variables override it)"
    assert lines[1] == (
        "webhook URLs and sidebar links start with http://127.0.0.1:18380 "
        "(a guess from HOST and PORT: PUBLIC_URL is not set)"
    )
    assert lines[2] == f"warning: {path} is open to other users (mode 0644) and may hold secrets: chmod 600 {path}"
    rows = {line.split()[0]: line for line in lines[4:]}
    assert rows["PORT"].split() == ["PORT", "file", "18380"]
    assert rows["COUNCIL_NAME"].split(None, 2) == ["COUNCIL_NAME", "file", COUNCIL]
    assert rows["JURISDICTION"].split() == ["JURISDICTION", "environment", "ENG"]
    assert rows["REVIEW_MONTHS"].split() == ["REVIEW_MONTHS", "default", "6"]
    assert rows["INSTANCE_PATH"].split(None, 1)[1] == f"file's folder {path.parent.resolve()}"
    assert rows["SECRET_KEY"].split() == ["SECRET_KEY", "file", "********"]
    assert rows["MONITORING_TOKEN"].split() == ["MONITORING_TOKEN", "environment", "********"]
    assert rows["DATABASE_URL"].split() == [
        "DATABASE_URL",
        "file",
        "postgresql+psycopg://app:***@db.internal/contactguard",
    ]
    assert rows["PUBLIC_URL"].split(None, 2)[2].startswith("(not set: webhook URLs and sidebar links are guessed")
    for secret in ("a-secret-key-nobody-sees", "db-password-here", "a-monitoring-token-too"):
        assert secret not in shown.output

    path.chmod(0o600)
    data = json.loads(CliRunner().invoke(cli, ["settings", "show", "--json"]).output)
    assert data["file"] == str(path) and data["file_read"] and data["warning"] is None
    assert data["settings"]["PORT"] == {"value": 18380, "from": "file"}
    assert data["settings"]["SECRET_KEY"] == {"value": "********", "from": "file"}
    assert data["settings"]["OIDC_CLIENT_SECRET"] == {"value": None, "from": "default"}


def test_settings_show_says_when_there_is_no_file(tmp_path, monkeypatch):
    folder = _shell_in(tmp_path, monkeypatch)
    shown = CliRunner().invoke(cli, ["settings", "show"])
    assert shown.exit_code == 0, shown.output
    assert shown.output.startswith(
        f"settings file: {folder / 'instance' / 'contactguard.toml'} is not there, so defaults and CONTACTGUARD_* "
        "variables only (`contactguard settings init` writes one; CONTACTGUARD_CONFIG names another)\n"
    )


def test_settings_init_writes_a_private_starter_once_that_loads(tmp_path, monkeypatch):
    folder = _shell_in(tmp_path, monkeypatch)
    path = folder / "instance" / "contactguard.toml"
    written = CliRunner().invoke(cli, ["settings", "init"])
    assert written.exit_code == 0, written.output
    assert written.output == f"wrote {path} (readable by you only): fill in your council's name and check the rest\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    starter = path.read_text()
    settings = load_settings(environ={})
    assert tomllib.loads(starter)["secret_key"] == settings.SECRET_KEY and settings.COUNCIL_NAME is None
    for name in ("council_name", "council_address", "letter_signatory", "letter_signatory_title", "public_url"):
        assert f"\n# {name} = " in starter, f"{name} is offered to fill in"
    again = CliRunner().invoke(cli, ["settings", "init"])
    assert again.exit_code == 1 and f"{path} exists already" in again.output
    assert path.read_text() == starter


def test_the_starter_keeps_the_key_an_installation_already_has(tmp_path, monkeypatch):
    """A new key would make the helpdesk secrets stored under the generated instance/secret.key unreadable."""
    folder = _shell_in(tmp_path, monkeypatch)
    (folder / "instance").mkdir()
    (folder / "instance" / "secret.key").write_bytes(b"kept")
    assert CliRunner().invoke(cli, ["settings", "init"]).exit_code == 0
    starter = (folder / "instance" / "contactguard.toml").read_text()
    assert "secret_key" not in tomllib.loads(starter)
    assert f"the key generated earlier in {folder / 'instance' / 'secret.key'} is used" in starter


def test_create_admin_reads_a_piped_password_and_says_when_there_is_none(runner, monkeypatch):
    """Standard input that is not a terminal is read, never prompted on (the prompt waited on the terminal)."""
    import plugin.cli.users as users_cli

    monkeypatch.setattr(users_cli, "stdin_is_a_terminal", lambda: False)
    none = runner.invoke(cli, ["users", "create-admin", ADMIN, "--name", "Ada Admin"], input="")
    assert none.exit_code == 2
    assert "no password on standard input: pipe one line to this command, or run it in a terminal" in none.output
    piped = runner.invoke(cli, ["users", "create-admin", ADMIN, "--name", "Ada Admin"], input=PASSWORD + "\n")
    assert piped.exit_code == 0 and piped.output.startswith(f"admin {ADMIN} can now sign in")


def _shell_in(tmp_path: Path, monkeypatch) -> Path:
    """A shell in a folder of its own, with no CONTACTGUARD_* variable."""
    for key in [k for k in os.environ if k.startswith("CONTACTGUARD_")]:
        monkeypatch.delenv(key)
    folder = tmp_path / "site"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder
