CREATE TABLE `version_rollups` (
	`tenant_id` text NOT NULL,
	`task` text NOT NULL,
	`hour` integer NOT NULL,
	`adapter_version` text NOT NULL,
	`audience` text NOT NULL,
	`adapter` text,
	`requests` integer DEFAULT 0 NOT NULL,
	`ok` integer DEFAULT 0 NOT NULL,
	`upstream_errors` integer DEFAULT 0 NOT NULL,
	`timeouts` integer DEFAULT 0 NOT NULL,
	`client_aborted` integer DEFAULT 0 NOT NULL,
	`prompt_tokens` integer DEFAULT 0 NOT NULL,
	`completion_tokens` integer DEFAULT 0 NOT NULL,
	`latency_ms_sum` integer DEFAULT 0 NOT NULL,
	`ttft_ms_sum` integer DEFAULT 0 NOT NULL,
	`ttft_count` integer DEFAULT 0 NOT NULL,
	`rated` integer DEFAULT 0 NOT NULL,
	`positive` integer DEFAULT 0 NOT NULL,
	`negative` integer DEFAULT 0 NOT NULL,
	`scored` integer DEFAULT 0 NOT NULL,
	`score_sum` real DEFAULT 0 NOT NULL,
	`score_sq_sum` real DEFAULT 0 NOT NULL,
	`corrections` integer DEFAULT 0 NOT NULL,
	`latency_hist` text DEFAULT '{}' NOT NULL,
	PRIMARY KEY(`tenant_id`, `task`, `hour`, `adapter_version`, `audience`)
);
--> statement-breakpoint
CREATE INDEX `version_rollups_tenant_hour` ON `version_rollups` (`tenant_id`,`hour`);