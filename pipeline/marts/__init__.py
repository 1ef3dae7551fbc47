"""The daily aggregates' helpers: the quality report and gate, and the days built on a day's figures."""
