"""The one error speech/ raises for bad input or a missing recogniser: a code for programs, a Vietnamese
message for people."""

from __future__ import annotations

MESSAGES = {
    "empty": "Không nhận được âm thanh. Vui lòng ghi âm lại câu hỏi.",
    "silent": "Bản ghi âm không có tiếng nói (im lặng hoặc quá nhỏ). Vui lòng nói to, rõ hơn và thử lại.",
    "corrupt": "Không đọc được tệp âm thanh (tệp hỏng hoặc không phải âm thanh). Vui lòng ghi âm và gửi lại.",
    "too_large": "Tệp âm thanh quá lớn. Vui lòng gửi đoạn ghi âm ngắn hơn.",
    "unavailable": "Chức năng nhận dạng giọng nói hiện chưa sẵn sàng. Bạn vẫn có thể nhập câu hỏi bằng chữ.",
    "busy": "Hệ thống nhận dạng giọng nói đang bận. Vui lòng thử lại sau giây lát hoặc nhập câu hỏi bằng chữ.",
}


class SpeechError(Exception):
    """code: "empty" | "silent" | "corrupt" | "too_large" | "unavailable" | "busy"; message: what to show the
    user (Vietnamese); detail: what went wrong, for the log (never shown to users)."""

    def __init__(self, code: str, message: str | None = None, detail: str = ""):
        if code not in MESSAGES:
            raise ValueError(f"unknown SpeechError code {code!r}")
        self.code = code
        self.message = message or MESSAGES[code]
        self.detail = detail
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"SpeechError({self.code!r}, {self.message!r}, detail={self.detail!r})"
