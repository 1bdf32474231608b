CREATE TABLE `audit_events` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`account_id` text NOT NULL,
	`app_id` text NOT NULL,
	`action` text NOT NULL,
	`details` text DEFAULT '{}' NOT NULL,
	`token_id` text,
	`request_id` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `audit_events_id_unique` ON `audit_events` (`id`);--> statement-breakpoint
CREATE INDEX `audit_events_account_seq_idx` ON `audit_events` (`account_id`,`seq`);--> statement-breakpoint
CREATE INDEX `audit_events_account_app_seq_idx` ON `audit_events` (`account_id`,`app_id`,`seq`);--> statement-breakpoint
CREATE INDEX `audit_events_account_action_seq_idx` ON `audit_events` (`account_id`,`action`,`seq`);--> statement-breakpoint
ALTER TABLE `api_tokens` ADD `last_used_at` text;--> statement-breakpoint
CREATE INDEX `oauth_apps_account_key_created_id_idx` ON `oauth_apps` (`account_id`,`client_secret_key_id`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `oauth_apps_key_health_time_idx` ON `oauth_apps` (`client_secret_key_id`,`health_status`,`health_time`);