CREATE TABLE `hold_clawbacks` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`entry_id` integer NOT NULL,
	`hold_id` integer NOT NULL,
	`grant_id` integer NOT NULL,
	`amount` integer NOT NULL,
	FOREIGN KEY (`entry_id`) REFERENCES `credit_ledger`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`hold_id`) REFERENCES `credit_holds`(`id`) ON UPDATE no action ON DELETE no action,
	FOREIGN KEY (`grant_id`) REFERENCES `credit_grants`(`id`) ON UPDATE no action ON DELETE no action,
	CONSTRAINT "hold_clawbacks_amount_positive" CHECK("hold_clawbacks"."amount" > 0)
);
--> statement-breakpoint
CREATE INDEX `hold_clawbacks_hold_id_idx` ON `hold_clawbacks` (`hold_id`);--> statement-breakpoint
CREATE INDEX `hold_clawbacks_entry_id_idx` ON `hold_clawbacks` (`entry_id`);--> statement-breakpoint
ALTER TABLE `credit_holds` ADD `clawed_amount` integer DEFAULT 0 NOT NULL;