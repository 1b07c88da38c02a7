ALTER TABLE `users` ADD `external_id` text;--> statement-breakpoint
ALTER TABLE `users` ADD `low_balance_threshold` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `auto_topup_threshold` integer;--> statement-breakpoint
CREATE UNIQUE INDEX `users_external_id_unique` ON `users` (`external_id`);