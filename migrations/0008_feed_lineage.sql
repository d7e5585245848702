CREATE TABLE `feed_erasures` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`feed_name` text NOT NULL,
	`example_id` text NOT NULL,
	`erased_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `feed_erasures_example` ON `feed_erasures` (`tenant_id`,`feed_name`,`example_id`);--> statement-breakpoint
CREATE INDEX `feed_erasures_cursor` ON `feed_erasures` (`tenant_id`,`feed_name`,`seq`);--> statement-breakpoint
CREATE TABLE `feed_example_refs` (
	`tenant_id` text NOT NULL,
	`ref` text NOT NULL,
	`feed_name` text NOT NULL,
	`example_id` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `ref`, `feed_name`, `example_id`)
);
--> statement-breakpoint
CREATE INDEX `feed_example_refs_example` ON `feed_example_refs` (`tenant_id`,`example_id`);--> statement-breakpoint
CREATE TABLE `feed_examples` (
	`tenant_id` text NOT NULL,
	`feed_name` text NOT NULL,
	`run_up_to` integer NOT NULL,
	`line` integer NOT NULL,
	`example_id` text NOT NULL,
	`lineage` text NOT NULL,
	PRIMARY KEY(`tenant_id`, `feed_name`, `run_up_to`, `line`)
);
--> statement-breakpoint
CREATE INDEX `feed_examples_example` ON `feed_examples` (`tenant_id`,`example_id`);