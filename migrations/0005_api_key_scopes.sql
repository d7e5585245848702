ALTER TABLE `api_keys` ADD `scopes` text DEFAULT '["chat","feedback","read","export","manage"]' NOT NULL;--> statement-breakpoint
ALTER TABLE `api_keys` ADD `expires_at` integer;