DROP INDEX `oauth_apps_account_error_created_id_idx`;--> statement-breakpoint
DROP INDEX `oauth_apps_account_key_created_id_idx`;--> statement-breakpoint
ALTER TABLE `oauth_apps` ADD `verification_attempted_at` text;--> statement-breakpoint
ALTER TABLE `oauth_apps` ADD `client_secret_expires_at` text;--> statement-breakpoint
ALTER TABLE `oauth_apps` ADD `expiry_stage` text;--> statement-breakpoint
ALTER TABLE `oauth_apps` ADD `health_announced` text DEFAULT 'ok' NOT NULL;--> statement-breakpoint
CREATE INDEX `oauth_apps_account_error_stage_created_id_idx` ON `oauth_apps` (`account_id`,`created_at`,`id`) WHERE health_status = 'error' OR verification_status = 'invalid' OR expiry_stage = 'error';--> statement-breakpoint
CREATE INDEX `oauth_apps_account_key_stage_created_id_idx` ON `oauth_apps` (`account_id`,`client_secret_key_id`,`expiry_stage`,`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `oauth_apps_account_unstaged_expiry_idx` ON `oauth_apps` (`account_id`,`client_secret_expires_at`) WHERE expiry_stage IS NULL AND client_secret_expires_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `oauth_apps_account_warned_expiry_idx` ON `oauth_apps` (`account_id`,`client_secret_expires_at`) WHERE expiry_stage = 'warn';--> statement-breakpoint
CREATE INDEX `oauth_apps_unstaged_expiry_idx` ON `oauth_apps` (`client_secret_expires_at`) WHERE expiry_stage IS NULL AND client_secret_expires_at IS NOT NULL;--> statement-breakpoint
CREATE INDEX `oauth_apps_warned_expiry_idx` ON `oauth_apps` (`client_secret_expires_at`) WHERE expiry_stage = 'warn';--> statement-breakpoint
CREATE INDEX `oauth_apps_verification_due_idx` ON `oauth_apps` (`verification_attempted_at`) WHERE verification_status IS NOT NULL;--> statement-breakpoint
-- What was shown before this migration, as far as the row says (a key's state is the keyring's, read on the next write).
UPDATE `oauth_apps` SET `health_announced` = 'error' WHERE health_status = 'error' OR verification_status = 'invalid';--> statement-breakpoint
UPDATE `oauth_apps` SET `verification_attempted_at` = coalesce(`verification_started_at`, `verification_time`) WHERE verification_status IS NOT NULL;
