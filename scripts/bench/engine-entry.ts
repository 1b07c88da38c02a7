// What the benchmark loads from the app's TypeScript (bundled on the fly with esbuild).
export { closeDatabase, openDatabase } from "../../db/client";
export { migrateDatabase } from "../../db/migrate";
export { createApiKey } from "../../app/auth/api-keys.server";
export { createUser } from "../../app/auth/users.server";
export { deductCredits, expireGrants, grantCredits } from "../../app/credits/index.server";
export { systemClock } from "../../app/utils/clock";
export { apiV1Handler } from "../../app/server/api-v1";
