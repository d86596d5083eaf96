CREATE TABLE `zone_inventory` (
	`zone` text PRIMARY KEY NOT NULL,
	`report_seq` integer NOT NULL,
	`workloads` text NOT NULL,
	`ingress` text,
	`updated_at` text NOT NULL
);
