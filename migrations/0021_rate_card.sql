CREATE TABLE `feature_holds` (
	`hold_id` integer PRIMARY KEY NOT NULL,
	`feature_id` integer NOT NULL,
	`price_id` integer NOT NULL,
	`quantity` integer NOT NULL,
	FOREIGN KEY (`hold_id`) REFERENCES `credit_holds`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`feature_id`) REFERENCES `features`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`price_id`) REFERENCES `feature_prices`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `feature_prices` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`feature_id` integer NOT NULL,
	`version` integer NOT NULL,
	`plan_id` integer,
	`credits` integer NOT NULL,
	`per_units` integer NOT NULL,
	`effective_at` integer NOT NULL,
	`actor` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`feature_id`) REFERENCES `features`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`plan_id`) REFERENCES `subscription_plans`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "feature_prices_credits_non_negative" CHECK("feature_prices"."credits" >= 0),
	CONSTRAINT "feature_prices_per_units_positive" CHECK("feature_prices"."per_units" >= 1)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `feature_prices_version_unique` ON `feature_prices` (`feature_id`,`version`);--> statement-breakpoint
CREATE INDEX `feature_prices_base_idx` ON `feature_prices` (`feature_id`,`effective_at`) WHERE "feature_prices"."plan_id" is null;--> statement-breakpoint
CREATE TABLE `features` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`key` text NOT NULL,
	`name` text NOT NULL,
	`unit_name` text NOT NULL,
	`description` text,
	`archived_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `features_key_unique` ON `features` (`key`);--> statement-breakpoint
CREATE TABLE `included_usage` (
	`user_id` integer NOT NULL,
	`feature_id` integer NOT NULL,
	`period_start` integer NOT NULL,
	`units` integer NOT NULL,
	PRIMARY KEY(`user_id`, `feature_id`, `period_start`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`feature_id`) REFERENCES `features`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `plan_features` (
	`plan_id` integer NOT NULL,
	`feature_id` integer NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`price_id` integer,
	`included_units` integer DEFAULT 0 NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`plan_id`, `feature_id`),
	FOREIGN KEY (`plan_id`) REFERENCES `subscription_plans`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`feature_id`) REFERENCES `features`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`price_id`) REFERENCES `feature_prices`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "plan_features_included_non_negative" CHECK("plan_features"."included_units" >= 0)
);
--> statement-breakpoint
CREATE TABLE `usage_meters` (
	`user_id` integer NOT NULL,
	`price_id` integer NOT NULL,
	`units` integer NOT NULL,
	`credits` integer NOT NULL,
	PRIMARY KEY(`user_id`, `price_id`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`price_id`) REFERENCES `feature_prices`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `usage_records` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`feature_id` integer NOT NULL,
	`price_id` integer NOT NULL,
	`quantity` integer NOT NULL,
	`included_units` integer NOT NULL,
	`credits` integer NOT NULL,
	`entry_id` integer,
	`hold_id` integer,
	`idempotency_key` text,
	`request_hash` text,
	`metadata` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`feature_id`) REFERENCES `features`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`price_id`) REFERENCES `feature_prices`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`entry_id`) REFERENCES `credit_ledger`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`hold_id`) REFERENCES `credit_holds`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "usage_records_quantity_positive" CHECK("usage_records"."quantity" > 0),
	CONSTRAINT "usage_records_included_range" CHECK("usage_records"."included_units" >= 0 and "usage_records"."included_units" <= "usage_records"."quantity"),
	CONSTRAINT "usage_records_credits_non_negative" CHECK("usage_records"."credits" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `usage_records_user_idempotency_unique` ON `usage_records` (`user_id`,`idempotency_key`) WHERE "usage_records"."idempotency_key" is not null;--> statement-breakpoint
CREATE INDEX `usage_records_user_created_idx` ON `usage_records` (`user_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `usage_records_created_idx` ON `usage_records` (`created_at`,`feature_id`,`quantity`,`credits`);--> statement-breakpoint
ALTER TABLE `credit_ledger` ADD `usage` text;