CREATE TABLE `credit_holds` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`amount` integer NOT NULL,
	`captured_amount` integer DEFAULT 0 NOT NULL,
	`status` text DEFAULT 'held' NOT NULL,
	`expires_at` integer NOT NULL,
	`reason` text,
	`metadata` text,
	`idempotency_key` text,
	`request_hash` text,
	`actor` text,
	`deduction_id` integer,
	`opened_after_entry_id` integer NOT NULL,
	`closed_after_entry_id` integer,
	`closed_after_hold_id` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`deduction_id`) REFERENCES `credit_ledger`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "credit_holds_amount_positive" CHECK("credit_holds"."amount" > 0),
	CONSTRAINT "credit_holds_captured_range" CHECK("credit_holds"."captured_amount" >= 0 and "credit_holds"."captured_amount" <= "credit_holds"."amount")
);
--> statement-breakpoint
CREATE INDEX `credit_holds_open_idx` ON `credit_holds` (`user_id`,`expires_at`) WHERE "credit_holds"."status" = 'held';--> statement-breakpoint
CREATE INDEX `credit_holds_expiry_idx` ON `credit_holds` (`expires_at`) WHERE "credit_holds"."status" = 'held';--> statement-breakpoint
CREATE UNIQUE INDEX `credit_holds_user_idempotency_unique` ON `credit_holds` (`user_id`,`idempotency_key`) WHERE "credit_holds"."idempotency_key" is not null;--> statement-breakpoint
CREATE TABLE `hold_allocations` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`hold_id` integer NOT NULL,
	`grant_id` integer NOT NULL,
	`amount` integer NOT NULL,
	FOREIGN KEY (`hold_id`) REFERENCES `credit_holds`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`grant_id`) REFERENCES `credit_grants`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "hold_allocations_amount_positive" CHECK("hold_allocations"."amount" > 0)
);
--> statement-breakpoint
CREATE INDEX `hold_allocations_hold_id_idx` ON `hold_allocations` (`hold_id`);--> statement-breakpoint
ALTER TABLE `credit_grants` ADD `expiring_soon_sent_at` integer;--> statement-breakpoint
CREATE INDEX `credit_grants_expiring_soon_idx` ON `credit_grants` (`expires_at`) WHERE "credit_grants"."status" = 'active' and "credit_grants"."expires_at" is not null and "credit_grants"."expiring_soon_sent_at" is null;