"""aeviz: watch an autoencoder learn. Usage: python main.py [RATINGS_FILE]"""
import sys

from aeviz.ui.app import main

if __name__ == "__main__":
    sys.exit(main())
