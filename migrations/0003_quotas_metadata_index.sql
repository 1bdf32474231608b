CREATE TABLE `oauth_app_metadata` (
	`app_id` text NOT NULL,
	`key` text NOT NULL,
	`account_id` text NOT NULL,
	`kind` text NOT NULL,
	`value` blob,
	`created_at` text NOT NULL,
	PRIMARY KEY(`app_id`, `key`)
);
--> statement-breakpoint
CREATE INDEX `oauth_app_metadata_account_entry_created_idx` ON `oauth_app_metadata` (`account_id`,`key`,`kind`,`value`,`created_at`,`app_id`);--> statement-breakpoint
ALTER TABLE `accounts` ADD `app_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
-- Backfill, in the same terms as src/oauth-apps/metadata-index.ts: the index rows of the apps that exist, and each account's app count.
INSERT INTO `oauth_app_metadata` (`app_id`, `key`, `account_id`, `kind`, `value`, `created_at`)
SELECT a.`id`, m.`key`, a.`account_id`, CASE m.`type` WHEN 'integer' THEN 'number' WHEN 'real' THEN 'number' ELSE m.`type` END, m.`value`, a.`created_at`
FROM `oauth_apps` AS a, json_each(a.`metadata`) AS m
WHERE length(m.`key`) <= 255 AND (m.`type` NOT IN ('text', 'array', 'object') OR length(m.`value`) <= 512);
--> statement-breakpoint
UPDATE `accounts` SET `app_count` = (SELECT count(*) FROM `oauth_apps` WHERE `oauth_apps`.`account_id` = `accounts`.`id`);
