CREATE TABLE `rollout_events` (
	`tenant_id` text NOT NULL,
	`rollout_id` text NOT NULL,
	`seq` integer NOT NULL,
	`at` integer NOT NULL,
	`action` text NOT NULL,
	`from_share` real,
	`to_share` real,
	`reason` text NOT NULL,
	`stats` text,
	`actor` text NOT NULL,
	`manifest_version` integer,
	PRIMARY KEY(`tenant_id`, `rollout_id`, `seq`)
);
--> statement-breakpoint
CREATE TABLE `rollouts` (
	`tenant_id` text NOT NULL,
	`id` text NOT NULL,
	`task` text NOT NULL,
	`rule` text NOT NULL,
	`baseline` text NOT NULL,
	`candidate` text NOT NULL,
	`state` text NOT NULL,
	`step` integer NOT NULL,
	`share` real NOT NULL,
	`config` text NOT NULL,
	`state_reason` text,
	`step_started_at` integer NOT NULL,
	`step_snapshot` text,
	`last_decision` text,
	`last_evaluated_at` integer,
	`task_rules` text NOT NULL,
	`manifest_version` integer NOT NULL,
	`version` integer DEFAULT 0 NOT NULL,
	`write_token` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`ended_at` integer,
	PRIMARY KEY(`tenant_id`, `id`)
);
--> statement-breakpoint
CREATE INDEX `rollouts_tenant_created` ON `rollouts` (`tenant_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `rollouts_state` ON `rollouts` (`state`);--> statement-breakpoint
CREATE UNIQUE INDEX `rollouts_one_active_per_task` ON `rollouts` (`tenant_id`,`task`) WHERE state IN ('running', 'paused');--> statement-breakpoint
ALTER TABLE `manifests` ADD `reason` text;