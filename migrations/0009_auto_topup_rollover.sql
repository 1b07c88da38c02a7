CREATE TABLE `auto_topup_attempts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`topup_plan_id` integer NOT NULL,
	`credits` integer NOT NULL,
	`amount_cents` integer NOT NULL,
	`currency` text NOT NULL,
	`month` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`trigger_event_id` text,
	`stripe_payment_intent_id` text,
	`failure_code` text,
	`failure_message` text,
	`topup_purchase_id` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`topup_plan_id`) REFERENCES `topup_plans`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`topup_purchase_id`) REFERENCES `topup_purchases`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `auto_topup_attempts_one_open` ON `auto_topup_attempts` (`user_id`) WHERE "auto_topup_attempts"."status" in ('pending', 'processing');--> statement-breakpoint
CREATE INDEX `auto_topup_attempts_user_month_idx` ON `auto_topup_attempts` (`user_id`,`month`);--> statement-breakpoint
CREATE UNIQUE INDEX `auto_topup_attempts_trigger_unique` ON `auto_topup_attempts` (`trigger_event_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `auto_topup_attempts_payment_intent_unique` ON `auto_topup_attempts` (`stripe_payment_intent_id`);--> statement-breakpoint
CREATE TABLE `auto_topup_settings` (
	`user_id` integer PRIMARY KEY NOT NULL,
	`enabled` integer NOT NULL,
	`topup_plan_id` integer NOT NULL,
	`threshold_credits` integer NOT NULL,
	`monthly_cap_packs` integer NOT NULL,
	`disabled_reason` text,
	`disabled_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`topup_plan_id`) REFERENCES `topup_plans`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `credit_rollovers` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`subscription_id` integer NOT NULL,
	`renewal_key` text NOT NULL,
	`period_end` integer NOT NULL,
	`unused_credits` integer NOT NULL,
	`percent` integer NOT NULL,
	`max_credits` integer,
	`rolled_credits` integer NOT NULL,
	`grant_id` integer,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`subscription_id`) REFERENCES `user_subscriptions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`grant_id`) REFERENCES `credit_grants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `credit_rollovers_renewal_unique` ON `credit_rollovers` (`renewal_key`);--> statement-breakpoint
CREATE UNIQUE INDEX `credit_rollovers_period_unique` ON `credit_rollovers` (`subscription_id`,`period_end`);--> statement-breakpoint
CREATE UNIQUE INDEX `credit_rollovers_grant_unique` ON `credit_rollovers` (`grant_id`);--> statement-breakpoint
ALTER TABLE `subscription_plans` ADD `rollover_percent` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `subscription_plans` ADD `rollover_max_credits` integer;