"""`python -m plugin.cli` runs the contactguard command."""

from . import main

main()
