"""`python -m bot`: the command line (`bot.cli`). The health probe (`python -m bot health`, the
container's HEALTHCHECK) is answered before anything else is imported."""

import sys

if __name__ == "__main__":
    if sys.argv[1:2] == ["health"]:
        from bot.probe import main as probe

        sys.exit(probe(sys.argv[2:]))
    from bot.cli import main

    sys.exit(main())
