"""`python -m bot` is the same as the `kim-intake` command."""

from bot.cli.main import main

raise SystemExit(main())
