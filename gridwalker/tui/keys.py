"""Key bindings in the UI language, and the list of keys a screen offers (help, palette)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from textual.binding import BindingsMap
from textual.dom import DOMNode
from textual.screen import Screen

from gridwalker.domain.i18n import _


def N_(msgid: str) -> str:  # noqa: N802 - the gettext marker babel extracts
    """Mark a msgid for extraction only; it is translated where it is shown."""
    return msgid


def translate_bindings(node: DOMNode) -> None:
    """Put a node's binding descriptions and tooltips into the UI language."""
    # BINDINGS are class attributes, built at import before the language is chosen; Textual
    # copies them into each instance, so that copy is the one to translate.
    node._bindings = BindingsMap(
        replace(
            binding,
            description=_(binding.description) if binding.description else "",
            tooltip=_(binding.tooltip) if binding.tooltip else "",
        )
        for _key, binding in node._bindings
    )


# Textual's own key descriptions (screens, scrolling), marked here so the catalog holds them.
TEXTUAL_DESCRIPTIONS = (
    N_("Focus Next"),
    N_("Focus Previous"),
    N_("Copy selected text"),
    N_("Scroll Up"),
    N_("Scroll Down"),
    N_("Scroll Left"),
    N_("Scroll Right"),
    N_("Scroll Home"),
    N_("Scroll End"),
    N_("Page Up"),
    N_("Page Down"),
    N_("Page Left"),
    N_("Page Right"),
)

KEY_NAMES = {"pageup": "PgUp", "pagedown": "PgDn", "escape": "Esc"}


def key_label(key: str) -> str:
    """Spell a Textual key for people: "ctrl+q" -> "Ctrl+Q", "f1" -> "F1"."""
    return "+".join(_key_part(part) for part in key.split("+"))


def _key_part(part: str) -> str:
    """One part of a key combination, spelled for people."""
    if part in KEY_NAMES:
        return KEY_NAMES[part]
    if len(part) == 1 or re.fullmatch(r"f\d+", part):
        return part.upper()
    return part.capitalize()


@dataclass(frozen=True, slots=True)
class KeyAction:
    """One action a screen offers: its keys, what it does, and where it runs."""

    keys: tuple[str, ...]
    description: str
    action: str
    node: DOMNode

    @property
    def label(self) -> str:
        """The keys as shown in help and in the command palette, e.g. "Enter / Space"."""
        return " / ".join(key_label(key) for key in self.keys)


def screen_keys(screen: Screen[object], *, widgets: bool = True) -> list[KeyAction]:
    """The described actions active on a screen, app-wide first (widgets=False: no widgets)."""
    by_node: dict[DOMNode, dict[str, KeyAction]] = {}
    for key, active in screen.active_bindings.items():
        binding, node = active.binding, active.node
        if not binding.description or binding.system:
            continue
        if not widgets and node is not screen and node is not screen.app:
            continue
        actions = by_node.setdefault(node, {})
        # Keys with the same description (Enter and Space on the tree) share one line.
        found = actions.get(binding.description)
        if found:
            actions[binding.description] = replace(found, keys=(*found.keys, key))
        else:
            actions[binding.description] = KeyAction(
                (key,), binding.description, binding.action, node
            )
    # The binding chain runs from the focused widget out to the app; people read the
    # app-wide keys first, each node's keys in the order they were declared.
    return [action for actions in reversed(by_node.values()) for action in actions.values()]
