-- Hand-edited (docs/decisions/016-grant-source-refs.md): the rebuilds carry the old Stripe/billing columns over as
-- neutral refs — source_ref 'stripe_invoice:<id>' or 'topup_purchase:<id>', group_ref 'subscription:<id>' — keep
-- every id and the AUTOINCREMENT counters, and re-create every index (these tables have no triggers).
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_credit_grants` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`type` text NOT NULL,
	`amount` integer NOT NULL,
	`remaining` integer NOT NULL,
	`priority` integer NOT NULL,
	`effective_at` integer NOT NULL,
	`expires_at` integer,
	`status` text DEFAULT 'active' NOT NULL,
	`reason` text,
	`source` text NOT NULL,
	`source_ref` text,
	`group_ref` text,
	`expiring_soon_sent_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "credit_grants_amount_positive" CHECK("__new_credit_grants"."amount" > 0),
	CONSTRAINT "credit_grants_remaining_range" CHECK("__new_credit_grants"."remaining" >= 0 and "__new_credit_grants"."remaining" <= "__new_credit_grants"."amount"),
	CONSTRAINT "credit_grants_priority_range" CHECK("__new_credit_grants"."priority" between 0 and 100)
);
--> statement-breakpoint
INSERT INTO `__new_credit_grants`("id", "user_id", "type", "amount", "remaining", "priority", "effective_at", "expires_at", "status", "reason", "source", "source_ref", "group_ref", "expiring_soon_sent_at", "created_at", "updated_at") SELECT "id", "user_id", "type", "amount", "remaining", "priority", "effective_at", "expires_at", "status", "reason", "source", CASE WHEN "stripe_invoice_id" IS NOT NULL THEN 'stripe_invoice:' || "stripe_invoice_id" WHEN "topup_purchase_id" IS NOT NULL THEN 'topup_purchase:' || "topup_purchase_id" END, CASE WHEN "subscription_id" IS NOT NULL THEN 'subscription:' || "subscription_id" END, "expiring_soon_sent_at", "created_at", "updated_at" FROM `credit_grants`;--> statement-breakpoint
UPDATE `sqlite_sequence` SET `seq` = max(`seq`, coalesce((SELECT `seq` FROM `sqlite_sequence` WHERE `name` = 'credit_grants'), 0)) WHERE `name` = '__new_credit_grants';--> statement-breakpoint
INSERT INTO `sqlite_sequence` (`name`, `seq`) SELECT '__new_credit_grants', `seq` FROM `sqlite_sequence` WHERE `name` = 'credit_grants' AND NOT EXISTS (SELECT 1 FROM `sqlite_sequence` WHERE `name` = '__new_credit_grants');--> statement-breakpoint
DROP TABLE `credit_grants`;--> statement-breakpoint
ALTER TABLE `__new_credit_grants` RENAME TO `credit_grants`;--> statement-breakpoint
CREATE INDEX `credit_grants_burn_down_idx` ON `credit_grants` (`user_id`,`priority`,`expires_at`,`effective_at`,`id`) WHERE "credit_grants"."status" = 'active';--> statement-breakpoint
CREATE INDEX `credit_grants_expiry_idx` ON `credit_grants` (`expires_at`) WHERE "credit_grants"."status" = 'active' and "credit_grants"."expires_at" is not null;--> statement-breakpoint
CREATE INDEX `credit_grants_expiring_soon_idx` ON `credit_grants` (`expires_at`) WHERE "credit_grants"."status" = 'active' and "credit_grants"."expires_at" is not null and "credit_grants"."expiring_soon_sent_at" is null;--> statement-breakpoint
CREATE INDEX `credit_grants_created_at_idx` ON `credit_grants` (`created_at`,`type`,`amount`);--> statement-breakpoint
CREATE INDEX `credit_grants_group_idx` ON `credit_grants` (`group_ref`,`expires_at`) WHERE "credit_grants"."group_ref" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX `credit_grants_source_ref_unique` ON `credit_grants` (`source_ref`);--> statement-breakpoint
CREATE TABLE `__new_credit_rollovers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`group_ref` text NOT NULL,
	`renewal_key` text NOT NULL,
	`period_end` integer NOT NULL,
	`unused_credits` integer NOT NULL,
	`percent` integer NOT NULL,
	`max_credits` integer,
	`rolled_credits` integer NOT NULL,
	`grant_id` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`grant_id`) REFERENCES `credit_grants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
INSERT INTO `__new_credit_rollovers`("id", "user_id", "group_ref", "renewal_key", "period_end", "unused_credits", "percent", "max_credits", "rolled_credits", "grant_id", "created_at") SELECT "id", "user_id", 'subscription:' || "subscription_id", "renewal_key", "period_end", "unused_credits", "percent", "max_credits", "rolled_credits", "grant_id", "created_at" FROM `credit_rollovers`;--> statement-breakpoint
UPDATE `sqlite_sequence` SET `seq` = max(`seq`, coalesce((SELECT `seq` FROM `sqlite_sequence` WHERE `name` = 'credit_rollovers'), 0)) WHERE `name` = '__new_credit_rollovers';--> statement-breakpoint
INSERT INTO `sqlite_sequence` (`name`, `seq`) SELECT '__new_credit_rollovers', `seq` FROM `sqlite_sequence` WHERE `name` = 'credit_rollovers' AND NOT EXISTS (SELECT 1 FROM `sqlite_sequence` WHERE `name` = '__new_credit_rollovers');--> statement-breakpoint
DROP TABLE `credit_rollovers`;--> statement-breakpoint
ALTER TABLE `__new_credit_rollovers` RENAME TO `credit_rollovers`;--> statement-breakpoint
CREATE UNIQUE INDEX `credit_rollovers_renewal_unique` ON `credit_rollovers` (`renewal_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `credit_rollovers_period_unique` ON `credit_rollovers` (`group_ref`,`period_end`);--> statement-breakpoint
CREATE UNIQUE INDEX `credit_rollovers_grant_unique` ON `credit_rollovers` (`grant_id`);--> statement-breakpoint
PRAGMA foreign_keys=ON;