CREATE TABLE `erasures` (
	`tenant_id` text NOT NULL,
	`kind` text NOT NULL,
	`subject` text NOT NULL,
	`erased_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `kind`, `subject`)
);
