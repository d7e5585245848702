CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`key_hash` text NOT NULL,
	`prefix` text NOT NULL,
	`name` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`revoked_at` integer,
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_key_hash_unique` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE INDEX `api_keys_tenant` ON `api_keys` (`tenant_id`);--> statement-breakpoint
CREATE TABLE `export_feeds` (
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`format` text NOT NULL,
	`options` text NOT NULL,
	`watermark` integer DEFAULT 0 NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`tenant_id`, `name`)
);
--> statement-breakpoint
CREATE TABLE `export_jobs` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`status` text NOT NULL,
	`format` text NOT NULL,
	`options` text NOT NULL,
	`rows_done` integer DEFAULT 0 NOT NULL,
	`rows_total` integer,
	`parts` integer DEFAULT 0 NOT NULL,
	`stats` text,
	`error` text,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE INDEX `export_jobs_tenant` ON `export_jobs` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `feedback` (
	`tenant_id` text NOT NULL,
	`request_id` text NOT NULL,
	`user_key` text NOT NULL,
	`rating` integer NOT NULL,
	`score` real,
	`comment` text,
	`correction` text,
	`tags` text NOT NULL,
	`source` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `request_id`, `user_key`)
);
--> statement-breakpoint
CREATE INDEX `feedback_tenant_updated` ON `feedback` (`tenant_id`,`updated_at`);--> statement-breakpoint
CREATE TABLE `interactions` (
	`request_id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`task` text NOT NULL,
	`adapter` text,
	`adapter_version` text,
	`route` text,
	`tone` text,
	`audience` text,
	`user` text,
	`status` text NOT NULL,
	`error` text,
	`http_status` integer,
	`stream` integer NOT NULL,
	`client_messages` text NOT NULL,
	`upstream_messages` text NOT NULL,
	`params` text NOT NULL,
	`tools` text,
	`metadata` text,
	`response_text` text,
	`response_tool_calls` text,
	`finish_reason` text,
	`prompt_tokens` integer,
	`completion_tokens` integer,
	`usage_estimated` integer DEFAULT false NOT NULL,
	`attempts` text,
	`latency_ms` integer NOT NULL,
	`ttft_ms` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `interactions_tenant_time` ON `interactions` (`tenant_id`,`created_at`,`request_id`);--> statement-breakpoint
CREATE INDEX `interactions_tenant_task_time` ON `interactions` (`tenant_id`,`task`,`created_at`);--> statement-breakpoint
CREATE TABLE `manifests` (
	`tenant_id` text NOT NULL,
	`version` integer NOT NULL,
	`body` text NOT NULL,
	`changes` text NOT NULL,
	`applied_by` text NOT NULL,
	`applied_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL,
	PRIMARY KEY(`tenant_id`, `version`),
	FOREIGN KEY (`tenant_id`) REFERENCES `tenants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `registry_state` (
	`id` integer PRIMARY KEY NOT NULL,
	`version` integer NOT NULL,
	`updated_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `tenants` (
	`id` text PRIMARY KEY NOT NULL,
	`display_name` text NOT NULL,
	`created_at` integer DEFAULT (unixepoch('subsec') * 1000) NOT NULL
);
