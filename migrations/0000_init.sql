CREATE TABLE `journal` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`mesh` text NOT NULL,
	`name` text NOT NULL,
	`op` text NOT NULL,
	`document` text NOT NULL,
	`at` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `journal_resource` ON `journal` (`kind`,`mesh`,`name`,`seq`);--> statement-breakpoint
CREATE TABLE `resources` (
	`kind` text NOT NULL,
	`mesh` text NOT NULL,
	`name` text NOT NULL,
	`revision` integer NOT NULL,
	`document` text NOT NULL,
	`created_at` text NOT NULL,
	`updated_at` text NOT NULL,
	PRIMARY KEY(`kind`, `mesh`, `name`)
);
--> statement-breakpoint
CREATE INDEX `resources_mesh_kind` ON `resources` (`mesh`,`kind`);--> statement-breakpoint
CREATE TABLE `write_guard` (
	`ok` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `zones_seen` (
	`name` text PRIMARY KEY NOT NULL,
	`last_connect_at` text DEFAULT CURRENT_TIMESTAMP NOT NULL
);
