-- Silences match by regular expression and by inequality too, beside the
-- equality matchers they had: label to pattern, label to value, as JSON.
ALTER TABLE silences ADD COLUMN matchers_regex TEXT NOT NULL DEFAULT '{}';
ALTER TABLE silences ADD COLUMN matchers_not TEXT NOT NULL DEFAULT '{}';
