-- Substring filters on location and company without scanning the board: an external-content FTS5
-- table with the trigram tokenizer (case-insensitive, Unicode case folding), kept in sync with
-- `jobs` by triggers. A phrase of three or more characters matches as a substring; the store falls
-- back to a scan for one- and two-character filters, which no trigram can serve.
CREATE VIRTUAL TABLE `jobs_trgm` USING fts5(
  location, company,
  content='jobs', content_rowid='id',
  tokenize='trigram'
);
--> statement-breakpoint
INSERT INTO jobs_trgm(jobs_trgm) VALUES ('rebuild');
--> statement-breakpoint
CREATE TRIGGER `jobs_trgm_after_insert` AFTER INSERT ON `jobs` BEGIN
  INSERT INTO jobs_trgm(rowid, location, company) VALUES (new.id, new.location, new.company);
END;
--> statement-breakpoint
CREATE TRIGGER `jobs_trgm_after_delete` AFTER DELETE ON `jobs` BEGIN
  INSERT INTO jobs_trgm(jobs_trgm, rowid, location, company) VALUES ('delete', old.id, old.location, old.company);
END;
--> statement-breakpoint
CREATE TRIGGER `jobs_trgm_after_update` AFTER UPDATE OF location, company ON `jobs` BEGIN
  INSERT INTO jobs_trgm(jobs_trgm, rowid, location, company) VALUES ('delete', old.id, old.location, old.company);
  INSERT INTO jobs_trgm(rowid, location, company) VALUES (new.id, new.location, new.company);
END;
