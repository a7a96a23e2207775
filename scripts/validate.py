#!/usr/bin/env python3
"""Recognition on the own-renderer, cross-renderer and real sets side by side: `edge_tools.validate`.

The same command as `python -m edge_tools.validate` (the installed tooling package; `--help` lists
every option).

Example:
  python scripts/validate.py --sets cross real --config config/example.yaml config/second-opinion.yaml
"""

from edge_tools.validate import main

if __name__ == "__main__":
    main()
