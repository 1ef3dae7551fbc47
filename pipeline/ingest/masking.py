"""Masking of identifiers in any text that leaves memory: messages, file names, labels, quarantine.

MACs (`mask_macs`, and the SQL macro mask_macs with the same pattern MAC_RUN): the shapes a MAC is
written in, `80:d6:05:a1:b2:c3`, `80-D6-05-A1-B2-C3`, `80 d6 05 a1 b2 c3`, `80d6.05a1.b2c3`,
`80d6-05a1-b2c3`, `80d6:05a1:b2c4`, `80d605-a1b2c3`, `80d605a1b2c3`; a MAC cut to 4 octets or
more (`80:d6:05:a1`: a truncated line still names a device; 3 would mask every hh:mm:ss); any
other spelling the parsers read as a MAC (sql/lake/macros.sql mac_digits: 12 hex digits with any
of MAC_SEPARATORS between them) where its 12 digits are not followed by more; and any `mac=` value.
Dates and 8-digit numbers are no MAC and stay: `site-20261126.log`, `2024-04-01`, `10:00:00`
(the old rule took any 8 hex digits for a cut MAC and masked every date). What the rule leaves:
a date and a 4-digit time joined by `-` (`20261126-0400`) has 12 digits and is masked.

Labels (`safe_label`: the program / event type of an ignored line, a quarantined record's program)
and AP names (`safe_ap_name`: an unknown AP's name in the quarantine) are allow-listed by shape:
a value that does not look like a program word or an AP name is never kept (docs/privacy.md §2).
"""

from __future__ import annotations

import re
from collections.abc import Callable

MAC_SEPARATORS = ":-. "
_H = "[0-9A-Fa-f]"
# The shapes a MAC is written in, cut ones too; each must end where a word ends (or at a letter
# past f, or `_`, kept in group 2): 13 hex digits are no MAC. Octets run on as far as they go (a
# time or a second MAC written before or after a MAC is masked with it, never half of it).
_SHAPES = "|".join(
    [
        f"{_H}{{2}}(?:[:-]{_H}{{2}}){{3,}}",  # 80:d6:05:a1:b2:c3, 80-D6-.., cut: 80:d6:05:a1
        f"{_H}{{2}}(?:\\.{_H}{{2}}){{5,}}",  # 80.d6.05.a1.b2.c3
        f"{_H}{{2}}(?: {_H}{{2}}){{5,}}",  # 80 d6 05 a1 b2 c3
        f"{_H}{{4}}(?:[:.-]{_H}{{4}}){{2,}}",  # 80d6.05a1.b2c3 (Cisco), 80d6-05a1-b2c3
        f"{_H}{{6}}[:.-]{_H}{{6}}",  # 80d605-a1b2c3
        f"{_H}{{12}}",  # 80d605a1b2c3
    ]
)
# Any other spelling mac_digits reads (separators anywhere): 12 digits not followed by another
# one, even after separators (group 3 keeps what follows). 8 digits (a date) or 14 (a date and a
# time, `20261126-235959`) are left alone.
_ODD = f"{_H}(?:[:. -]*{_H}){{11}}($|[:. -]*(?:$|[^0-9A-Fa-f:. -]))"
# Group 1 keeps the character before (an underscore counts as a boundary: `client_3c22fbe600d3.log`);
# RE2, DuckDB's engine, has neither look-behind nor look-ahead. sql/lake/macros.sql holds the same.
MAC_RUN = f"(^|[^0-9A-Za-z])(?:(?:{_SHAPES})(\\b|[G-Zg-z_])|{_ODD})"
_FIELD = re.compile(r"(mac=['\"]?)[^'\"\s]*", re.I)
_RUN = re.compile(MAC_RUN, re.ASCII)  # \b as RE2 reads it: ASCII word characters
MASK = "xx:xx:xx:xx:xx:xx"
_REPLACE = r"\g<1>" + MASK + r"\g<2>\g<3>"


def mask_macs(text: str) -> str:
    """The text with every full or partial MAC address masked, in any spelling the parsers read."""
    # twice: a match keeps the character after a MAC, which may be the one before the next MAC;
    # mac= values last (a value cut at a space must not leave the rest of its MAC behind)
    return _FIELD.sub(r"\1masked", _RUN.sub(_REPLACE, _RUN.sub(_REPLACE, text)))


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


def safe_name(name: str) -> str:
    """A delivered file's name as the catalog and messages may show it: MACs and e-mail addresses
    masked (controllers name files after a device or a user; the raw file keeps its name in
    landing/, where identifiers may be)."""
    return mask_macs(_EMAIL.sub("masked@masked", name))


_URL = re.compile(r"\b[A-Za-z][A-Za-z0-9+.-]*://\S+")


def safe_text(text: str) -> str:
    """A message that may quote a raw line (DuckDB's errors do) with its MACs, e-mail addresses
    and URLs masked."""
    return mask_macs(_EMAIL.sub("masked@masked", _URL.sub("masked-url", text)))


def canonical(text: str) -> str | None:
    """The 12 lower-case hex digits of a MAC in any spelling the parsers read, or None."""
    digits = re.sub("[" + re.escape(MAC_SEPARATORS) + "]", "", text).lower()
    return digits if re.fullmatch(r"[0-9a-f]{12}", digits) else None


MASKED = "masked"  # what stands for a value that may identify someone
LABEL_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.%/-]{0,59}")  # a label is 60 characters at most
AP_NAME = re.compile(r"[\w -]{1,64}")  # letters of any script (大分駅), digits, `_`, `-`, space
_HOST = re.compile(r"\.[A-Za-z]")  # example.jp, rc.local: a host name's shape
_IP = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")
_NUMBER = re.compile(r"\d(?:[ -]?\d){6,}")  # 7 digits or more: a phone number, an account


def _identifier(word: str) -> bool:
    """Whether an allowed word still has the shape of an identifier: a host name, an IP address,
    a MAC, a long number."""
    return bool(_HOST.search(word) or _IP.search(word) or _NUMBER.search(word) or mask_macs(word) != word)


def safe_label(label: str) -> str:
    """A label (`program` or `program type`) as it may be stored or printed: each word kept when
    it has a program word's shape (LABEL_WORD, no host name, IP, MAC or long number), else MASKED."""
    words = [
        word if LABEL_WORD.fullmatch(word) and not _identifier(word) else MASKED for word in label.split(" ")
    ]
    return " ".join(words)[:60]


def safe_labels(counts: dict[str, int]) -> dict[str, int]:
    """Counts by label with every label made safe (labels that become alike are added up)."""
    safe: dict[str, int] = {}
    for label, n in counts.items():
        key = safe_label(label)
        safe[key] = safe.get(key, 0) + n
    return dict(sorted(safe.items()))


def safe_ap_name(name: str, digest: Callable[[str], str | None]) -> str:
    """An AP name as the quarantine may keep it: as logged when it has an AP name's shape (AP_NAME,
    no MAC, IP or long number), else MASKED and a keyed digest of it (`masked:3f9a0c21b7`), by
    which an operator can group the records of one name without seeing it."""
    if AP_NAME.fullmatch(name) and name.strip() and not _identifier(name):
        return name
    hashed = digest(name)
    return f"{MASKED}:{hashed}" if hashed else MASKED
