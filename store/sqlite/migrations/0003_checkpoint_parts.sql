-- The checkpoint's state in parts (one per stateful detector), each
-- rewritten only when it changes.
CREATE TABLE checkpoint_parts (
	name  TEXT PRIMARY KEY,
	state BLOB NOT NULL
) STRICT;
