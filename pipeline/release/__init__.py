"""The quarterly release: tables, suppression, DP noise and its budget, revisions, package, docs, ledger."""
