"""`python -m engine.assetgen.sf2 OUT.sf2`: regenerate Pianola's SoundFont (runs as a script)."""

from __future__ import annotations

import argparse
import sys

from engine.assetgen.sf2 import write_soundfont


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m engine.assetgen.sf2", description="Write Pianola's generated SoundFont."
    )
    parser.add_argument("output", help="where to write the .sf2 (e.g. assets/pianola.sf2)")
    args = parser.parse_args(argv)
    size = write_soundfont(args.output)
    print(f"wrote {args.output} ({size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
