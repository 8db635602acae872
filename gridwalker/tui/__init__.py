"""The Textual interface: app, screens, widgets and styles."""
