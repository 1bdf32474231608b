-- What is derived from a row is kept by the database, in the statement that
-- writes the row: an account's app count and an app's metadata index rows
-- (oauth_apps), an event's app links (audit_events). One place each, on every
-- write path (API, import, anything else), and a create is two statements
-- in its batch instead of five (docs/performance.md).
-- The index rule is that of 0003's backfill and of LIMITS in
-- src/oauth-apps/oauth-apps.schemas.ts (filterKeyLength 255, filterValueLength
-- 512); test/db/derived-triggers.test.ts holds them equal.
-- A later migration that rebuilds one of these tables (CREATE __new_, copy,
-- DROP, RENAME) drops its triggers with it and must create them again; the
-- same test checks that they exist after every migration.
CREATE TRIGGER `oauth_apps_derived_insert` AFTER INSERT ON `oauth_apps` BEGIN
	UPDATE `accounts` SET `app_count` = `app_count` + 1 WHERE `id` = NEW.`account_id`;
	INSERT INTO `oauth_app_metadata` (`app_id`, `key`, `account_id`, `kind`, `value`, `created_at`)
	SELECT NEW.`id`, m.`key`, NEW.`account_id`, CASE m.`type` WHEN 'integer' THEN 'number' WHEN 'real' THEN 'number' ELSE m.`type` END AS `kind`, m.`value`, NEW.`created_at`
	FROM json_each(NEW.`metadata`) AS m
	WHERE length(m.`key`) <= 255 AND (m.`type` NOT IN ('text', 'array', 'object') OR length(m.`value`) <= 512);
END;
--> statement-breakpoint
CREATE TRIGGER `oauth_apps_derived_metadata` AFTER UPDATE OF `metadata` ON `oauth_apps` BEGIN
	DELETE FROM `oauth_app_metadata` WHERE `app_id` = OLD.`id`;
	INSERT INTO `oauth_app_metadata` (`app_id`, `key`, `account_id`, `kind`, `value`, `created_at`)
	SELECT NEW.`id`, m.`key`, NEW.`account_id`, CASE m.`type` WHEN 'integer' THEN 'number' WHEN 'real' THEN 'number' ELSE m.`type` END AS `kind`, m.`value`, NEW.`created_at`
	FROM json_each(NEW.`metadata`) AS m
	WHERE length(m.`key`) <= 255 AND (m.`type` NOT IN ('text', 'array', 'object') OR length(m.`value`) <= 512);
END;
--> statement-breakpoint
CREATE TRIGGER `oauth_apps_derived_delete` AFTER DELETE ON `oauth_apps` BEGIN
	UPDATE `accounts` SET `app_count` = `app_count` - 1 WHERE `id` = OLD.`account_id`;
	DELETE FROM `oauth_app_metadata` WHERE `app_id` = OLD.`id`;
END;
--> statement-breakpoint
CREATE TRIGGER `audit_events_derived_insert` AFTER INSERT ON `audit_events` BEGIN
	INSERT INTO `audit_event_apps` (`account_id`, `app_id`, `event_seq`)
	SELECT NEW.`account_id`, a.`value`, NEW.`seq` FROM json_each(NEW.`app_ids`) AS a;
END;
