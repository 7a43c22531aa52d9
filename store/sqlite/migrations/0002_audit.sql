-- Who did what: admin actions and refused requests, kept for their own
-- retention and never changed.
CREATE TABLE audit (
	id      INTEGER PRIMARY KEY AUTOINCREMENT,
	time_ns INTEGER NOT NULL,
	actor   TEXT NOT NULL,
	remote  TEXT NOT NULL,
	action  TEXT NOT NULL,
	target  TEXT NOT NULL,
	detail  TEXT
) STRICT;
CREATE INDEX audit_by_time ON audit (time_ns);
