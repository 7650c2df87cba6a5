"""Text from feeds is untrusted: make it harmless before it reaches a terminal."""

import re

# CSI / OSC / other ESC sequences, then any remaining C0/C1 control character except \n and \t.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"          # CSI ... final byte
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC ... BEL or ST
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"    # DCS / SOS / PM / APC strings
    r"|\x1b[@-Z\\-_]?"                    # two-byte escapes (and a lone ESC)
    r"|\x9b[0-?]*[ -/]*[@-~]"            # 8-bit CSI
)
# Every sequence _ESCAPES removes starts with one of these: a text without any is already clean.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def clean(text: str | None, *, single_line: bool = False) -> str:
    """Return `text` without terminal control sequences (and without newlines if asked)."""
    if not text:
        return ""
    text = _ESCAPES.sub("", text)
    text = CONTROL_CHARACTERS.sub("", text)
    if single_line:
        text = " ".join(text.split())
    return text
