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


# Textual's own key descriptions (screens, scrolling, the widgets our screens use), marked
# here so the catalog holds them: F1 help and the palette show them in the UI language.
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
    N_("Page up"),
    N_("Page down"),
    N_("Up"),
    N_("Down"),
    N_("First"),
    N_("Last"),
    N_("Top"),
    N_("Bottom"),
    N_("Home"),
    N_("End"),
    N_("Select"),
    N_("Toggle"),
    N_("Toggle option"),
    N_("Next option"),
    N_("Previous option"),
    N_("Next tab"),
    N_("Previous tab"),
    N_("Show menu"),
    N_("Dismiss menu"),
    N_("Press button"),
    N_("Submit"),
    N_("Cursor up"),
    N_("Cursor down"),
    N_("Cursor left"),
    N_("Cursor right"),
    N_("Cursor Up"),
    N_("Cursor Down"),
    N_("Cursor to parent"),
    N_("Cursor to next sibling"),
    N_("Cursor to previous sibling"),
    N_("Cursor to next ancestor"),
    N_("Expand or collapse all"),
    N_("Cursor up select"),
    N_("Cursor down select"),
    N_("Cursor left select"),
    N_("Cursor right select"),
    N_("Cursor word left"),
    N_("Cursor word right"),
    N_("Cursor left word select"),
    N_("Cursor right word select"),
    N_("Cursor line start"),
    N_("Cursor line end"),
    N_("Cursor line start select"),
    N_("Cursor line end select"),
    N_("Cursor page up"),
    N_("Cursor page down"),
    N_("Move cursor left"),
    N_("Move cursor left and select"),
    N_("Move cursor left a word"),
    N_("Move cursor left a word and select"),
    N_("Move cursor right a word"),
    N_("Move cursor right a word and select"),
    N_("Move cursor right and select"),
    N_("Move cursor right or accept the completion suggestion"),
    N_("Go to start"),
    N_("Go to end"),
    N_("Select all"),
    N_("Select line"),
    N_("Select line start"),
    N_("Select line end"),
    N_("Delete character left"),
    N_("Delete character right"),
    N_("Delete left to start of word"),
    N_("Delete right to start of word"),
    N_("Delete all to the left"),
    N_("Delete all to the right"),
    N_("Delete to line start"),
    N_("Delete to line end"),
    N_("Delete line"),
    N_("Cut"),
    N_("Cut selected text"),
    N_("Copy"),
    N_("Paste"),
    N_("Paste text from the clipboard"),
    N_("Undo"),
    N_("Redo"),
    # the command palette's own keys
    N_("Exit the command palette"),
    N_("Next command"),
    N_("Previous command"),
    N_("Next page"),
    N_("Previous page"),
    N_("Go to top"),
    N_("Go to bottom"),
)

# Keys spelled for people (the keyboard's own words stay: Ctrl, Shift, Enter, Tab, Esc).
KEY_NAMES = {
    "pageup": "PgUp",
    "pagedown": "PgDn",
    "escape": "Esc",
    "slash": "/",
    "up": "↑",
    "down": "↓",
    "left": "←",
    "right": "→",
}
# Keys whose name is a word of the UI language.
KEY_WORDS = {"space": N_("Space")}


def key_label(key: str) -> str:
    """Spell a Textual key for people: "ctrl+q" -> "Ctrl+Q", "f1" -> "F1"."""
    return "+".join(_key_part(part) for part in key.split("+"))


def _key_part(part: str) -> str:
    """One part of a key combination, spelled for people."""
    if part in KEY_NAMES:
        return KEY_NAMES[part]
    if part in KEY_WORDS:
        return _(KEY_WORDS[part])
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
        # Textual's widgets describe their keys in English: shown in the UI language.
        description = _(binding.description)
        if not widgets and node is not screen and node is not screen.app:
            continue
        actions = by_node.setdefault(node, {})
        # Keys with the same description (Enter and Space on the tree) share one line.
        found = actions.get(description)
        if found:
            actions[description] = replace(found, keys=(*found.keys, key))
        else:
            actions[description] = KeyAction((key,), description, binding.action, node)
    # The binding chain runs from the focused widget out to the app; people read the
    # app-wide keys first, each node's keys in the order they were declared.
    return [action for actions in reversed(by_node.values()) for action in actions.values()]
