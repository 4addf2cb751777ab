"""``python -m dashboards``: write every board to ``dashboards/json/<uid>.json``."""

from __future__ import annotations

import sys

from dashboards.boards import BOARDS, JSON_DIR, render


def main() -> None:
    for build in BOARDS:
        data = build()
        path = JSON_DIR / f"{data['uid']}.json"
        path.write_text(render(data), encoding="utf-8")
        sys.stdout.write(f"{path}\n")


if __name__ == "__main__":
    main()
