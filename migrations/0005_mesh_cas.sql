CREATE TABLE `mesh_cas` (
	`id` text PRIMARY KEY NOT NULL,
	`mesh` text NOT NULL,
	`cert_pem` text NOT NULL,
	`key_sealed` text NOT NULL,
	`origin` text NOT NULL,
	`created_at` text NOT NULL,
	`not_after` text NOT NULL,
	`sign_from` text NOT NULL,
	`retire_at` text
);
--> statement-breakpoint
CREATE INDEX `mesh_cas_mesh` ON `mesh_cas` (`mesh`);