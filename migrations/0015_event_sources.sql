CREATE TABLE `event_sources` (
	`name` text PRIMARY KEY NOT NULL,
	`last_id` integer NOT NULL
);
