CREATE TABLE `pending_object_deletions` (
	`storage_key` text PRIMARY KEY NOT NULL,
	`bucket` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `resume_chunks` (
	`resume_id` text NOT NULL,
	`chunk_index` integer NOT NULL,
	`section` text,
	`content` text NOT NULL,
	PRIMARY KEY(`resume_id`, `chunk_index`),
	FOREIGN KEY (`resume_id`) REFERENCES `resumes`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `resumes` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`filename` text NOT NULL,
	`content_type` text NOT NULL,
	`size_bytes` integer NOT NULL,
	`bucket` text NOT NULL,
	`storage_key` text NOT NULL,
	`text` text NOT NULL,
	`text_length` integer NOT NULL,
	`chunks_created` integer NOT NULL,
	`is_default` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `user_profiles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `resumes_storage_key_unique` ON `resumes` (`storage_key`);--> statement-breakpoint
CREATE INDEX `resumes_user_newest_idx` ON `resumes` (`user_id`,`created_at`);--> statement-breakpoint
CREATE UNIQUE INDEX `resumes_one_default_per_user` ON `resumes` (`user_id`) WHERE "resumes"."is_default" = 1;