"""``python -m chargeback``: the same command line as ``chargeback``."""

from chargeback.frontends.cli import main

main()
