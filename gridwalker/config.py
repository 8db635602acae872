"""Where gridwalker keeps its files, and the settings file.

Paths come from platformdirs; the environment variable GRIDWALKER_HOME replaces all of them
with one folder (tests, demo, several profiles). Nothing here touches the disk at import.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import asdict, dataclass, fields
from pathlib import Path

APP = "gridwalker"
HOME_ENV = "GRIDWALKER_HOME"


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

    p.config.mkdir(parents=True, exist_ok=True)
    tmp = p.settings_file.with_suffix(".tmp")
    tmp.write_text(tomli_w.dumps(asdict(settings)), encoding="utf-8")
    tmp.replace(p.settings_file)
