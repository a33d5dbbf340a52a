"""Which database this computer opens: its own file, or the township's server.

Without ``--db`` and ``$ANQUAN_DB`` the program opens the server saved here (the 连接服务器 dialog
saves it), else the SQLite file in the user data folder. The saved server lives in the user's config
folder (``server.json`` beside ``device.json``; ``$ANQUAN_WORKPLACE_FILE`` for tests) as a SQLAlchemy
URL *without* a password: ``postgresql+psycopg://user@host:port/dbname``.

The program never writes a password into its own files. When the user ticks 记住密码, the password
goes into libpq's own password file (``~/.pgpass``; ``%APPDATA%\\postgresql\\pgpass.conf`` on Windows;
``$PGPASSFILE`` when set), readable by the user only, where libpq (psycopg, ``pg_dump``) finds it
by itself when the server asks for a password. Its lines are ``host:port:database:user:password``
with ``:`` and ``\\`` escaped by a backslash; libpq ignores the file on POSIX when others may read it.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from platformdirs import user_config_dir
from sqlalchemy.engine import URL, make_url

from anquan_desk.core.errors import UserInputError

WORKPLACE_ENV = "ANQUAN_WORKPLACE_FILE"
DRIVER = "postgresql+psycopg"
DEFAULT_PORT = 5432
PASSFILE_MODE = 0o600


@dataclass(frozen=True, kw_only=True)
class ServerAddress:
    """Where the township's database is: a host name or IP address (or, for tests, the folder of a
    Unix socket), port, database and user. Never a password."""

    host: str
    port: int = DEFAULT_PORT
    database: str
    user: str

    @property
    def on_socket(self) -> bool:
        """A local Unix-socket folder instead of a network host (the throwaway test server)."""
        return self.host.startswith("/")

    @property
    def url(self) -> str:
        """The SQLAlchemy URL the program opens (``--db``), without a password."""
        if self.on_socket:
            url = URL.create(DRIVER, username=self.user, database=self.database,
                             query={"host": self.host, "port": str(self.port)})
        else:
            url = URL.create(DRIVER, username=self.user, host=self.host, port=self.port, database=self.database)
        return url.render_as_string(hide_password=False)

    def describe(self) -> str:
        """``192.168.1.10:5432/anquan（用户 anquan）`` for messages."""
        return f"{self.host}:{self.port}/{self.database}（用户 {self.user}）"

    def cleaned(self) -> ServerAddress:
        """The address with its fields trimmed; :class:`UserInputError` naming a missing field."""
        host, database, user = self.host.strip(), self.database.strip(), self.user.strip()
        for value, label in ((host, "服务器地址"), (database, "数据库名"), (user, "用户名")):
            if not value:
                raise UserInputError(f"请填写{label}。")
            if any(c.isspace() for c in value):
                raise UserInputError(f"{label}“{value}”中不能有空格。")
        if not 1 <= self.port <= 65535:
            raise UserInputError(f"端口应为 1–65535 之间的数（PostgreSQL 默认 {DEFAULT_PORT}），现在是 {self.port}。")
        return ServerAddress(host=host, port=self.port, database=database, user=user)

    @staticmethod
    def from_url(url: str) -> ServerAddress | None:
        """The address of a PostgreSQL URL (``None`` for anything else: a SQLite file)."""
        parsed = make_url(url)
        if parsed.get_backend_name() != "postgresql":
            return None
        host = parsed.host or str(parsed.query.get("host") or "")
        port = parsed.port or int(str(parsed.query.get("port") or DEFAULT_PORT))
        return ServerAddress(host=host, port=port, database=parsed.database or "", user=parsed.username or "")


# --- the saved server ------------------------------------------------------------------------------


def workplace_file() -> Path:
    override = os.environ.get(WORKPLACE_ENV)
    if override:
        return Path(override)
    return Path(user_config_dir("anquan-desk", appauthor=False)) / "server.json"


def saved_server() -> ServerAddress | None:
    """The server this computer opens by default, if one was saved (an unreadable file counts as none)."""
    path = workplace_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ServerAddress.from_url(str(data["url"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def saved_server_url() -> str | None:
    server = saved_server()
    return server.url if server is not None else None


def save_server(address: ServerAddress) -> Path:
    """Open ``address`` from the next start on (when no ``--db``/``$ANQUAN_DB`` is given)."""
    path = workplace_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    data = {"url": address.cleaned().url}
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


def forget_server() -> bool:
    """Go back to this computer's own database file. Returns whether a server was saved."""
    try:
        workplace_file().unlink()
    except FileNotFoundError:
        return False
    return True


