"""Settings file: defaults, round trip, and a clear error for a broken file."""

from __future__ import annotations

import pytest

from gridwalker import config


def test_settings_round_trip() -> None:
    p = config.paths()
    assert config.load_settings(p) == config.Settings()
    s = config.Settings(member_name="李晓梅", grid_code="XH-01-01", language="zh")
    config.save_settings(p, s)
    assert config.load_settings(p) == s


def test_broken_settings_file_names_the_file() -> None:
    p = config.paths()
    p.config.mkdir(parents=True)
    p.settings_file.write_text("member_name = ", encoding="utf-8")
    with pytest.raises(ValueError, match="settings.toml"):
        config.load_settings(p)


def test_unknown_keys_are_ignored() -> None:
    p = config.paths()
    p.config.mkdir(parents=True)
    p.settings_file.write_text('grid_code = "XH-01-02"\ncolour = "blue"\n', encoding="utf-8")
    assert config.load_settings(p).grid_code == "XH-01-02"
