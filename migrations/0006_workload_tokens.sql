CREATE TABLE `workload_token_keys` (
	`kid` text PRIMARY KEY NOT NULL,
	`mesh` text NOT NULL,
	`public_spki` text NOT NULL,
	`key_sealed` text NOT NULL,
	`created_at` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `workload_token_keys_mesh_unique` ON `workload_token_keys` (`mesh`);--> statement-breakpoint
CREATE TABLE `workload_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`mesh` text NOT NULL,
	`service` text NOT NULL,
	`zone` text,
	`token_hash` text NOT NULL,
	`created_at` text NOT NULL,
	`created_by` text NOT NULL,
	`expires_at` text NOT NULL,
	`revoked_at` text
);
--> statement-breakpoint
CREATE INDEX `workload_tokens_mesh` ON `workload_tokens` (`mesh`);