"""speech/: Vietnamese speech to text for the portal and the Telegram bot (viet-asr or Vosk, PyAV; nothing of
ours but an optional word list).

    from speech import SpeechService, SpeechSettings, SpeechError, Transcript, StreamSession
"""

from .errors import SpeechError
from .service import SpeechService, StreamSession, Transcript
from .settings import SpeechSettings
from .text import normalize_transcript

__all__ = ["SpeechService", "SpeechSettings", "SpeechError", "Transcript", "StreamSession", "normalize_transcript"]
