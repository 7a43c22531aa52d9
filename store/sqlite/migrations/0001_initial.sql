-- Times are Unix nanoseconds in UTC (INTEGER), so that ordering and
-- equality are exact; -9223372036854775808 means unset. JSON is TEXT.

CREATE TABLE models (
	name       TEXT PRIMARY KEY,
	config     BLOB,
	profile    BLOB,
	created_ns INTEGER NOT NULL,
	updated_ns INTEGER NOT NULL
) STRICT;

CREATE TABLE windows (
	model     TEXT NOT NULL,
	kind      TEXT NOT NULL,
	end_ns    INTEGER NOT NULL,
	last_seq  INTEGER NOT NULL,
	start_ns  INTEGER NOT NULL,
	first_seq INTEGER NOT NULL,
	events    INTEGER NOT NULL,
	late      INTEGER NOT NULL,
	drift     INTEGER NOT NULL,
	report    TEXT,
	PRIMARY KEY (model, kind, end_ns, last_seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX windows_by_model_end ON windows (model, end_ns DESC, last_seq DESC);
CREATE INDEX windows_by_end ON windows (end_ns);

CREATE TABLE findings (
	model    TEXT NOT NULL,
	kind     TEXT NOT NULL,
	subject  TEXT NOT NULL,
	time_ns  INTEGER NOT NULL,
	severity INTEGER NOT NULL,
	score    REAL, -- NULL for NaN, which SQLite cannot store
	evidence TEXT,
	PRIMARY KEY (model, kind, subject, time_ns)
) STRICT, WITHOUT ROWID;
CREATE INDEX findings_by_model_time ON findings (model, time_ns DESC);
CREATE INDEX findings_by_time ON findings (time_ns);

CREATE TABLE alerts (
	id            TEXT PRIMARY KEY,
	fingerprint   TEXT NOT NULL,
	time_ns       INTEGER NOT NULL,
	type          TEXT NOT NULL,
	severity      INTEGER NOT NULL,
	model         TEXT NOT NULL,
	subject       TEXT NOT NULL,
	source        TEXT NOT NULL,
	summary       TEXT NOT NULL,
	details       TEXT,
	state         TEXT NOT NULL CHECK (state IN ('firing', 'acknowledged')),
	acked_by      TEXT NOT NULL,
	acked_ns      INTEGER NOT NULL,
	first_seen_ns INTEGER NOT NULL,
	count         INTEGER NOT NULL
) STRICT;
CREATE INDEX alerts_by_fingerprint_time ON alerts (fingerprint, time_ns DESC);
CREATE INDEX alerts_by_time ON alerts (time_ns DESC);
CREATE INDEX alerts_by_model_time ON alerts (model, time_ns DESC);

CREATE TABLE silences (
	id         TEXT PRIMARY KEY,
	matchers   TEXT NOT NULL,
	starts_ns  INTEGER NOT NULL,
	ends_ns    INTEGER NOT NULL,
	created_by TEXT NOT NULL,
	comment    TEXT NOT NULL
) STRICT;
CREATE INDEX silences_by_end ON silences (ends_ns);

CREATE TABLE deliveries (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	receiver   TEXT NOT NULL,
	alert_id   TEXT NOT NULL REFERENCES alerts (id),
	payload    BLOB,
	attempts   INTEGER NOT NULL,
	next_ns    INTEGER NOT NULL,
	last_error TEXT NOT NULL,
	status     TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'dead')),
	UNIQUE (receiver, alert_id)
) STRICT;
CREATE INDEX deliveries_due ON deliveries (next_ns, id) WHERE status = 'pending';
CREATE INDEX deliveries_by_alert ON deliveries (alert_id);

CREATE TABLE checkpoint (
	id       INTEGER PRIMARY KEY CHECK (id = 1),
	position BLOB,
	state    BLOB,
	at_ns    INTEGER NOT NULL
) STRICT;
