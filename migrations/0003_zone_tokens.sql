CREATE TABLE `zone_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`zone` text NOT NULL,
	`token_hash` text NOT NULL,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	`revoked_at` text
);
--> statement-breakpoint
CREATE INDEX `zone_tokens_zone` ON `zone_tokens` (`zone`);