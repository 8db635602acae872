"""The one test harness: demo data, laptops and hubs, bundles, and the apps under Pilot.

- `demo`: the frozen day, the demo's people, and building a demo street into a file.
- `laptops`: laptop homes (`Laptop`, `Field`) copied from a template street.
- `hubs`: hub homes (`Hub`, `Desk`) and a snapshot of everything a hub knows.
- `bundles`: reading, tampering with and re-signing bundles.
- `apps`: the field app and the review desk under Pilot (make, settle, read the screen).
"""
