"""The data store: tables, engine, migrations, the write path, queries and search."""
