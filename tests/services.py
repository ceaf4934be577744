"""Real PostgreSQL and Redis servers for tests, each started on a free loopback port in a temporary folder and
stopped (folder removed) on exit. `make system` installs both (Debian's postgresql and redis-server); a test that
finds one missing is skipped with that hint rather than failing for a reason outside the code.

Nothing here relies on a system-wide service: the servers are ours, and nothing they write outlives the test.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa

from actions.launch import free_port

REDIS_SERVER, REDIS_CLI = shutil.which("redis-server"), shutil.which("redis-cli")


class ServiceMissing(RuntimeError):
    """The server's programs are not installed here (the message says what installs them)."""


# --- PostgreSQL ----------------------------------------------------------------------------------------------------


@dataclass
class Postgres:
    url: str  # postgresql://ccvc:<password>@127.0.0.1:<port>/<database>
    password: str


def postgres_programs() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin holding initdb and pg_ctl (Debian's layout), if any."""
    found = [p.parent for p in Path("/usr/lib/postgresql").glob("*/bin/initdb") if (p.parent / "pg_ctl").exists()]
    found.sort(key=lambda folder: int(folder.parent.name) if folder.parent.name.isdigit() else 0)
    return found[-1] if found else None


@contextmanager
def running_postgres(database: str = "conversations") -> Iterator[Postgres]:
    """A PostgreSQL server (initdb + pg_ctl) with an empty `database`, owner `ccvc` with a random password."""
    programs = postgres_programs()
    if programs is None:
        raise ServiceMissing("no PostgreSQL server programs (/usr/lib/postgresql/*/bin/initdb): `make system` "
                             "installs them")
    owner: dict = {}
    if os.geteuid() == 0:  # initdb and postgres refuse to run as root: the postgres account runs them
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            raise ServiceMissing("running as root and there is no `postgres` account to run the PostgreSQL server")
        owner = {"user": account.pw_uid, "group": account.pw_gid}
    base = Path(tempfile.mkdtemp(prefix="ccvc-postgres-"))
    data, sockets = base / "data", base / "sockets"
    sockets.mkdir()
    password = secrets.token_urlsafe(18)
    (base / "password").write_text(password + "\n")
    if owner:
        for path in (base, sockets, base / "password"):
            os.chown(path, owner["user"], owner["group"])
    port = free_port()
    run = dict(cwd=base, capture_output=True, text=True, timeout=120, **owner)
    started = False
    try:
        done = subprocess.run([str(programs / "initdb"), "-D", str(data), "-U", "ccvc", "--pwfile",
                               str(base / "password"), "--auth-local=trust", "--auth-host=scram-sha-256",
                               "-E", "UTF8", "--locale=C.UTF-8"], **run)
        assert done.returncode == 0, done.stderr
        options = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={sockets} -c fsync=off"
        done = subprocess.run([str(programs / "pg_ctl"), "-D", str(data), "-l", str(base / "server.log"), "-w",
                               "-t", "60", "-o", options, "start"], **run)
        assert done.returncode == 0, done.stderr + (base / "server.log").read_text()
        started = True
        admin = sa.create_engine(f"postgresql://ccvc:{password}@127.0.0.1:{port}/postgres",
                                 isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:  # production has a database of its own; so does this
            connection.execute(sa.text(f'CREATE DATABASE "{database}"'))
        admin.dispose()
        yield Postgres(f"postgresql://ccvc:{password}@127.0.0.1:{port}/{database}", password)
    finally:
        if started:
            subprocess.run([str(programs / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], **run)
        shutil.rmtree(base, ignore_errors=True)


# --- Redis ---------------------------------------------------------------------------------------------------------


@dataclass
class Redis:
    url: str  # redis://:<password>@127.0.0.1:<port>/<db>
    port: int
    password: str
    db: int
    process: subprocess.Popen

    def cli(self, *arguments: str, timeout: float = 30) -> str:
        """One redis-cli command on this server's database (the password through the environment, not argv)."""
        done = subprocess.run([REDIS_CLI, "-h", "127.0.0.1", "-p", str(self.port), "-n", str(self.db), *arguments],
                              env={**os.environ, "REDISCLI_AUTH": self.password}, capture_output=True, text=True,
                              timeout=timeout)
        assert done.returncode == 0, done.stderr
        return done.stdout

    @contextmanager
    def monitor(self, into: Path) -> Iterator[Path]:
        """Every command the server receives meanwhile, one a line in `into` (redis-cli MONITOR)."""
        with into.open("w") as output:
            watcher = subprocess.Popen([REDIS_CLI, "-h", "127.0.0.1", "-p", str(self.port), "MONITOR"],
                                       env={**os.environ, "REDISCLI_AUTH": self.password}, stdout=output,
                                       stderr=subprocess.STDOUT)
            try:
                deadline = time.monotonic() + 30
                while "OK" not in into.read_text() and time.monotonic() < deadline:
                    time.sleep(0.05)  # MONITOR answers OK once it listens
                yield into
            finally:
                time.sleep(0.2)  # the last commands reach the file
                watcher.terminate()
                watcher.wait(timeout=30)


@contextmanager
def running_redis(db: int = 1) -> Iterator[Redis]:
    """A Redis server on a free loopback port, password required, nothing persisted (its folder is removed)."""
    if REDIS_SERVER is None or REDIS_CLI is None:
        raise ServiceMissing("no redis-server / redis-cli: `make system` installs Debian's redis-server")
    folder = Path(tempfile.mkdtemp(prefix="ccvc-redis-"))
    password = secrets.token_urlsafe(18)
    port = free_port()
    config = folder / "redis.conf"  # the password in a file of ours, not on the command line
    config.write_text(f"port {port}\nbind 127.0.0.1\nsave \"\"\nappendonly no\ndir {folder}\n"
                      f"requirepass {password}\nlogfile {folder / 'redis.log'}\n")
    config.chmod(0o600)
    process = subprocess.Popen([REDIS_SERVER, str(config)], cwd=folder, stdout=subprocess.DEVNULL,
                               stderr=subprocess.STDOUT)
    server = Redis(f"redis://:{password}@127.0.0.1:{port}/{db}", port, password, db, process)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {process.returncode}: "
                                   f"{(folder / 'redis.log').read_text(errors='replace')}")
            ping = subprocess.run([REDIS_CLI, "-p", str(port), "PING"], env={**os.environ, "REDISCLI_AUTH": password},
                                  capture_output=True, text=True, timeout=10)
            if ping.stdout.strip() == "PONG":
                break
            if time.monotonic() > deadline:
                raise TimeoutError("redis-server did not answer within 30 s")
            time.sleep(0.05)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)