# --- libpq's password file -------------------------------------------------------------------------


def passfile_path() -> Path:
    """Where libpq looks for passwords: ``$PGPASSFILE``, else ``~/.pgpass`` (POSIX) or
    ``%APPDATA%\\postgresql\\pgpass.conf`` (Windows)."""
    override = os.environ.get("PGPASSFILE")
    if override:
        return Path(override)
    if os.name == "nt":
        return Path(os.environ.get("APPDATA", Path.home())) / "postgresql" / "pgpass.conf"
    return Path.home() / ".pgpass"


def passfile_escape(value: str) -> str:
    """A field as libpq reads it: ``\\`` → ``\\\\``, ``:`` → ``\\:``."""
    return value.replace("\\", "\\\\").replace(":", "\\:")


def passfile_fields(line: str) -> list[str]:
    """The fields of one password-file line, unescaped (libpq's reading)."""
    fields: list[str] = []
    current: list[str] = []
    chars = iter(line)
    for char in chars:
        if char == "\\":
            current.append(next(chars, ""))
        elif char == ":":
            fields.append("".join(current))
            current = []
        else:
            current.append(char)
    fields.append("".join(current))
    return fields


def passfile_line(address: ServerAddress, password: str) -> str:
    fields = (address.host, str(address.port), address.database, address.user, password)
    return ":".join(passfile_escape(f) for f in fields)


def _same_entry(line: str, address: ServerAddress) -> bool:
    if not line.strip() or line.lstrip().startswith("#"):
        return False
    fields = passfile_fields(line)
    return fields[:4] == [address.host, str(address.port), address.database, address.user]


def _rewrite_passfile(path: Path, lines: list[str]) -> None:
    """Write the file readable and writable by the user only (libpq refuses it otherwise), in one
    rename, so a reader never sees half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0), PASSFILE_MODE)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write("".join(f"{line}\n" for line in lines))
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    if os.name == "posix":
        os.chmod(path, PASSFILE_MODE)


def _passfile_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []


def remember_password(address: ServerAddress, password: str) -> Path:
    """Put ``password`` for ``address`` into libpq's password file (replacing the line for the same
    host, port, database and user; other lines stay as they were). Returns the file."""
    address = address.cleaned()
    if not password:
        raise UserInputError("没有填写密码，无法记住密码。")
    if any(c in password for c in "\r\n"):
        raise UserInputError("密码中不能有换行。")
    path = passfile_path()
    kept = [line for line in _passfile_lines(path) if not _same_entry(line, address)]
    # First in the file: libpq uses the first line that matches (a wildcard line may follow).
    _rewrite_passfile(path, [passfile_line(address, password), *kept])
    return path


def forget_password(address: ServerAddress) -> bool:
    """Remove the line for ``address`` from the password file. Returns whether there was one."""
    path = passfile_path()
    lines = _passfile_lines(path)
    kept = [line for line in lines if not _same_entry(line, address)]
    if len(kept) == len(lines):
        return False
    _rewrite_passfile(path, kept)
    return True


def remembered_password(address: ServerAddress) -> bool:
    """Whether the password file holds a line for exactly this address."""
    return any(_same_entry(line, address) for line in _passfile_lines(passfile_path()))
