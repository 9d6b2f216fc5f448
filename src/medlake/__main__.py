"""`python -m medlake ...` runs the command line, as the `medlake` script does."""

from .cli import main

main(prog_name="medlake")
