"""The places screen: the street's tree of communities, grids and buildings, with details."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Header, Static, Tree
from textual.widgets.tree import NodeID, TreeNode, UnknownNodeID

from gridwalker.domain.i18n import _
from gridwalker.tui.common.footer import KeysFooter
from gridwalker.tui.field.places_tree import (
    CHILD_KIND,
    Place,
    PlaceKind,
    PlacesTree,
    details_text,
    place_labels,
)
from gridwalker.tui.format import error_reason
from gridwalker.tui.keys import N_, translate_bindings

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine

    from gridwalker.store.queries import CommunityRow, StreetRow
    from gridwalker.tui.field.places_tree import PlaceRow


@dataclass(frozen=True, slots=True)
class RootPlaces:
    """What the tree shows first: the streets, and the communities when there is one street."""

    streets: list[StreetRow]
    communities: list[CommunityRow]


def load_root(conn: Connection) -> RootPlaces:
    """Read the streets (and a lone street's communities); runs in a worker thread."""
    from gridwalker.store import queries

    streets = queries.street_overview(conn)
    communities = queries.communities(conn, streets[0].uuid) if len(streets) == 1 else []
    return RootPlaces(streets, communities)


def load_children(conn: Connection, place: Place) -> list[PlaceRow]:
    """Read the rows under a place; runs in a worker thread."""
    from gridwalker.store import queries

    uuid = place.row.uuid
    if place.kind == "street":
        return list(queries.communities(conn, uuid))
    if place.kind == "community":
        return list(queries.grids(conn, uuid))
    if place.kind == "grid":
        return list(queries.buildings(conn, uuid))
    return []


class PlacesScreen(Screen[None]):
    """Street → communities → grids → buildings; children load when a node is opened."""

    CSS_PATH = "places.tcss"
    AUTO_FOCUS = None  # the tree takes focus once it has places; hidden until then
    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "back", N_("Back"))]

    class ChildrenLoaded(Message):
        """A worker read the children of a tree node."""

        def __init__(self, node_id: NodeID, kind: PlaceKind, rows: list[PlaceRow]) -> None:
            """Carry the rows for node `node_id`, all of kind `kind`."""
            super().__init__()
            self.node_id = node_id
            self.kind = kind
            self.rows = rows

    class ChildrenFailed(Message):
        """A worker could not read the children of a tree node."""

        def __init__(self, node_id: NodeID, reason: str) -> None:
            """Carry the reason for node `node_id`."""
            super().__init__()
            self.node_id = node_id
            self.reason = reason

    def __init__(self) -> None:
        """An empty screen that says the database is being opened."""
        super().__init__()
        translate_bindings(self)
        self.engine: Engine | None = None

    def compose(self) -> ComposeResult:
        """Header, a status line, the tree beside the details, Footer."""
        yield Header(show_clock=False)
        yield Static(_("Opening the database…"), id="status")
        with Horizontal(id="body"):
            yield PlacesTree(_("Places"), id="places")
            with VerticalScroll(id="details-pane"):
                yield Static(details_text(None), id="details")
        yield KeysFooter()

    class RootLoaded(Message):
        """A worker read the tree's first level."""

        def __init__(self, engine: Engine, root: RootPlaces) -> None:
            """Carry the engine and what the tree shows first."""
            super().__init__()
            self.engine = engine
            self.root = root

    def on_mount(self) -> None:
        """Name the screen in the header; fill it at once if the database is already open."""
        self.sub_title = _("Places")
        self.add_class("-loading")
        self.query_one("#details-pane").border_title = _("Details")
        if getattr(self.app, "engine", None) is not None:
            self.database_ready()

    def database_ready(self) -> None:
        """The app has opened the database: read the first level of the tree."""
        self._load_root(self.app.engine)  # type: ignore[attr-defined]

    @work(thread=True, exclusive=True, exit_on_error=False, group="places-root")
    def _load_root(self, engine: Engine) -> None:
        """Read the streets (and a lone street's communities) off the UI thread."""
        try:
            with engine.connect() as conn:
                root = load_root(conn)
        except Exception as exc:  # any failure is shown on screen, never a traceback
            self.post_message(self.RootFailed(error_reason(exc)))
        else:
            self.post_message(self.RootLoaded(engine, root))

    class RootFailed(Message):
        """A worker could not read the tree's first level."""

        def __init__(self, reason: str) -> None:
            """Carry what went wrong, in words."""
            super().__init__()
            self.reason = reason

    @on(RootFailed)
    def _root_failed(self, message: RootFailed) -> None:
        """Say what went wrong instead of the tree."""
        self.show_status(message.reason, error=True)

    @on(RootLoaded)
    def _root_loaded(self, message: RootLoaded) -> None:
        """Fill the tree from what the worker read."""
        self.show_root(message.engine, message.root)

    @property
    def tree(self) -> PlacesTree:
        """The places tree."""
        return self.query_one("#places", PlacesTree)

    def show_root(self, engine: Engine, root: RootPlaces) -> None:
        """Fill the tree's first level from what the opening worker read."""
        self.engine = engine
        tree = self.tree
        if not root.streets:
            self.show_status(_("This database holds no streets yet."), error=False)
            return
        if len(root.streets) == 1:
            street = Place("street", root.streets[0], loaded=True)
            tree.reset(place_labels([street])[0], street)
            self._add_children(tree.root, "community", list(root.communities))
        else:
            tree.reset(Text(_("All streets"), style="bold"))
            self._add_children(tree.root, "street", list(root.streets))
        self.remove_class("-loading")
        self.add_class("-ready")
        tree.root.expand()
        tree.focus()
        tree.move_cursor(tree.root)
        self._show_details(tree.root)

    def show_status(self, message: str, *, error: bool) -> None:
        """Replace the body with a message (an error is framed in the theme's error colour)."""
        status = self.query_one("#status", Static)
        status.update(Text(message))
        status.set_class(error, "-error")
        self.remove_class("-loading", "-ready")

    def _add_children(self, node: TreeNode[Place], kind: PlaceKind, rows: list[PlaceRow]) -> None:
        """Put rows under a node, closed; those that have children can be opened."""
        node.remove_children()
        places = [Place(kind, row) for row in rows]
        for place, label in zip(places, place_labels(places), strict=True):
            node.add(label, place, allow_expand=place.kind in CHILD_KIND)
        if not places:
            node.add_leaf(Text(_("Nothing here yet"), style="dim italic"))

    @on(Tree.NodeExpanded, "#places")
    def _expanded(self, event: Tree.NodeExpanded[Place]) -> None:
        """Load a node's children the first time it is opened."""
        place = event.node.data
        if place is None or place.loaded or self.engine is None:
            return
        place.loaded = True
        if place.child_count == 0:  # known from the counts: nothing to read
            self._add_children(event.node, CHILD_KIND[place.kind], [])
            return
        event.node.remove_children()
        event.node.add_leaf(Text(_("Loading…"), style="dim italic"))
        self._load_children(self.engine, event.node.id, place)

    @work(thread=True, exit_on_error=False, group="places")
    def _load_children(self, engine: Engine, node_id: NodeID, place: Place) -> None:
        """Read a node's children off the UI thread and post them back."""
        try:
            with engine.connect() as conn:
                rows = load_children(conn, place)
        except Exception as exc:  # any failure is reported on screen, never a traceback
            self.post_message(self.ChildrenFailed(node_id, error_reason(exc)))
        else:
            self.post_message(self.ChildrenLoaded(node_id, CHILD_KIND[place.kind], rows))

    @on(ChildrenLoaded)
    def _children_loaded(self, message: ChildrenLoaded) -> None:
        """Show the children a worker read."""
        try:
            node = self.tree.get_node_by_id(message.node_id)
        except UnknownNodeID:  # the tree was reset meanwhile
            return
        self._add_children(node, message.kind, message.rows)
        if self.tree.cursor_node is node:
            self._show_details(node)

    @on(ChildrenFailed)
    def _children_failed(self, message: ChildrenFailed) -> None:
        """Say what went wrong, and let the next opening try again."""
        try:
            node = self.tree.get_node_by_id(message.node_id)
        except UnknownNodeID:
            return
        place = cast(Place, node.data)
        place.loaded = False
        node.remove_children()
        node.add_leaf(Text(_("Could not load: {reason}").format(reason=message.reason), "red"))
        self.notify(message.reason, title=_("Could not load"), severity="error")

    @on(Tree.NodeHighlighted, "#places")
    def _highlighted(self, event: Tree.NodeHighlighted[Place]) -> None:
        """Show the details of the place under the cursor."""
        self._show_details(event.node)

    def _show_details(self, node: TreeNode[Place]) -> None:
        """Fill the details panel for a node (a placeholder line has no details)."""
        self.query_one("#details", Static).update(details_text(node.data))

    def action_back(self) -> None:
        """Esc: back to Today."""
        self.app.go_back()  # type: ignore[attr-defined]
