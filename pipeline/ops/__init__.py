"""Operations: the stages of a night, the night as a whole, integrity repair, recovery, retention."""
