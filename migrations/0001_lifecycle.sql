CREATE TABLE `idempotency_keys` (
	`account_id` text NOT NULL,
	`key` text NOT NULL,
	`fingerprint` text NOT NULL,
	`reservation_id` text NOT NULL,
	`state` text NOT NULL,
	`lease_expires_at` text NOT NULL,
	`response_status` integer,
	`response_headers` text,
	`response_body` text,
	`created_at` text NOT NULL,
	`expires_at` text NOT NULL,
	PRIMARY KEY(`account_id`, `key`),
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `idempotency_keys_expires_idx` ON `idempotency_keys` (`expires_at`);--> statement-breakpoint
CREATE INDEX `oauth_apps_account_provider_created_id_idx` ON `oauth_apps` (`account_id`,`provider`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `oauth_apps_account_health_created_id_idx` ON `oauth_apps` (`account_id`,`health_status`,`created_at`,`id`);