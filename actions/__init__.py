"""Rasa custom actions: thin adapters from the dialogue to `knowledge/` (served by rasa_sdk, see __main__)."""
