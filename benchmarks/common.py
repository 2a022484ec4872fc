"""Shared set-up for the benchmarks: a fresh PostgreSQL database (or SQLite), servers, machine facts."""

from __future__ import annotations

import contextlib
import os
import platform
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg
import requests

ROOT = Path(__file__).resolve().parent.parent
PG = os.environ.get("CONTACTGUARD_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def fresh_postgres():
    """A new database for one benchmark, dropped afterwards; yields (sqlalchemy_url, libpq_dsn)."""
    name = f"cg_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    dsn = PG.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield dsn.replace("postgresql://", "postgresql+psycopg://"), dsn
    finally:
        with psycopg.connect(PG, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def gunicorn(app: str, env: dict, workers: int = 2, threads: int = 4):
    """Serve `app` with gunicorn on a free loopback port; the same settings for every server measured."""
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--worker-class",
        "gthread",
        "--threads",
        str(threads),
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        app,
    ]
    process = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, **env}, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except requests.RequestException:  # not listening yet, or too busy starting to answer
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(15)


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    with psycopg.connect(PG) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
    return (
        f"{os.cpu_count()} cores ({cpu}), {int(mem) // 1024 // 1024} GiB, Python {platform.python_version()}, "
        f"PostgreSQL {pg}"
    )
