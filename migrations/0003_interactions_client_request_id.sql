ALTER TABLE `interactions` ADD `client_request_id` text;--> statement-breakpoint
CREATE INDEX `interactions_tenant_client_request` ON `interactions` (`tenant_id`,`client_request_id`);