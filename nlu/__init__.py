"""Rasa training data (YAML files here) and the Vietnamese pipeline component Rasa loads from config.yml."""
