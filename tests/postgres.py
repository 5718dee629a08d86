"""A throwaway PostgreSQL server for the tests: Debian's ``postgresql`` binaries, a cluster in a
temp folder, listening on a Unix socket there only; stopped and removed at the end.

    server = Server.start()              # or None, with the reason in ``Server.missing``
    url = server.database("t1")          # a fresh database: postgresql://...
    server.stop()

PostgreSQL refuses to run as root; as root the cluster runs as the ``postgres`` user the package
creates. The Makefile's set-up installs the package when it is missing (as root).
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


def binaries() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: Debian keeps them out of PATH."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


@dataclass
class Server:
    folder: Path
    bindir: Path
    user: str | None  # run as this user (we are root), or as ourselves

    options: str = ""  # the server's command-line options (pg_ctl -o)

    missing = ""  # why no server could be started (set by start)

    @property
    def socket_dir(self) -> Path:
        return self.folder / "socket"

    def _run(self, *args: str) -> subprocess.CompletedProcess:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        return subprocess.run(command, capture_output=True, text=True, timeout=120)

    @classmethod
    def start(cls, durable: bool = False) -> "Server | None":
        """A new cluster in a folder of its own under the system's temp folder (not pytest's: the
        server's user must be able to reach it). Not ``durable`` (the tests'): no fsync, commits not
        waited for; ``durable`` (a benchmark's): PostgreSQL's own defaults."""
        bindir = binaries()
        if bindir is None:
            cls.missing = ("PostgreSQL is not installed (Debian's postgresql package; `make setup` installs it "
                           "when run as root)")
            return None
        user = None
        if os.geteuid() == 0:
            try:
                import pwd

                pwd.getpwnam("postgres")
            except KeyError:
                cls.missing = "running as root and there is no postgres user to run the server as"
                return None
            user = "postgres"
        import tempfile

        folder = Path(tempfile.mkdtemp(prefix="assistant-pg-"))
        server = cls(folder, bindir, user)
        server.socket_dir.mkdir(exist_ok=True)
        if user:
            shutil.chown(folder, user)
            shutil.chown(server.socket_dir, user)
        out = server._run("initdb", "-D", str(folder / "data"), "-A", "trust", "-U", "postgres", "--no-sync",
                          "-E", "UTF8", "--locale", "C.UTF-8")
        if out.returncode:
            cls.missing = f"initdb failed: {out.stderr.strip()[-400:]}"
            return None
        options = f"-k {server.socket_dir} -c listen_addresses='' -c max_connections=200"
        if not durable:
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        server.options = options
        out = server._start()
        if out.returncode:
            log = (folder / "server.log").read_text(errors="replace")[-400:] if (folder / "server.log").exists() else ""
            cls.missing = f"pg_ctl start failed: {out.stderr.strip()[-300:]} {log}"
            return None
        return server

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.socket_dir}"

    def database(self, name: str) -> str:
        """A new, empty database; its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def _start(self) -> subprocess.CompletedProcess:
        # -l: the server's output to its log file (on our pipe, it would keep subprocess.run waiting)
        return self._run("pg_ctl", "-D", str(self.folder / "data"), "-o", self.options,
                         "-l", str(self.folder / "server.log"), "-w", "-t", "60", "start")

    def restart(self) -> None:
        """Stop the server (its clients' connections die; "fast": what the tests' server, which does not wait
        for its disk, has committed is written out first) and start it again."""
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop")
        out = self._start()
        if out.returncode:
            raise RuntimeError(f"pg_ctl restart failed: {out.stderr.strip()[-300:]}")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.folder, ignore_errors=True)
