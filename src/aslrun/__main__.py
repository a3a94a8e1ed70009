"""``python -m aslrun``: the command line, as the ``aslrun`` script runs it."""

from .cli import main

main()
