CREATE TABLE `api_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`subject` text NOT NULL,
	`role` text NOT NULL,
	`meshes` text NOT NULL,
	`sources` text,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`revoked_at` text
);
--> statement-breakpoint
ALTER TABLE `journal` ADD `principal` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `journal` ADD `source` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `resources` ADD `source` text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE INDEX `resources_source` ON `resources` (`source`);