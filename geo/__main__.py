"""``python -m geo`` is the same as the ``zonas`` console script."""

from geo.cli import main

raise SystemExit(main())
