CREATE TABLE `subscription_history` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`subscription_id` integer NOT NULL,
	`kind` text NOT NULL,
	`plan_id` integer,
	`from_plan_id` integer,
	`stripe_invoice_id` text,
	`occurred_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`subscription_id`) REFERENCES `user_subscriptions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`plan_id`) REFERENCES `subscription_plans`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`from_plan_id`) REFERENCES `subscription_plans`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `subscription_history_user_id_idx` ON `subscription_history` (`user_id`,`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `subscription_history_invoice_unique` ON `subscription_history` (`kind`,`stripe_invoice_id`);--> statement-breakpoint
CREATE TABLE `subscription_invoices` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`subscription_id` integer,
	`plan_id` integer,
	`stripe_invoice_id` text NOT NULL,
	`stripe_payment_intent_id` text,
	`number` text,
	`billing_reason` text,
	`status` text NOT NULL,
	`amount_due_cents` integer NOT NULL,
	`amount_paid_cents` integer DEFAULT 0 NOT NULL,
	`amount_refunded_cents` integer DEFAULT 0 NOT NULL,
	`currency` text NOT NULL,
	`hosted_invoice_url` text,
	`invoice_pdf_url` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`subscription_id`) REFERENCES `user_subscriptions`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`plan_id`) REFERENCES `subscription_plans`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `subscription_invoices_stripe_invoice_id_unique` ON `subscription_invoices` (`stripe_invoice_id`);--> statement-breakpoint
CREATE INDEX `subscription_invoices_user_id_idx` ON `subscription_invoices` (`user_id`,`id`);--> statement-breakpoint
CREATE INDEX `subscription_invoices_payment_intent_idx` ON `subscription_invoices` (`stripe_payment_intent_id`);--> statement-breakpoint
ALTER TABLE `topup_purchases` ADD `receipt_url` text;