ALTER TABLE `accounts` ADD `verification_window` text;--> statement-breakpoint
ALTER TABLE `accounts` ADD `verification_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `oauth_apps` ADD `provider_settings` text DEFAULT '{}' NOT NULL;--> statement-breakpoint
ALTER TABLE `oauth_apps` ADD `verification_status` text;--> statement-breakpoint
ALTER TABLE `oauth_apps` ADD `verification_time` text;--> statement-breakpoint
ALTER TABLE `oauth_apps` ADD `verification_provider_error` text;--> statement-breakpoint
ALTER TABLE `oauth_apps` ADD `verification_reason` text;--> statement-breakpoint
ALTER TABLE `oauth_apps` ADD `verification_started_at` text;