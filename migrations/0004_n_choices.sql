-- Edited after drizzle-kit generate: the copy selects 0 for the new choice
-- column (the old table has none), and the PRAGMA foreign_keys lines are
-- dropped (no table has foreign keys; D1 does not take that pragma in a batch).
CREATE TABLE `__new_feedback` (
	`tenant_id` text NOT NULL,
	`request_id` text NOT NULL,
	`user_key` text NOT NULL,
	`choice` integer DEFAULT 0 NOT NULL,
	`rating` integer NOT NULL,
	`score` real,
	`comment` text,
	`correction` text,
	`tags` text NOT NULL,
	`source` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `request_id`, `user_key`, `choice`)
);
--> statement-breakpoint
INSERT INTO `__new_feedback`("tenant_id", "request_id", "user_key", "choice", "rating", "score", "comment", "correction", "tags", "source", "created_at", "updated_at") SELECT "tenant_id", "request_id", "user_key", 0, "rating", "score", "comment", "correction", "tags", "source", "created_at", "updated_at" FROM `feedback`;--> statement-breakpoint
DROP TABLE `feedback`;--> statement-breakpoint
ALTER TABLE `__new_feedback` RENAME TO `feedback`;--> statement-breakpoint
CREATE INDEX `feedback_tenant_updated` ON `feedback` (`tenant_id`,`updated_at`);--> statement-breakpoint
ALTER TABLE `interactions` ADD `response_choices` text;