CREATE TABLE `job_occupations` (
	`job_id` integer NOT NULL,
	`occupation_id` text NOT NULL,
	`title` text NOT NULL,
	`score` real NOT NULL,
	PRIMARY KEY(`job_id`, `occupation_id`),
	FOREIGN KEY (`job_id`) REFERENCES `jobs`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `job_occupations_occupation_idx` ON `job_occupations` (`occupation_id`,`job_id`);--> statement-breakpoint
CREATE TABLE `resume_occupations` (
	`resume_id` text NOT NULL,
	`occupation_id` text NOT NULL,
	`title` text NOT NULL,
	`score` real NOT NULL,
	PRIMARY KEY(`resume_id`, `occupation_id`),
	FOREIGN KEY (`resume_id`) REFERENCES `resumes`(`id`) ON UPDATE no action ON DELETE cascade
);
