"""Masking of MAC addresses in any text that may leave memory (errors, logs, quarantine).

The same rules as the SQL macro mask_macs (sql/macros.sql), for text produced in Python.
"""

from __future__ import annotations

import re

_RULES = [
    (re.compile(r"(mac=['\"]?)[^'\"\s]*", re.I), r"\1masked"),
    (re.compile(r"[0-9A-Fa-f]{2}([:\-][0-9A-Fa-f]{2}){3,}"), "xx:xx:xx:xx:xx:xx"),
    (re.compile(r"[0-9A-Fa-f]{4}(\.[0-9A-Fa-f]{4}){1,2}"), "xxxx.xxxx.xxxx"),
    (re.compile(r"[0-9A-Fa-f]{12,}"), "xxxxxxxxxxxx"),
]


def mask_macs(text: str) -> str:
    """The text with every full or partial MAC address masked."""
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    return text
