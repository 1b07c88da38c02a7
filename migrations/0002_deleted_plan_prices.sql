CREATE TABLE `deleted_plan_prices` (
	`stripe_price_id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`plan` text NOT NULL,
	`deleted_at` integer NOT NULL
);
