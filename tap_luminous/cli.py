"""Console entry point: the SDK's CLI, with failures reported as one line and exit code 1."""

from __future__ import annotations

import logging
import os
import sys

from singer_sdk.exceptions import FatalAPIError, RetriableAPIError

from tap_luminous.errors import LuminousError
from tap_luminous.output import BufferedSingerWriter
from tap_luminous.tap import TapLuminous


def _redact(text: str) -> str:
    token = os.environ.get("TAP_LUMINOUS_API_TOKEN")
    if token and len(token) >= 4:
        text = text.replace(token, "***")
    return text


def main() -> None:
    """Run the tap; expected failures print one line and exit 1, never a traceback wall."""
    logger = logging.getLogger(TapLuminous.name)
    try:
        try:
            TapLuminous.cli()
        finally:
            BufferedSingerWriter.flush_all()
    except (LuminousError, FatalAPIError, RetriableAPIError) as exc:
        logger.error(_redact(str(exc).splitlines()[0] if str(exc) else type(exc).__name__))
        sys.exit(1)
    except Exception as exc:
        if os.environ.get("TAP_LUMINOUS_TRACEBACK"):
            raise
        line = str(exc).splitlines()[0] if str(exc) else ""
        print(
            f"tap-luminous: unexpected error: {type(exc).__name__}: {_redact(line)} "
            "(set TAP_LUMINOUS_TRACEBACK=1 for the traceback)",
            file=sys.stderr,
        )
        sys.exit(1)
