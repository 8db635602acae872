"""The laptop database's passphrase on the command line: where it comes from, how it opens.

A passphrase comes from the 0600 file named by `--passphrase-file` (setup and the db
commands), else from the file named by GRIDWALKER_PASSPHRASE_FILE (every command); else the
key the member's unlocked session holds in the kernel keyring (store/session_key.py) is
used; else a prompt when stdin is a terminal. Never from the command line or the environment itself,
and never a prompt under cron: without a terminal the command exits 1 and says what to give.
A database without a key record (the demo, a hub, a laptop not encrypted yet) opens as it is.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from gridwalker.cli.common import fail

F = TypeVar("F", bound=Callable[..., Any])
PROMPT_TRIES = 3


def passphrase_file_option(func: F) -> F:
    """The `--passphrase-file FILE` option (a 0600 file holding the passphrase)."""
    return click.option(
        "--passphrase-file",
        "passphrase_file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="A file (0600) holding the database passphrase, for scripts; else "
        "$GRIDWALKER_PASSPHRASE_FILE, else a prompt on a terminal.",
    )(func)


def _no_terminal_message() -> str:
    return (
        "数据库已加密，需要口令：用 --passphrase-file FILE 或 GRIDWALKER_PASSPHRASE_FILE 指定"
        "口令文件（0600）；没有终端时不会提示输入 / the database is encrypted: give the "
        "passphrase in a 0600 file with --passphrase-file FILE or GRIDWALKER_PASSPHRASE_FILE, "
        "or unlock the app in the member's session first (no prompt without a terminal)"
    )


def given_passphrase(passphrase_file: Path | None) -> str | None:
    """The passphrase from `--passphrase-file`, else from $GRIDWALKER_PASSPHRASE_FILE."""
    from gridwalker.store.dbkey import (
        PASSPHRASE_ENV,
        PassphraseFileError,
        passphrase_file_from_env,
        read_passphrase_file,
    )

    path = passphrase_file or passphrase_file_from_env()
    if path is None:
        return None
    try:
        return read_passphrase_file(path)
    except PassphraseFileError as exc:
        where = "" if passphrase_file else f" ({PASSPHRASE_ENV})"
        fail(f"{exc}{where}")
    raise AssertionError("unreachable")


def can_prompt() -> bool:
    """True when a person is at a terminal (never under cron or a timer)."""
    return sys.stdin.isatty()


def new_passphrase(passphrase_file: Path | None, *, from_env: bool = True) -> str:
    """A new passphrase: from the file (or $GRIDWALKER_PASSPHRASE_FILE with `from_env`), else
    asked twice on a terminal, else exit 1."""
    from gridwalker.store.dbkey import (
        PassphraseFileError,
        check_new_passphrase,
        passphrase_file_from_env,
        read_passphrase_file,
    )

    source = passphrase_file or (passphrase_file_from_env() if from_env else None)
    if source is not None:
        try:
            passphrase = read_passphrase_file(source)
        except PassphraseFileError as exc:
            fail(str(exc))
    else:
        if not can_prompt():
            fail(_no_terminal_message())
        click.echo(
            "数据库将加密保存。忘记口令只能由枢纽重新配置本机（已导出的数据不会丢失）。\n"
            "The database is stored encrypted. A forgotten passphrase means provisioning this "
            "laptop again from the hub (nothing already exported is lost).",
            err=True,
        )
        passphrase = click.prompt(
            "新口令 / new passphrase", hide_input=True, confirmation_prompt=True, err=True
        )
    try:
        check_new_passphrase(passphrase)
    except ValueError as exc:
        fail(f"{source}: {exc}" if source else str(exc))
    return passphrase


def current_passphrase(passphrase_file: Path | None) -> str:
    """The passphrase the database has now: from a file, else asked once on a terminal."""
    passphrase = given_passphrase(passphrase_file)
    if passphrase is None:
        if not can_prompt():
            fail(_no_terminal_message())
        passphrase = click.prompt("口令 / passphrase", hide_input=True, err=True)
    return passphrase


def laptop_key(db: Path, passphrase_file: Path | None = None) -> bytes | None:
    """The raw key of an encrypted database (None for a plain one), or exit 1 with why."""
    from gridwalker.store.dbkey import (
        KeyRecordError,
        WrongPassphrase,
        is_encrypted,
        looks_plain,
        unlock,
    )

    if not is_encrypted(db):
        if db.exists() and db.stat().st_size > 0 and not looks_plain(db):
            fail(
                f"{db}: 不是未加密的 SQLite 数据库，也没有密钥文件 {db.name}.key（已加密但密钥文件"
                f"丢失，或不是数据库）/ not a plain SQLite database and its key record "
                f"{db.name}.key is missing (encrypted without its key, or not a database)"
            )
        return None
    given = given_passphrase(passphrase_file)
    if given is None:
        from gridwalker.store.session_key import held_key

        held = held_key(db)
        if held is not None:
            return held
    if given is None and not can_prompt():
        fail(_no_terminal_message())
    for attempt in range(1 if given is not None else PROMPT_TRIES):
        passphrase = given
        if passphrase is None:
            passphrase = click.prompt("口令 / passphrase", hide_input=True, err=True)
        try:
            return unlock(db, passphrase)
        except KeyRecordError as exc:
            fail(str(exc))
        except WrongPassphrase as exc:
            if given is not None or attempt == PROMPT_TRIES - 1:
                fail(str(exc))
            click.echo(str(exc), err=True)
    raise AssertionError("unreachable")


def open_laptop(db: Path | str, passphrase_file: Path | None = None, device_id: str | None = None):  # noqa: ANN201 - an Engine
    """An engine on a migrated database (a path or a URL), its key found first if it has one."""
    from gridwalker.store.dbkey import DatabaseKeyRefused
    from gridwalker.store.migrate import open_database

    key = None
    if "://" not in str(db):
        key = laptop_key(Path(db), passphrase_file)
    try:
        return open_database(db, device_id, key=key)
    except DatabaseKeyRefused as exc:
        fail(str(exc))
    raise AssertionError("unreachable")
