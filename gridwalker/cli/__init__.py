"""The command line (../shared/CLI.md is the contract scripts and cron jobs rely on).

`main` (cli.root) is the command group; each area registers its commands on it from its own
module of this package, imported here so that `gridwalker.cli:main` has them all.

Messages go to stderr, results to stdout. Exit codes: 0 done, 1 the command ran but refused
or failed something, 2 wrong usage. Heavy imports (store, Textual) happen inside commands so
`--help` and the first frame stay fast.
"""

from __future__ import annotations

from gridwalker.cli import (
    consult_cmds,
    db_cmds,
    field_cmds,
    hub_cmds,
    issue_cmds,
    people_cmds,
    report_cmds,
    setup_cmds,
    sync_cmds,
    user_cmds,
)
from gridwalker.cli.root import main

__all__ = [
    "consult_cmds",
    "db_cmds",
    "field_cmds",
    "hub_cmds",
    "issue_cmds",
    "main",
    "people_cmds",
    "report_cmds",
    "setup_cmds",
    "sync_cmds",
    "user_cmds",
]
