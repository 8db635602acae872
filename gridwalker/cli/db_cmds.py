"""The laptop database at rest (CLI.md): `gridwalker db encrypt | passphrase | check`.

`encrypt` turns a plain laptop database into an encrypted one in place (copy, compare every
table's rows, swap, overwrite the plain file's bytes); `passphrase` re-wraps the database key
under a new passphrase without re-encrypting anything; `check` verifies the file's integrity
and, for an encrypted one, that the key opens it and every page's HMAC.
"""

from __future__ import annotations

from pathlib import Path

import click

from gridwalker.cli.common import EXAMPLES, epilog, fail, home_paths, no_database
from gridwalker.cli.root import main
from gridwalker.cli.unlock import (
    current_passphrase,
    laptop_key,
    new_passphrase,
    passphrase_file_option,
)

EXAMPLES.update(
    {
        "db_encrypt": "gridwalker db encrypt            # asks for the new passphrase twice",
        "db_passphrase": "gridwalker db passphrase --passphrase-file old.txt "
        "--new-passphrase-file new.txt",
        "db_check": "gridwalker db check --passphrase-file ~/.config/gridwalker/passphrase",
    }
)

_DB_HELP = "The field database (default: gridwalker.db in the data folder)."


@main.group()
def db() -> None:
    """The laptop database at rest (SQLCipher): encrypt, change the passphrase, check."""


def _field_db(path: Path | None) -> Path:
    path = path or home_paths().field_db
    if not path.exists():
        fail(no_database(path))
    return path


@db.command("encrypt", epilog=epilog("db_encrypt"))
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), help=_DB_HELP)
@passphrase_file_option
def db_encrypt(db_path: Path | None, passphrase_file: Path | None) -> None:
    """Encrypt a plain laptop database in place, every table's rows compared before the swap.

    Close gridwalker first. The plain file's bytes are overwritten afterwards as far as the
    file system allows (not on copy-on-write file systems, SSD cells already remapped, or
    backups): full-disk encryption (LUKS) covers those.
    """
    from gridwalker.store.at_rest import AtRestError, encrypt_in_place
    from gridwalker.store.dbkey import WrongPassphrase, is_encrypted, looks_plain

    path = _field_db(db_path)
    if not looks_plain(path):
        if is_encrypted(path):
            click.echo(f"{path}: 已加密，无需改动 / already encrypted; nothing changed", err=True)
            return
        fail(f"{path}: 不是 SQLite 数据库 / not a SQLite database")
    if is_encrypted(path):  # an earlier run stopped before the swap: its key is kept
        passphrase = current_passphrase(passphrase_file)
    else:
        passphrase = new_passphrase(passphrase_file)
    try:
        result = encrypt_in_place(path, passphrase)
    except (AtRestError, WrongPassphrase, ValueError) as exc:
        fail(str(exc))
    click.echo(
        f"encrypted: {path} ({result.tables} tables, {result.rows} rows compared; "
        f"{result.wiped_bytes} bytes of the plain file overwritten)"
    )
    click.echo(
        "已加密。旧文件的内容已尽文件系统所能覆盖；建议同时使用全盘加密（LUKS）。\n"
        "Encrypted. The plain file was overwritten as far as the file system allows; use "
        "full-disk encryption (LUKS) as well.",
        err=True,
    )


@db.command("passphrase", epilog=epilog("db_passphrase"))
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), help=_DB_HELP)
@passphrase_file_option
@click.option(
    "--new-passphrase-file",
    "new_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A file (0600) holding the new passphrase, for scripts; else asked twice.",
)
def db_passphrase(
    db_path: Path | None, passphrase_file: Path | None, new_file: Path | None
) -> None:
    """Change the passphrase: the database key is re-wrapped, the database is not rewritten."""
    from gridwalker.store.dbkey import (
        KeyRecordError,
        WrongPassphrase,
        change_passphrase,
        is_encrypted,
        unlock,
    )

    path = _field_db(db_path)
    if not is_encrypted(path):
        fail(f"{path}: 数据库未加密：gridwalker db encrypt / not encrypted: gridwalker db encrypt")
    old = current_passphrase(passphrase_file)
    try:
        unlock(path, old)  # a wrong old passphrase is said before a new one is asked
        change_passphrase(path, old, new_passphrase(new_file, from_env=False))
    except (KeyRecordError, WrongPassphrase) as exc:
        fail(str(exc))
    click.echo(f"passphrase changed: {path}.key (the database itself is unchanged)")


@db.command("check", epilog=epilog("db_check"))
@click.option("--db", "db_path", type=click.Path(dir_okay=False, path_type=Path), help=_DB_HELP)
@passphrase_file_option
def db_check(db_path: Path | None, passphrase_file: Path | None) -> None:
    """Check the database: integrity, and for an encrypted one the key and every page's HMAC.

    Exit 0 when sound, 1 with each problem listed otherwise.
    """
    from gridwalker.store.at_rest import AtRestError, check_database

    path = _field_db(db_path)
    key = laptop_key(path, passphrase_file)
    try:
        result = check_database(path, key)
    except AtRestError as exc:
        fail(str(exc))
    state = "encrypted" if result.encrypted else "NOT encrypted (gridwalker db encrypt)"
    if result.problems:
        for problem in result.problems[:50]:
            click.echo(f"{path}: {problem}", err=True)
        fail(f"{path}: {len(result.problems)} problem(s); {state}")
    click.echo(f"ok: {path}, {state}, {result.tables} tables, {result.rows} rows")
