DROP INDEX `jobs_active_newest_idx`;--> statement-breakpoint
DROP INDEX `jobs_active_type_newest_idx`;--> statement-breakpoint
CREATE INDEX `jobs_active_newest_idx` ON `jobs` (`is_active`,`created_at`,`id`,`location`,`company`);--> statement-breakpoint
CREATE INDEX `jobs_active_type_newest_idx` ON `jobs` (`is_active`,`job_type`,`created_at`,`id`,`location`,`company`);