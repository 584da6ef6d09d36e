"""`python -m aeviz`: the app with no arguments, the command line (`train`, `recommend`) otherwise."""
import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
