"""Bring stored records up to the current config fingerprint.

A record's ``fingerprint`` names the configuration that produced it; the store refuses to
mix records of different fingerprints in one folder, and ``graphlab report`` never averages
them. When the *definition* of the fingerprint changes (not the configuration), the
records of an unchanged configuration must follow, or every finished seed would look like
another configuration's. This rewrites the ``fingerprint`` field of every
``seed_<k>.json`` below a folder from the record's own ``config``, changing nothing else
in the file (the line is replaced in place, atomically)::

    python -m graphlab.runner.migrate records            # rewrite
    python -m graphlab.runner.migrate records --check    # list what would change; exit 1 if any

Running it twice changes nothing the second time.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Optional, Sequence

from graphlab.runner.config import FULL, config_from_dict
from graphlab.runner.schema import ConfigError
from graphlab.runner.store import atomic_write_text


def current_fingerprint(record: dict, source: str) -> str:
    """The fingerprint the current code gives the record's stored config."""
    return config_from_dict(record["config"], source, FULL).fingerprint()


def migrate(folder: str | Path, check: bool = False) -> list[tuple[Path, str, str]]:
    """Rewrite (or with ``check`` only list) every record below ``folder`` whose stored
    fingerprint differs from :func:`current_fingerprint`; returns ``(file, old, new)`` per
    such record.

    Raises:
        ConfigError: naming the file, for a record whose config no longer loads.
        ValueError: naming the file, for a record that is not valid JSON.
    """
    changed = []
    for path in sorted(Path(folder).rglob("seed_*.json")):
        text = path.read_text()
        try:
            record = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not a JSON record ({exc})") from None
        old = record["fingerprint"]
        try:
            new = current_fingerprint(record, str(path))
        except ConfigError as exc:
            raise ConfigError(f"{path}: its stored config no longer loads: {exc}") from None
        if new == old:
            continue
        changed.append((path, old, new))
        if check:
            continue
        field = f'"fingerprint": "{old}"'
        if text.count(field) != 1:
            raise ValueError(f"{path}: expected one {field} line")
        updated = text.replace(field, f'"fingerprint": "{new}"')
        assert json.loads(updated) == {**record, "fingerprint": new}
        atomic_write_text(path, updated)
    return changed


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m graphlab.runner.migrate",
                                     description=__doc__.split("\n")[0])
    parser.add_argument("folders", nargs="+", help="folders holding records (e.g. records)")
    parser.add_argument("--check", action="store_true",
                        help="only list the records whose fingerprint is out of date")
    args = parser.parse_args(argv)
    total = 0
    for folder in args.folders:
        changed = migrate(folder, check=args.check)
        for path, old, new in changed:
            print(f"{path}: {old} -> {new}")
        total += len(changed)
    verb = "out of date" if args.check else "rewritten"
    print(f"{total} record(s) {verb}", file=sys.stderr)
    return 1 if args.check and total else 0


if __name__ == "__main__":
    sys.exit(main())
