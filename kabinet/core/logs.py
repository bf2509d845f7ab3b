import logging
import time


class UTCFormatter(logging.Formatter):
    """Log times in UTC with an explicit `Z`, whatever the server's zone (SECURITY.md 33)."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        return f"{stamp}.{int(record.msecs):03d}Z"
