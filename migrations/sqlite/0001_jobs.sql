CREATE TABLE `jobs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`title` text NOT NULL,
	`company` text NOT NULL,
	`location` text NOT NULL,
	`job_type` text NOT NULL,
	`description` text NOT NULL,
	`is_active` integer DEFAULT true NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`source` text,
	`external_id` text,
	`url` text,
	`salary_min` integer,
	`salary_max` integer,
	`currency` text,
	`remote` integer DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `jobs_source_external_id_unique` ON `jobs` (`source`,`external_id`);--> statement-breakpoint
CREATE INDEX `jobs_active_newest_idx` ON `jobs` (`is_active`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `jobs_active_type_newest_idx` ON `jobs` (`is_active`,`job_type`,`created_at`,`id`);