CREATE TABLE `audit_event_apps` (
	`account_id` text NOT NULL,
	`app_id` text NOT NULL,
	`event_seq` integer NOT NULL,
	PRIMARY KEY(`account_id`, `app_id`, `event_seq`)
) WITHOUT ROWID;
--> statement-breakpoint
-- audit_events is rebuilt (SQLite cannot drop a NOT NULL): app_id becomes nullable, app_ids is new.
-- No foreign-key pragmas: no table references audit_events, and D1 ignores foreign_keys=OFF.
CREATE TABLE `__new_audit_events` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`account_id` text NOT NULL,
	`app_id` text,
	`app_ids` text DEFAULT '[]' NOT NULL,
	`action` text NOT NULL,
	`details` text DEFAULT '{}' NOT NULL,
	`token_id` text,
	`request_id` text NOT NULL,
	`created_at` text NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_audit_events`("seq", "id", "account_id", "app_id", "app_ids", "action", "details", "token_id", "request_id", "created_at") SELECT "seq", "id", "account_id", "app_id", json_array("app_id"), "action", "details", "token_id", "request_id", "created_at" FROM `audit_events`;--> statement-breakpoint
DROP TABLE `audit_events`;--> statement-breakpoint
ALTER TABLE `__new_audit_events` RENAME TO `audit_events`;--> statement-breakpoint
CREATE UNIQUE INDEX `audit_events_id_unique` ON `audit_events` (`id`);--> statement-breakpoint
CREATE INDEX `audit_events_account_seq_idx` ON `audit_events` (`account_id`,`seq`);--> statement-breakpoint
CREATE INDEX `audit_events_account_action_seq_idx` ON `audit_events` (`account_id`,`action`,`seq`);--> statement-breakpoint
CREATE INDEX `audit_events_created_idx` ON `audit_events` (`created_at`);--> statement-breakpoint
ALTER TABLE `oauth_apps` ADD `client_secret_generation` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `oauth_apps_generation_zero_idx` ON `oauth_apps` (`client_secret_key_id`,`health_status`) WHERE client_secret_generation = 0;--> statement-breakpoint
-- Every existing event names one app: its row in audit_event_apps. Existing
-- secrets stay at generation 0 (their ciphertexts have no generation) until
-- key custody re-seals them at generation 1 (src/keys/custody.ts).
INSERT INTO `audit_event_apps` (`account_id`, `app_id`, `event_seq`) SELECT `account_id`, `app_id`, `seq` FROM `audit_events`;
