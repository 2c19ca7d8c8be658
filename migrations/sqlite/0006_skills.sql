CREATE TABLE `job_skills` (
	`job_id` integer NOT NULL,
	`skill_id` text NOT NULL,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`weight` real NOT NULL,
	PRIMARY KEY(`job_id`, `skill_id`),
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `job_skills_skill_idx` ON `job_skills` (`skill_id`);--> statement-breakpoint
CREATE TABLE `resume_skills` (
	`resume_id` text NOT NULL,
	`skill_id` text NOT NULL,
	`name` text NOT NULL,
	`type` text NOT NULL,
	`score` real NOT NULL,
	`method` text NOT NULL,
	`evidence` text NOT NULL,
	PRIMARY KEY(`resume_id`, `skill_id`),
	FOREIGN KEY (`resume_id`) REFERENCES `resumes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `jobs` ADD `skills_status` text DEFAULT 'pending' NOT NULL;--> statement-breakpoint
CREATE INDEX `jobs_skills_status_idx` ON `jobs` (`skills_status`,`id`);--> statement-breakpoint
ALTER TABLE `resumes` ADD `skills_status` text DEFAULT 'pending' NOT NULL;