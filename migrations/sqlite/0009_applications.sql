CREATE TABLE `application_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`application_id` text NOT NULL,
	`type` text NOT NULL,
	`at` integer NOT NULL,
	`text` text,
	`from_status` text,
	`to_status` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`application_id`) REFERENCES `applications`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `application_events_application_idx` ON `application_events` (`application_id`,`at`,`id`);--> statement-breakpoint
CREATE TABLE `applications` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`job_id` integer,
	`title` text NOT NULL,
	`company` text NOT NULL,
	`url` text,
	`location` text,
	`description` text,
	`search_text` text NOT NULL,
	`resume_id` text,
	`status` text NOT NULL,
	`match_snapshot` text,
	`notes` text,
	`applied_at` integer,
	`next_action_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `user_profiles`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`resume_id`) REFERENCES `resumes`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `applications_user_updated_idx` ON `applications` (`user_id`,`updated_at`,`id`,`search_text`);--> statement-breakpoint
CREATE INDEX `applications_user_status_idx` ON `applications` (`user_id`,`status`,`updated_at`,`id`);--> statement-breakpoint
CREATE INDEX `applications_user_next_action_idx` ON `applications` (`user_id`,`next_action_at`,`id`);--> statement-breakpoint
CREATE INDEX `applications_user_applied_idx` ON `applications` (`user_id`,`applied_at`,`id`);--> statement-breakpoint
CREATE INDEX `applications_user_created_idx` ON `applications` (`user_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `applications_resume_idx` ON `applications` (`resume_id`);