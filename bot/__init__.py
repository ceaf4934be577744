"""The Telegram bot: a thin adapter between Telegram (python-telegram-bot, polling or webhook) and the Rasa
server's REST channel, with voice notes recognised by `speech/`. Run it with `python -m bot`."""
