"""Hash-linked, Merkle-tree, signed, crash-safe inspection ledger."""
