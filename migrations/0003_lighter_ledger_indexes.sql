DROP INDEX `ledger_allocations_grant_id_idx`;--> statement-breakpoint
DROP INDEX `credit_ledger_user_idempotency_unique`;--> statement-breakpoint
DROP INDEX `credit_ledger_grant_id_idx`;--> statement-breakpoint
CREATE UNIQUE INDEX `credit_ledger_user_idempotency_unique` ON `credit_ledger` (`user_id`,`idempotency_key`) WHERE "credit_ledger"."idempotency_key" is not null;--> statement-breakpoint
CREATE INDEX `credit_ledger_grant_id_idx` ON `credit_ledger` (`grant_id`) WHERE "credit_ledger"."grant_id" is not null;