"""`python -m bench`: the one-table benchmark run (bench/report.py; `--help` for its options)."""

from bench.report import main

main()
