"""``python -m tillvaxt_geo``: the same command line as ``tillvaxt-geo``."""

from tillvaxt_geo.cli.main import main

if __name__ == "__main__":
    main()
