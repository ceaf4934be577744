"""The bad-input corpus: cases as data (cases.yaml), audio and bodies made at test time (generators.py)."""
