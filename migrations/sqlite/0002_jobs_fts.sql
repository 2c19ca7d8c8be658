-- Full-text search over jobs: an external-content FTS5 table (porter stemming, so "developer"
-- finds "developers"), kept in sync with `jobs` by triggers. Ranked with bm25().
CREATE VIRTUAL TABLE `jobs_fts` USING fts5(
  title, company, description,
  content='jobs', content_rowid='id',
  tokenize='porter unicode61 remove_diacritics 2'
);
--> statement-breakpoint
CREATE TRIGGER `jobs_fts_after_insert` AFTER INSERT ON `jobs` BEGIN
  INSERT INTO jobs_fts(rowid, title, company, description) VALUES (new.id, new.title, new.company, new.description);
END;
--> statement-breakpoint
CREATE TRIGGER `jobs_fts_after_delete` AFTER DELETE ON `jobs` BEGIN
  INSERT INTO jobs_fts(jobs_fts, rowid, title, company, description) VALUES ('delete', old.id, old.title, old.company, old.description);
END;
--> statement-breakpoint
CREATE TRIGGER `jobs_fts_after_update` AFTER UPDATE OF title, company, description ON `jobs` BEGIN
  INSERT INTO jobs_fts(jobs_fts, rowid, title, company, description) VALUES ('delete', old.id, old.title, old.company, old.description);
  INSERT INTO jobs_fts(rowid, title, company, description) VALUES (new.id, new.title, new.company, new.description);
END;
