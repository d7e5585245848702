PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_interactions` (
	`request_id` text NOT NULL,
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
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `request_id`)
);
--> statement-breakpoint
INSERT INTO `__new_interactions`("request_id", "tenant_id", "task", "adapter", "adapter_version", "route", "tone", "audience", "user", "status", "error", "http_status", "stream", "client_messages", "upstream_messages", "params", "tools", "metadata", "response_text", "response_tool_calls", "finish_reason", "prompt_tokens", "completion_tokens", "usage_estimated", "attempts", "latency_ms", "ttft_ms", "created_at") SELECT "request_id", "tenant_id", "task", "adapter", "adapter_version", "route", "tone", "audience", "user", "status", "error", "http_status", "stream", "client_messages", "upstream_messages", "params", "tools", "metadata", "response_text", "response_tool_calls", "finish_reason", "prompt_tokens", "completion_tokens", "usage_estimated", "attempts", "latency_ms", "ttft_ms", "created_at" FROM `interactions`;--> statement-breakpoint
DROP TABLE `interactions`;--> statement-breakpoint
ALTER TABLE `__new_interactions` RENAME TO `interactions`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE INDEX `interactions_tenant_time` ON `interactions` (`tenant_id`,`created_at`,`request_id`);--> statement-breakpoint
CREATE INDEX `interactions_tenant_task_time` ON `interactions` (`tenant_id`,`task`,`created_at`);