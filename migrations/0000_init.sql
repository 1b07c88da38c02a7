CREATE TABLE `api_idempotency` (
	`scope` text NOT NULL,
	`key` text NOT NULL,
	`request_hash` text NOT NULL,
	`status` integer NOT NULL,
	`body` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`scope`, `key`)
);
--> statement-breakpoint
CREATE TABLE `api_keys` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`scope` text NOT NULL,
	`key_hash` text NOT NULL,
	`prefix` text NOT NULL,
	`created_by` text,
	`last_used_at` integer,
	`revoked_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_key_hash_unique` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`subject` text,
	`details` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_log_created_at_idx` ON `audit_log` (`created_at`);--> statement-breakpoint
CREATE TABLE `credit_grants` (
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
	`subscription_id` integer,
	`stripe_invoice_id` text,
	`topup_purchase_id` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`subscription_id`) REFERENCES `user_subscriptions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`topup_purchase_id`) REFERENCES `topup_purchases`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "credit_grants_amount_positive" CHECK("credit_grants"."amount" > 0),
	CONSTRAINT "credit_grants_remaining_range" CHECK("credit_grants"."remaining" >= 0 and "credit_grants"."remaining" <= "credit_grants"."amount"),
	CONSTRAINT "credit_grants_priority_range" CHECK("credit_grants"."priority" between 0 and 100)
);
--> statement-breakpoint
CREATE INDEX `credit_grants_burn_down_idx` ON `credit_grants` (`user_id`,`priority`,`expires_at`,`effective_at`,`id`) WHERE "credit_grants"."status" = 'active';--> statement-breakpoint
CREATE INDEX `credit_grants_expiry_idx` ON `credit_grants` (`expires_at`) WHERE "credit_grants"."status" = 'active' and "credit_grants"."expires_at" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX `credit_grants_stripe_invoice_unique` ON `credit_grants` (`stripe_invoice_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `credit_grants_topup_purchase_unique` ON `credit_grants` (`topup_purchase_id`);--> statement-breakpoint
CREATE TABLE `credit_ledger` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`type` text NOT NULL,
	`amount` integer NOT NULL,
	`balance_after` integer NOT NULL,
	`reason` text,
	`grant_id` integer,
	`idempotency_key` text,
	`request_hash` text,
	`metadata` text,
	`actor` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`grant_id`) REFERENCES `credit_grants`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `credit_ledger_user_idempotency_unique` ON `credit_ledger` (`user_id`,`idempotency_key`);--> statement-breakpoint
CREATE INDEX `credit_ledger_user_id_idx` ON `credit_ledger` (`user_id`,`id`);--> statement-breakpoint
CREATE INDEX `credit_ledger_grant_id_idx` ON `credit_ledger` (`grant_id`);--> statement-breakpoint
CREATE TABLE `ledger_allocations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`entry_id` integer NOT NULL,
	`grant_id` integer NOT NULL,
	`amount` integer NOT NULL,
	FOREIGN KEY (`entry_id`) REFERENCES `credit_ledger`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`grant_id`) REFERENCES `credit_grants`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "ledger_allocations_amount_positive" CHECK("ledger_allocations"."amount" > 0)
);
--> statement-breakpoint
CREATE INDEX `ledger_allocations_entry_id_idx` ON `ledger_allocations` (`entry_id`);--> statement-breakpoint
CREATE INDEX `ledger_allocations_grant_id_idx` ON `ledger_allocations` (`grant_id`);--> statement-breakpoint
CREATE TABLE `login_throttle` (
	`key` text PRIMARY KEY NOT NULL,
	`failures` integer DEFAULT 0 NOT NULL,
	`window_started_at` integer NOT NULL,
	`locked_until` integer
);
--> statement-breakpoint
CREATE TABLE `sessions` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`revoked_at` integer,
	`ip_address` text,
	`user_agent` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `sessions_user_id_idx` ON `sessions` (`user_id`);--> statement-breakpoint
