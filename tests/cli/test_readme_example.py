"""The README's worked example, run command by command exactly as written there."""

import re
import shlex
from pathlib import Path

import time_machine

from plugin.cli import cli

README = Path(__file__).resolve().parents[2] / "README.md"


def _commands(section: str) -> list[list[str]]:
    text = README.read_text().split(section, 1)[1]
    block = re.search(r"```sh\n(.*?)```", text, re.S).group(1)
    joined = re.sub(r"\\\n\s*", " ", block)
    commands = []
    for line in joined.splitlines():
        line = line.split("  #")[0].strip()
        if line.startswith("contactguard "):
            commands.append(shlex.split(line)[1:])
    return commands


def test_the_worked_example_runs_as_written(runner, settings):
    commands = _commands("## A worked example with the CLI")
    assert len(commands) >= 15
    outputs = []
    with time_machine.travel("2026-11-24 10:00:00+00:00", tick=False):
        for args in commands:
            result = runner.invoke(cli, args)
            assert result.exit_code == 0, f"contactguard {' '.join(args)}\n{result.output}"
            outputs.append(result.output)
    text = "\n".join(outputs)
    assert "restriction 1 active until review on 2027-05-24; letter queued" in text
    assert "sole point of contact: olly.officer@council.example (officer), deputy dee.deputy@council.example" in text
    assert "letter 2 sent by post_first_class; deemed received 2026-11-26" in text
    assert (
        "    2 restriction          C1001      sent 2026-11-24 by post_first_class; deemed received 2026-11-26; "
        "appeal by 2026-12-11" in text
    ), "letters list: the customer's reference, deemed receipt, appeal deadline"
    assert "appeal windows open: 2" in text and "helpdesk actions dead-lettered: 0" in text


def test_the_serious_threat_example_restricts_in_one_command(runner, settings):
    """Article 6119: after a serious threat of violence no warning is needed (R61): the README's one-command
    propose, checks (R9) and activate runs as written, after the worked example."""
    outputs = []
    with time_machine.travel("2026-11-24 10:00:00+00:00", tick=False):
        for args in _commands("## A worked example with the CLI") + _commands("A threat of violence needs no warning"):
            result = runner.invoke(cli, args)
            assert result.exit_code == 0, f"contactguard {' '.join(args)}\n{result.output}"
            outputs.append(result.output)
    assert outputs[-2].strip() == "restriction 2 active until review on 2027-05-24; letter queued"
    shown = outputs[-1].splitlines()
    assert shown[0] == "restriction 2 for C1002: active (serious_threat)"
    assert "  letter: restriction letter 3 waiting to be sent; the appeal window runs from its deemed receipt" in shown


def test_an_officer_cannot_activate_and_is_told_why(runner, settings):
    with time_machine.travel("2026-11-24 10:00:00+00:00", tick=False):
        for args in _commands("## A worked example with the CLI"):
            if args[:3] == ["--as", "sam.senior@council.example", "restrictions"] and "activate" in args:
                refused = runner.invoke(cli, ["--as", "olly.officer@council.example", "restrictions", "activate", "1"])
                assert refused.exit_code == 4
                assert "only a senior officer may activate a restriction; you are officer [R2]" in refused.output
            runner.invoke(cli, args)
