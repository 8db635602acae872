"""Sync bundles: write, read, verify, keys, export, hub import."""
