"""Where gridwalker keeps its files, the settings file, and how files are made private.

Paths come from platformdirs; the environment variable GRIDWALKER_HOME replaces all of them
with one folder (tests, demo, several profiles). Nothing here touches the disk at import.

Every file gridwalker creates holds personal data or a secret, so it is made owner-only
(0600) and every folder it creates 0700, whatever the umask: `private_dir`, `private_opener`
(for `open(…, opener=private_opener)`), `private_file` (create empty, or tighten) and
`make_private` (after a copy or a move). Public keys, the hub card and pairing files are
written by their own code and may stay 0644.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict, dataclass, fields
from pathlib import Path

APP = "gridwalker"
HOME_ENV = "GRIDWALKER_HOME"
PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def private_dir(folder: str | Path, *, ours: bool = True) -> Path:
    """Create `folder` and its missing parents as 0700, whatever the umask; returns it.

    An existing folder is tightened to 0700 when it is one of ours (`ours`, the default: the
    data, config, log, keys, outbox and quarantine folders); a folder the user named (an
    export to a USB stick) is left as it is. Folders created here are always 0700.
    """
    folder = Path(folder)
    missing: list[Path] = []
    probe = folder
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    for level in reversed(missing):
        try:
            level.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:
            continue  # made meanwhile by someone else: not ours to change
        os.chmod(level, PRIVATE_DIR)
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder}: not a folder")
    if ours and not missing:
        make_private(folder, PRIVATE_DIR)
    return folder


def make_private(path: str | Path, mode: int = PRIVATE_FILE) -> None:
    """Tighten an existing file (or folder, with mode 0700) we own; quietly skip one we cannot.

    A file system without Unix permissions (a FAT USB stick) or a file of another user
    refuses chmod: that is not a reason to fail an export or an import.
    """
    try:
        if os.stat(path).st_mode & 0o777 != mode:
            os.chmod(path, mode)
    except FileNotFoundError:
        raise
    except (OSError, NotImplementedError):
        pass


def private_opener(path: str, flags: int) -> int:
    """An `open(…, opener=private_opener)` that creates the file 0600 (an existing one too)."""
    fd = os.open(path, flags, PRIVATE_FILE)
    try:
        os.fchmod(fd, PRIVATE_FILE)
    except (OSError, NotImplementedError, AttributeError):
        pass  # Windows has no fchmod; a file of another user keeps its mode
    return fd


def private_file(path: str | Path) -> Path:
    """Create `path` empty as 0600 when it does not exist, else tighten it to 0600; returns it.

    SQLite gives a database's -wal and -shm files the database file's permissions, so a
    database created here first is private with its companions.
    """
    path = Path(path)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE))
    except FileExistsError:
        pass
    make_private(path)
    return path


@dataclass(frozen=True)
class Paths:
    """The folders of one gridwalker home."""

    data: Path
    config: Path
    log: Path

    @property
    def field_db(self) -> Path:
        return self.data / "gridwalker.db"

    @property
    def hub_db(self) -> Path:
        return self.data / "hub.db"

    @property
    def outbox(self) -> Path:
        return self.data / "outbox"

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.toml"

    @property
    def keys(self) -> Path:
        return self.config / "keys"

    @property
    def demo_home(self) -> Path:
        """The demo member's own home, kept apart from real data."""
        return self.data / "demo"


def paths(home: str | Path | None = None) -> Paths:
    """The folders in use: `home`, else $GRIDWALKER_HOME, else the platform's folders."""
    root = home or os.environ.get(HOME_ENV)
    if root:
        base = Path(root).expanduser()
        return Paths(data=base / "data", config=base / "config", log=base / "log")
    import platformdirs

    return Paths(
        data=platformdirs.user_data_path(APP),
        config=platformdirs.user_config_path(APP),
        log=platformdirs.user_log_path(APP),
    )


@dataclass
class Settings:
    """What the member chose: who they are, their grid, their language."""

    member_uuid: str = ""
    member_name: str = ""
    grid_code: str = ""
    language: str = ""  # "zh", "en" or "" (from the locale)
    demo: bool = False
    supervisor: str = ""  # at a hub: who decides at the desk unless --as says otherwise
    lock_minutes: int = 10  # an encrypted laptop's app locks after this long idle (0: never)
    hold_key_hours: int = 12  # the unlocked key stays in the kernel keyring this long (0: never)
    export_on_close: bool = True  # quitting the app writes the next sync bundle first


def load_settings(p: Paths) -> Settings:
    """The settings file, or defaults when there is none. A broken file raises ValueError."""
    try:
        raw = p.settings_file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Settings()
    try:
        data = tomllib.loads(raw)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{p.settings_file}: {exc}") from exc
    known = {f.name for f in fields(Settings)}
    return Settings(**{k: v for k, v in data.items() if k in known})


def save_settings(p: Paths, settings: Settings) -> None:
    """Write the settings file atomically."""
    import tomli_w

    private_dir(p.config)
    tmp = p.settings_file.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8", opener=private_opener) as out:
        out.write(tomli_w.dumps(asdict(settings)))
    tmp.replace(p.settings_file)