CREATE TABLE `stripe_events` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`status` text DEFAULT 'received' NOT NULL,
	`error` text,
	`payload` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`stripe_created_at` integer,
	`processed_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `stripe_events_status_idx` ON `stripe_events` (`status`);--> statement-breakpoint
CREATE TABLE `subscription_plans` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`internal_id` text NOT NULL,
	`plan_family` text NOT NULL,
	`version` integer DEFAULT 1 NOT NULL,
	`public_name` text NOT NULL,
	`stripe_product_id` text,
	`stripe_price_id` text,
	`credits` integer NOT NULL,
	`interval` text DEFAULT 'month' NOT NULL,
	`price_cents` integer NOT NULL,
	`currency` text DEFAULT 'usd' NOT NULL,
	`credit_expiry_days` integer DEFAULT 30 NOT NULL,
	`is_legacy` integer DEFAULT false NOT NULL,
	`is_active` integer DEFAULT true NOT NULL,
	`archived_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "subscription_plans_credits_positive" CHECK("subscription_plans"."credits" > 0),
	CONSTRAINT "subscription_plans_price_non_negative" CHECK("subscription_plans"."price_cents" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `subscription_plans_internal_id_unique` ON `subscription_plans` (`internal_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `subscription_plans_family_version_unique` ON `subscription_plans` (`plan_family`,`version`);--> statement-breakpoint
CREATE UNIQUE INDEX `subscription_plans_stripe_price_id_unique` ON `subscription_plans` (`stripe_price_id`);--> statement-breakpoint
CREATE TABLE `topup_plans` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`internal_id` text NOT NULL,
	`public_name` text NOT NULL,
	`stripe_product_id` text,
	`stripe_price_id` text,
	`credits` integer NOT NULL,
	`price_cents` integer NOT NULL,
	`currency` text DEFAULT 'usd' NOT NULL,
	`credit_expiry_days` integer DEFAULT 365 NOT NULL,
	`is_legacy` integer DEFAULT false NOT NULL,
	`is_active` integer DEFAULT true NOT NULL,
	`archived_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "topup_plans_credits_positive" CHECK("topup_plans"."credits" > 0),
	CONSTRAINT "topup_plans_price_non_negative" CHECK("topup_plans"."price_cents" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `topup_plans_internal_id_unique` ON `topup_plans` (`internal_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `topup_plans_stripe_price_id_unique` ON `topup_plans` (`stripe_price_id`);--> statement-breakpoint
CREATE TABLE `topup_purchases` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`plan_id` integer NOT NULL,
	`stripe_checkout_session_id` text NOT NULL,
	`stripe_payment_intent_id` text,
	`quantity` integer DEFAULT 1 NOT NULL,
	`credits` integer NOT NULL,
	`amount_paid_cents` integer NOT NULL,
	`amount_refunded_cents` integer DEFAULT 0 NOT NULL,
	`credits_refunded` integer DEFAULT 0 NOT NULL,
	`currency` text NOT NULL,
	`status` text DEFAULT 'paid' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`plan_id`) REFERENCES `topup_plans`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `topup_purchases_checkout_session_unique` ON `topup_purchases` (`stripe_checkout_session_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `topup_purchases_payment_intent_unique` ON `topup_purchases` (`stripe_payment_intent_id`);--> statement-breakpoint
CREATE INDEX `topup_purchases_user_id_idx` ON `topup_purchases` (`user_id`);--> statement-breakpoint
CREATE TABLE `user_subscriptions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`plan_id` integer,
	`pending_plan_id` integer,
	`stripe_subscription_id` text NOT NULL,
	`stripe_customer_id` text,
	`status` text NOT NULL,
	`current_period_start` integer,
	`current_period_end` integer,
	`cancel_at_period_end` integer DEFAULT false NOT NULL,
	`canceled_at` integer,
	`stripe_updated_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`plan_id`) REFERENCES `subscription_plans`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`pending_plan_id`) REFERENCES `subscription_plans`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `user_subscriptions_stripe_subscription_id_unique` ON `user_subscriptions` (`stripe_subscription_id`);--> statement-breakpoint
CREATE INDEX `user_subscriptions_user_id_idx` ON `user_subscriptions` (`user_id`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`email` text NOT NULL,
	`name` text DEFAULT '' NOT NULL,
	`password_hash` text,
	`role` text DEFAULT 'customer' NOT NULL,
	`stripe_customer_id` text,
	`credit_balance` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	CONSTRAINT "users_credit_balance_non_negative" CHECK("users"."credit_balance" >= 0)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_email_unique` ON `users` (lower("email"));--> statement-breakpoint
CREATE UNIQUE INDEX `users_stripe_customer_id_unique` ON `users` (`stripe_customer_id`);