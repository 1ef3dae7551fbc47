"""Aruba controller `stm` syslog: 501100 Assoc success; 501080/501098/501102/501105/501106/501114
end it."""

import re

NAME = "aruba_stm"
_STM = re.compile(r"stm\[\d+\]:\s*<5\d{5}>")


def sniff(lines: list[str]) -> bool:
    """True when a first line is an Aruba stm message."""
    return any(_STM.search(line) for line in lines)
