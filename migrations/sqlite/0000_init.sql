CREATE TABLE `contact_profiles` (
	`user_id` integer PRIMARY KEY NOT NULL,
	`full_name` text,
	`email` text,
	`phone` text,
	`location` text,
	`headline` text,
	`summary` text,
	`linkedin_url` text,
	`github_url` text,
	`website_url` text,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `user_profiles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `user_profiles` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`auth0_sub` text NOT NULL,
	`email` text,
	`name` text,
	`picture` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `user_profiles_auth0_sub_unique` ON `user_profiles` (`auth0_sub`);