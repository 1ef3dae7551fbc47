"""Masking of MAC addresses in any text that must be shown to an operator (errors, logs).

One rule, shared with the parsers' MAC reader: the parsers read a MAC as 12 hex digits once the
separators MAC_SEPARATORS are removed (sql/lake/macros.sql mac_digits), so any run of hex digit pairs
with any of those separators between them is masked here: `80:d6:05:a1:b2:c3`,
`80-D6-05-A1-B2-C3`, `80d6.05a1.b2c3`, `80d605-a1b2c3`, `80d6-05a1-b2c3`, `80d6:05a1:b2c3`,
`80 d6 05 a1 b2 c3`, `80d605a1b2c3`. Partial MACs count too (4 or more octets: a truncated line
still names a device; 3 would mask every hh:mm:ss), and so does any `mac=` field value. The SQL
macro mask_macs applies the same pattern (MAC_RUN) to text masked inside DuckDB.
"""

from __future__ import annotations

import re

MAC_SEPARATORS = ":-. "
# 8 or more hex digits not preceded by a letter or digit (an underscore before them counts as a
# boundary: `client_3c22fbe600d3.log`), with any of the separators between them: every text
# mac_digits turns into a MAC, whole or cut to 4 octets. Safe rather than pretty: dates like
# 2024-04-01 are masked too, and so is a word of hex letters right after a MAC ("... c3 added").
# The character before the run is kept (group 1): RE2, DuckDB's engine, has no look-behind.
MAC_RUN = r"(^|[^0-9A-Za-z])[0-9A-Fa-f](?:[:\-. ]*[0-9A-Fa-f]){7,}"
_FIELD = re.compile(r"(mac=['\"]?)[^'\"\s]*", re.I)
_RUN = re.compile(MAC_RUN)
MASK = "xx:xx:xx:xx:xx:xx"


def mask_macs(text: str) -> str:
    """The text with every full or partial MAC address masked, in any spelling the parsers read."""
    return _RUN.sub(r"\g<1>" + MASK, _FIELD.sub(r"\1masked", text))


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def safe_name(name: str) -> str:
    """A delivered file's name as the catalog and messages may show it: MACs and e-mail addresses
    masked (controllers name files after a device or a user; the raw file keeps its name in
    landing/, where identifiers may be)."""
    return mask_macs(_EMAIL.sub("masked@masked", name))


def canonical(text: str) -> str | None:
    """The 12 lower-case hex digits of a MAC in any spelling the parsers read, or None."""
    digits = re.sub("[" + re.escape(MAC_SEPARATORS) + "]", "", text).lower()
    return digits if re.fullmatch(r"[0-9a-f]{12}", digits) else None
