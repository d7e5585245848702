ALTER TABLE `interactions` ADD `upstream_id` text;--> statement-breakpoint
CREATE INDEX `interactions_tenant_upstream_id` ON `interactions` (`tenant_id`,`upstream_id`);