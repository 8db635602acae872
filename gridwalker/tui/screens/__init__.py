"""The screens of the app, each with its styles next to it."""
