/**
 * Generated from the Credits API's OpenAPI document by openapi-typescript: do not edit.
 * Regenerate with `npm run generate -w @credit-billing/client`.
 */
export interface paths {
  "/api/v1/openapi.json": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * This document
     * @description The OpenAPI 3.1 description of every /api/v1 and /api/admin JSON route and of the outbound webhooks.
     *
     *     No key needed.
     */
    get: operations["getOpenApiDocument"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/users": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Search users
     * @description Matches part of the email, the name or the external id; newest first, a page at a time.
     *
     *     Key: admin.
     */
    get: operations["searchUsers"];
    put?: never;
    /**
     * Create a user
     * @description A user who has credits but no password (cannot log in).
     *
     *     Key: admin.
     */
    post: operations["createUser"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/users/{userId}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Get a user
     * @description Key: usage or admin.
     */
    get: operations["getUser"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    /**
     * Update a user
     * @description Sets `name`, `externalId` and `lowBalanceThreshold`; absent fields stay, null resets one.
     *
     *     Key: admin.
     */
    patch: operations["updateUser"];
    trace?: never;
  };
  "/api/v1/users/{userId}/balance": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Get a balance
     * @description Spendable now, by type, the next expiry, and the first 100 grants in burn-down order.
     *
     *     Key: usage or admin.
     */
    get: operations["getBalance"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/users/{userId}/grants": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List grants
     * @description Every grant, a page at a time: `active` (the default) in burn-down order, `pending` by effectiveAt, the others and `all` newest first.
     *
     *     Key: usage or admin.
     */
    get: operations["listGrants"];
    put?: never;
    /**
     * Grant credits
     * @description `expiresAt` null or absent = never expires; it must lie in the future and after `effectiveAt`.
     *
     *     Key: admin.
     */
    post: operations["createGrant"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/users/{userId}/deductions": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Spend credits
     * @description Takes the amount from the grants in effect, in burn-down order; all or nothing.
     *
     *     Key: usage or admin.
     */
    post: operations["createDeduction"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/deductions/batch": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Spend credits in a batch
     * @description 1–1,000 deductions in one request. Each item stands alone, in order: a failing item writes nothing and does not stop the others. An item's `idempotencyKey` is the `Idempotency-Key` of a single deduction for that user (a replay answers the original result). `userId` is a numeric id or `ext:` + the external id (not URL-encoded).
     *
     *     Key: usage or admin.
     */
    post: operations["createDeductionBatch"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/users/{userId}/adjustments": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Adjust a balance
     * @description A signed correction with a required reason: a positive amount adds a never-expiring promotional grant, a negative one spends in burn-down order.
     *
     *     Key: admin.
     */
    post: operations["createAdjustment"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/users/{userId}/ledger": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List ledger entries
     * @description Newest first, a page at a time.
     *
     *     Key: usage or admin.
     */
    get: operations["listLedger"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/grants/{grantId}/void": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Void a grant
     * @description Removes the grant's credits wherever they are: what is left on it, and what open holds reserve on it (those holds reserve that much less). The grant is `voided` whether or not credits were held; voiding twice changes nothing.
     *
     *     Key: admin.
     */
    post: operations["voidGrant"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/users/{userId}/holds": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Hold credits
     * @description Reserves credits for long-running work: deductions and other holds cannot take them, and the capture is guaranteed until `expiresAt` even if the grants they came from expire meanwhile. An uncaptured hold stops reserving at `expiresAt` and its credits return. Holding writes no ledger entry. Send `amount` (credits), or `feature` and `quantity`: the hold then reserves the worst-case cost of the units at the user's price now, ceil(quantity × credits ÷ perUnits), and its capture charges that price.
     *
     *     Key: usage or admin.
     */
    post: operations["createHold"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/holds/{holdId}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Get a hold
     * @description Key: usage or admin.
     */
    get: operations["getHold"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/holds/{holdId}/capture": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Capture a hold
     * @description Spends `amount` (1 … what the hold reserves, `amount` − `clawedBackAmount`; default all of it) as ONE `deduction` ledger entry with the hold's id; what is not captured goes back at once. A hold made by feature is captured by `quantity` (1 … the units held; default all): included units left first, then the meter at the held price; `usage` is the use recorded, and `deduction` is null when it owed nothing (the hold is then released).
     *
     *     Key: usage or admin.
     */
    post: operations["captureHold"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/holds/{holdId}/release": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Release a hold
     * @description Gives back all the hold reserves (credits a refund or void took from it stay gone); writes no ledger entry. No body.
     *
     *     Key: usage or admin.
     */
    post: operations["releaseHold"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/users/{userId}/check": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Check before use
     * @description Whether the user may use `quantity` units of the feature now, what it would cost (after included units and the carried remainder) and what they have. Writes nothing.
     *
     *     Key: usage or admin.
     */
    post: operations["checkUsage"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/users/{userId}/usage": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Usage by feature
     * @description The user's usage in [`from`, `to`) summed by feature, credits at the prices of their time. Defaults: `to` now, `from` 30 days before `to`.
     *
     *     Key: usage or admin.
     */
    get: operations["getUsageSummary"];
    put?: never;
    /**
     * Record usage
     * @description Charges `quantity` units of the feature at the user's price now (their plan's, else the base price): included units of the billing period first, then credits as one deduction whose ledger entry names the feature, quantity and price version. A price per many units carries its remainder: at one price, a user is charged ceil(total units × credits ÷ perUnits) in all.
     *
     *     Key: usage or admin.
     */
    post: operations["recordUsage"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/usage/batch": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Record usage in a batch
     * @description 1–1,000 usage events in one request. Each event stands alone, in order: a failing event writes nothing and does not stop the others. An event's `idempotencyKey` is the `Idempotency-Key` of a single usage for that user (a replay answers the original result). `userId` is a numeric id or `ext:` + the external id (not URL-encoded).
     *
     *     Key: usage or admin.
     */
    post: operations["recordUsageBatch"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/v1/users/{userId}/auto-topup": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    /**
     * Set a customer's auto top-up
     * @description When a change takes the balance below `threshold`, one `topupPlanId` pack is bought off-session with the customer's saved card, at most `monthlyCapPacks` a month. Fields left out keep their values (turning it on the first time needs all three numbers); unknown fields are refused. A declined card turns it off and sets `notice`.
     *
     *     Key: admin.
     */
    patch: operations["updateAutoTopup"];
    trace?: never;
  };
  "/api/admin/subscription-plans": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List subscription plans
     * @description Every plan of the kind, legacy and archived included.
     *
     *     Key: admin (or an administrator's browser session).
     */
    get: operations["listSubscriptionPlans"];
    put?: never;
    /**
     * Create a subscription plan
     * @description Creates the Stripe product and price too, unless `stripePriceId` names an existing price (then price, currency and interval may be left out and are read from it).
     *
     *     Key: admin (or an administrator's browser session).
     */
    post: operations["createSubscriptionPlan"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/admin/subscription-plans/{id}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Get a subscription plan
     * @description Key: admin (or an administrator's browser session).
     */
    get: operations["getSubscriptionPlan"];
    put?: never;
    post?: never;
    /**
     * Delete a subscription plan
     * @description Deletes it, or archives it when a subscription or purchase refers to it.
     *
     *     Key: admin (or an administrator's browser session).
     */
    delete: operations["deleteSubscriptionPlan"];
    options?: never;
    head?: never;
    /**
     * Edit a subscription plan
     * @description Edits publicName, isLegacy, isActive and creditExpiryDays; the other fields are accepted only when they repeat the current value (credits and price of a plan with a Stripe price are fixed: 400). `features` sets this version's terms per feature key ({enabled, price ({credits, perUnits}, null = the base price), includedUnits}; fields left out keep their value). A new version of the family starts with the previous version's feature terms.
     *
     *     Key: admin (or an administrator's browser session).
     */
    patch: operations["updateSubscriptionPlan"];
    trace?: never;
  };
  "/api/admin/topup-plans": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List top-up plans
     * @description Every plan of the kind, legacy and archived included.
     *
     *     Key: admin (or an administrator's browser session).
     */
    get: operations["listTopupPlans"];
    put?: never;
    /**
     * Create a top-up plan
     * @description Creates the Stripe product and price too, unless `stripePriceId` names an existing price (then price, currency and interval may be left out and are read from it).
     *
     *     Key: admin (or an administrator's browser session).
     */
    post: operations["createTopupPlan"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/admin/topup-plans/{id}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Get a top-up plan
     * @description Key: admin (or an administrator's browser session).
     */
    get: operations["getTopupPlan"];
    put?: never;
    post?: never;
    /**
     * Delete a top-up plan
     * @description Deletes it, or archives it when a subscription or purchase refers to it.
     *
     *     Key: admin (or an administrator's browser session).
     */
    delete: operations["deleteTopupPlan"];
    options?: never;
    head?: never;
    /**
     * Edit a top-up plan
     * @description Edits publicName, isLegacy, isActive and creditExpiryDays; the other fields are accepted only when they repeat the current value (credits and price of a plan with a Stripe price are fixed: 400).
     *
     *     Key: admin (or an administrator's browser session).
     */
    patch: operations["updateTopupPlan"];
    trace?: never;
  };
  "/api/admin/features": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List features
     * @description Every feature by key, archived ones too, with its base price now and its price history.
     *
     *     Key: admin (or an administrator's browser session).
     */
    get: operations["listFeatures"];
    put?: never;
    /**
     * Create a feature
     * @description `key` is `[a-z0-9._-]{1,64}` and never changes. `price` is `credits` (≥ 0) per `perUnits` (≥ 1) units: 3 credits an image is `{credits: 3, perUnits: 1}`, 1 credit per 1,000 tokens `{credits: 1, perUnits: 1000}`. It is price version 1, in effect now.
     *
     *     Key: admin (or an administrator's browser session).
     */
    post: operations["createFeature"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/admin/features/{key}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * Get a feature
     * @description Key: admin (or an administrator's browser session).
     */
    get: operations["getFeature"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    /**
     * Edit a feature
     * @description Any of `name`, `unitName`, `description` (null clears it) and `archived`. An archived feature can no longer be used or held (`feature_archived`); its history stays.
     *
     *     Key: admin (or an administrator's browser session).
     */
    patch: operations["updateFeature"];
    trace?: never;
  };
  "/api/admin/features/{key}/prices": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Change a feature's price
     * @description A new base price version from `effectiveAt` (default now; not in the past). Usage is always charged at the price in effect when it is recorded; plans with their own price keep it.
     *
     *     Key: admin (or an administrator's browser session).
     */
    post: operations["createFeaturePrice"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/admin/stripe-events/{eventId}/replay": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Replay a stored Stripe event
     * @description Re-processes the event; one already applied is not applied again (outcome `duplicate`). No body.
     *
     *     Key: admin (or an administrator's browser session).
     */
    post: operations["replayStripeEvent"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/admin/webhook-endpoints": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List webhook endpoints
     * @description Without their secrets.
     *
     *     Key: admin (or an administrator's browser session).
     */
    get: operations["listWebhookEndpoints"];
    put?: never;
    /**
     * Register a webhook endpoint
     * @description `events` defaults to every event type except `credits.deducted`. The answer's `secret` (`whsec_` + base64) signs every delivery and is shown only here: keep it.
     *
     *     Key: admin (or an administrator's browser session).
     */
    post: operations["createWebhookEndpoint"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/admin/webhook-endpoints/{id}": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    post?: never;
    /**
     * Delete a webhook endpoint
     * @description Its deliveries go with it; pending ones are never sent.
     *
     *     Key: admin (or an administrator's browser session).
     */
    delete: operations["deleteWebhookEndpoint"];
    options?: never;
    head?: never;
    /**
     * Change a webhook endpoint
     * @description Any of `url`, `events`, `enabled`, `description` (null clears it). A disabled endpoint gets no deliveries for events recorded while it is disabled (read them from `GET /api/admin/events`); its pending deliveries wait and are sent once it is enabled again. Adding `credits.deducted` counts from now: no earlier deductions are sent.
     *
     *     Key: admin (or an administrator's browser session).
     */
    patch: operations["updateWebhookEndpoint"];
    trace?: never;
  };
  "/api/admin/webhook-endpoints/{id}/rotate-secret": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Rotate an endpoint's secret
     * @description Makes a new secret and returns it, only here. For 24 hours (until `previousSecretExpiresAt`) every delivery carries two signatures in `webhook-signature`, the new secret's and the previous one's, so a receiver verifies with either while it switches. Rotating again within that time drops the older secret. No body.
     *
     *     Key: admin (or an administrator's browser session).
     */
    post: operations["rotateWebhookSecret"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/admin/events": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List events
     * @description The public events, newest first, each exactly the body its webhook deliveries send (whatever endpoints list): the way to reconcile after an outage. An event is listed once dispatched, normally within a second of the change. Page with `nextCursor` until it is null; events recorded meanwhile never shift a page. Ordering: events are sent as soon as they are dispatched and retried independently, so they can arrive out of order and more than once. `sequence` numbers a user's events (all public types, in the order they were recorded) from 1 without gaps; an endpoint that lists fewer types sees gaps. Order a user's events by `sequence` and drop repeats by `id`; nothing orders events of different users.
     *
     *     Key: admin (or an administrator's browser session).
     */
    get: operations["listEvents"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/admin/webhook-endpoints/{id}/deliveries": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    /**
     * List an endpoint's deliveries
     * @description Newest event first, with each one's status, attempts, last HTTP status and next attempt; page with `nextCursor` until it is null. `lastStatusCode` is null when there was no HTTP answer (refused, unreachable or no answer in time: these are not told apart).
     *
     *     Key: admin (or an administrator's browser session).
     */
    get: operations["listWebhookDeliveries"];
    put?: never;
    post?: never;
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "/api/admin/webhook-deliveries/{id}/retry": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Send a delivery again
     * @description Makes it due now with the same `webhook-id` (a failed one gets one more attempt; a delivered one is sent once more). No body.
     *
     *     Key: admin (or an administrator's browser session).
     */
    post: operations["retryWebhookDelivery"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export interface webhooks {
  "credits.granted": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Credits were granted
     * @description A grant was added (API, admin, subscription renewal, top-up, migration).
     *
     *     Ordering: events are sent as soon as they are dispatched and retried independently, so they can arrive out of order and more than once. `sequence` numbers a user's events (all public types, in the order they were recorded) from 1 without gaps; an endpoint that lists fewer types sees gaps. Order a user's events by `sequence` and drop repeats by `id`; nothing orders events of different users.
     */
    post: operations["webhook_credits_granted"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "credits.deducted": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Credits were spent
     * @description A deduction (or a hold's capture). Sent only to endpoints that list this type in `events` (not in the default set).
     *
     *     Ordering: events are sent as soon as they are dispatched and retried independently, so they can arrive out of order and more than once. `sequence` numbers a user's events (all public types, in the order they were recorded) from 1 without gaps; an endpoint that lists fewer types sees gaps. Order a user's events by `sequence` and drop repeats by `id`; nothing orders events of different users.
     */
    post: operations["webhook_credits_deducted"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "credits.expired": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Credits expired
     * @description What was left of a grant expired.
     *
     *     Ordering: events are sent as soon as they are dispatched and retried independently, so they can arrive out of order and more than once. `sequence` numbers a user's events (all public types, in the order they were recorded) from 1 without gaps; an endpoint that lists fewer types sees gaps. Order a user's events by `sequence` and drop repeats by `id`; nothing orders events of different users.
     */
    post: operations["webhook_credits_expired"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "credits.voided": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * A grant was voided
     * @description An admin or the API voided what was left of a grant.
     *
     *     Ordering: events are sent as soon as they are dispatched and retried independently, so they can arrive out of order and more than once. `sequence` numbers a user's events (all public types, in the order they were recorded) from 1 without gaps; an endpoint that lists fewer types sees gaps. Order a user's events by `sequence` and drop repeats by `id`; nothing orders events of different users.
     */
    post: operations["webhook_credits_voided"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "credits.expiring_soon": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * Credits expire soon
     * @description Once per grant, when it has credits left and expires within `EXPIRING_SOON_DAYS` (default 7 days).
     *
     *     Ordering: events are sent as soon as they are dispatched and retried independently, so they can arrive out of order and more than once. `sequence` numbers a user's events (all public types, in the order they were recorded) from 1 without gaps; an endpoint that lists fewer types sees gaps. Order a user's events by `sequence` and drop repeats by `id`; nothing orders events of different users.
     */
    post: operations["webhook_credits_expiring_soon"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "balance.low": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * The balance fell below the low-balance threshold
     * @description When a change takes the balance from at least the user's `lowBalanceThreshold` (default `LOW_BALANCE_THRESHOLD`, 100; 0 = off) to below it.
     *
     *     Ordering: events are sent as soon as they are dispatched and retried independently, so they can arrive out of order and more than once. `sequence` numbers a user's events (all public types, in the order they were recorded) from 1 without gaps; an endpoint that lists fewer types sees gaps. Order a user's events by `sequence` and drop repeats by `id`; nothing orders events of different users.
     */
    post: operations["webhook_balance_low"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "balance.depleted": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * The balance reached 0
     * @description When a change takes the spendable balance to 0.
     *
     *     Ordering: events are sent as soon as they are dispatched and retried independently, so they can arrive out of order and more than once. `sequence` numbers a user's events (all public types, in the order they were recorded) from 1 without gaps; an endpoint that lists fewer types sees gaps. Order a user's events by `sequence` and drop repeats by `id`; nothing orders events of different users.
     */
    post: operations["webhook_balance_depleted"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
  "hold.expired": {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    get?: never;
    put?: never;
    /**
     * A hold expired uncaptured
     * @description A hold reached `expiresAt` without being captured or released; its credits went back.
     *
     *     Ordering: events are sent as soon as they are dispatched and retried independently, so they can arrive out of order and more than once. `sequence` numbers a user's events (all public types, in the order they were recorded) from 1 without gaps; an endpoint that lists fewer types sees gaps. Order a user's events by `sequence` and drop repeats by `id`; nothing orders events of different users.
     */
    post: operations["webhook_hold_expired"];
    delete?: never;
    options?: never;
    head?: never;
    patch?: never;
    trace?: never;
  };
}
export interface components {
  schemas: {
    /**
     * @example {
     *       "id": 7,
     *       "userId": 42,
     *       "type": "topup",
     *       "amount": 500,
     *       "remaining": 475,
     *       "priority": 30,
     *       "effectiveAt": "2026-05-01T12:00:00.000Z",
     *       "expiresAt": "2027-05-01T12:00:00.000Z",
     *       "status": "active",
     *       "source": "api",
     *       "reason": "welcome pack"
     *     }
     */
    Grant: {
      id: number;
      userId: number;
      /** @enum {string} */
      type: "subscription" | "topup" | "promotional";
      /** @description Credits granted. */
      amount: number;
      /** @description Credits left. */
      remaining: number;
      /** @description Lower is spent first. */
      priority: number;
      /**
       * Format: date-time
       * @description Counts from this instant.
       * @example 2026-05-01T12:00:00.000Z
       */
      effectiveAt: string;
      /**
       * Format: date-time
       * @description Counts until this instant (exclusive); null = never expires.
       * @example 2026-05-01T12:00:00.000Z
       */
      expiresAt: string | null;
      /**
       * @description `pending` = effective later; `expired` also covers a grant past expiresAt not yet swept.
       * @enum {string}
       */
      status: "active" | "depleted" | "expired" | "voided" | "pending";
      /** @enum {string} */
      source: "subscription" | "topup" | "admin" | "api" | "migration";
      reason: string | null;
    };
    /** @description Credits were granted */
    CreditsGrantedEvent: {
      /** @description The event id (also the `webhook-id` header). */
      id: string;
      /** @enum {string} */
      type: "credits.granted";
      /**
       * Format: date-time
       * @description When the change happened.
       * @example 2026-05-01T12:00:00.000Z
       */
      createdAt: string;
      /** @description The event's number among its user's public events: 1, 2, … without gaps, in the order they were recorded. Absent on events recorded before sequence numbers existed. */
      sequence?: number;
      data: {
        /** @description The user's numeric id. */
        userId: number;
        /** @description The user's external id, or null. */
        externalId: string | null;
        grant: components["schemas"]["Grant"];
        /** @description Spendable balance after the change. */
        balance: number;
        /** @description The grant's `metadata`, as sent. */
        metadata: {
          [key: string]: unknown;
        } | null;
      };
    };
    Allocation: {
      grantId: number;
      /** @description Credits taken from (or returned to) this grant. */
      amount: number;
    };
    /**
     * @description On a deduction made by usage of a rate-card feature: the feature, quantity and price version.
     * @example {
     *       "feature": "tokens",
     *       "quantity": 1500,
     *       "priceVersion": 2,
     *       "includedUnitsUsed": 0,
     *       "carriedUnits": 500
     *     }
     */
    UsageTag: {
      /** @description The feature's key. */
      feature: string;
      /** @description Units used. */
      quantity: number;
      /** @description The feature's price version the units were charged at. */
      priceVersion: number;
      /** @description Of `quantity`, units included in the plan (free). */
      includedUnitsUsed: number;
      /** @description Units already paid for at this price and not used yet (the remainder of a started credit): the next uses spend them first. */
      carriedUnits: number;
    } | null;
    /**
     * @example {
     *       "id": 311,
     *       "amount": 25,
     *       "balance": 450,
     *       "allocations": [
     *         {
     *           "grantId": 7,
     *           "amount": 25
     *         }
     *       ],
     *       "metadata": {
     *         "job": "r-81"
     *       }
     *     }
     */
    Deduction: {
      /** @description The ledger entry's id. */
      id: number;
      /** @description Credits spent. */
      amount: number;
      /** @description Spendable balance after the deduction. */
      balance: number;
      /** @description Which grants paid, in burn-down order. */
      allocations: components["schemas"]["Allocation"][];
      /** @description Your `metadata` object, returned as sent; null when none was given. */
      metadata: {
        [key: string]: unknown;
      } | null;
    };
    /** @description Credits were spent */
    CreditsDeductedEvent: {
      /** @description The event id (also the `webhook-id` header). */
      id: string;
      /** @enum {string} */
      type: "credits.deducted";
      /**
       * Format: date-time
       * @description When the change happened.
       * @example 2026-05-01T12:00:00.000Z
       */
      createdAt: string;
      /** @description The event's number among its user's public events: 1, 2, … without gaps, in the order they were recorded. Absent on events recorded before sequence numbers existed. */
      sequence?: number;
      data: {
        /** @description The user's numeric id. */
        userId: number;
        /** @description The user's external id, or null. */
        externalId: string | null;
        /**
         * @example {
         *       "id": 311,
         *       "amount": 25,
         *       "balance": 450,
         *       "allocations": [
         *         {
         *           "grantId": 7,
         *           "amount": 25
         *         }
         *       ],
         *       "metadata": {
         *         "job": "r-81"
         *       },
         *       "reason": "image render",
         *       "holdId": null,
         *       "usage": null
         *     }
         */
        deduction: components["schemas"]["Deduction"] & {
          reason: string | null;
          /** @description The hold this capture spent, or null. */
          holdId: number | null;
          usage: components["schemas"]["UsageTag"];
        };
        /** @description Spendable balance after the change. */
        balance: number;
      };
    };
    /** @description Credits expired */
    CreditsExpiredEvent: {
      /** @description The event id (also the `webhook-id` header). */
      id: string;
      /** @enum {string} */
      type: "credits.expired";
      /**
       * Format: date-time
       * @description When the change happened.
       * @example 2026-05-01T12:00:00.000Z
       */
      createdAt: string;
      /** @description The event's number among its user's public events: 1, 2, … without gaps, in the order they were recorded. Absent on events recorded before sequence numbers existed. */
      sequence?: number;
      data: {
        /** @description The user's numeric id. */
        userId: number;
        /** @description The user's external id, or null. */
        externalId: string | null;
        grantId: number;
        amount: number;
        /** @description Spendable balance after the change. */
        balance: number;
      };
    };
    /** @description A grant was voided */
    CreditsVoidedEvent: {
      /** @description The event id (also the `webhook-id` header). */
      id: string;
      /** @enum {string} */
      type: "credits.voided";
      /**
       * Format: date-time
       * @description When the change happened.
       * @example 2026-05-01T12:00:00.000Z
       */
      createdAt: string;
      /** @description The event's number among its user's public events: 1, 2, … without gaps, in the order they were recorded. Absent on events recorded before sequence numbers existed. */
      sequence?: number;
      data: {
        /** @description The user's numeric id. */
        userId: number;
        /** @description The user's external id, or null. */
        externalId: string | null;
        grant: components["schemas"]["Grant"];
        /** @description Spendable balance after the change. */
        balance: number;
      };
    };
    /** @description Credits expire soon */
    CreditsExpiringSoonEvent: {
      /** @description The event id (also the `webhook-id` header). */
      id: string;
      /** @enum {string} */
      type: "credits.expiring_soon";
      /**
       * Format: date-time
       * @description When the change happened.
       * @example 2026-05-01T12:00:00.000Z
       */
      createdAt: string;
      /** @description The event's number among its user's public events: 1, 2, … without gaps, in the order they were recorded. Absent on events recorded before sequence numbers existed. */
      sequence?: number;
      data: {
        /** @description The user's numeric id. */
        userId: number;
        /** @description The user's external id, or null. */
        externalId: string | null;
        grantId: number;
        /** @description Credits left in the grant. */
        amount: number;
        /**
         * Format: date-time
         * @example 2026-05-01T12:00:00.000Z
         */
        expiresAt: string;
      };
    };
    /** @description The balance fell below the low-balance threshold */
    BalanceLowEvent: {
      /** @description The event id (also the `webhook-id` header). */
      id: string;
      /** @enum {string} */
      type: "balance.low";
      /**
       * Format: date-time
       * @description When the change happened.
       * @example 2026-05-01T12:00:00.000Z
       */
      createdAt: string;
      /** @description The event's number among its user's public events: 1, 2, … without gaps, in the order they were recorded. Absent on events recorded before sequence numbers existed. */
      sequence?: number;
      data: {
        /** @description The user's numeric id. */
        userId: number;
        /** @description The user's external id, or null. */
        externalId: string | null;
        /** @description Spendable balance after the change. */
        balance: number;
        threshold: number;
      };
    };
    /** @description The balance reached 0 */
    BalanceDepletedEvent: {
      /** @description The event id (also the `webhook-id` header). */
      id: string;
      /** @enum {string} */
      type: "balance.depleted";
      /**
       * Format: date-time
       * @description When the change happened.
       * @example 2026-05-01T12:00:00.000Z
       */
      createdAt: string;
      /** @description The event's number among its user's public events: 1, 2, … without gaps, in the order they were recorded. Absent on events recorded before sequence numbers existed. */
      sequence?: number;
      data: {
        /** @description The user's numeric id. */
        userId: number;
        /** @description The user's external id, or null. */
        externalId: string | null;
        /** @enum {number} */
        balance: 0;
      };
    };
    Hold: {
      id: number;
      userId: number;
      /** @description Credits reserved when the hold was made. */
      amount: number;
      /** @description Credits spent by the capture (0 until captured). */
      capturedAmount: number;
      /** @description Credits a refund or void of their grant took from the hold while it was open; it reserves (and can capture) `amount` − this. */
      clawedBackAmount: number;
      /** @enum {string} */
      status: "held" | "captured" | "released" | "expired";
      /**
       * Format: date-time
       * @description Until when the hold reserves its credits.
       * @example 2026-05-01T12:00:00.000Z
       */
      expiresAt: string;
      reason: string | null;
      /** @description Your `metadata` object, returned as sent; null when none was given. */
      metadata: {
        [key: string]: unknown;
      } | null;
      /**
       * Format: date-time
       * @example 2026-05-01T12:00:00.000Z
       */
      createdAt: string;
      /** @description On a hold made by feature: the feature's key. */
      feature?: string;
      /** @description On a hold made by feature: the units held. */
      quantity?: number;
      /** @description On a hold made by feature: the price version its capture charges. */
      priceVersion?: number;
    };
    /** @description A hold expired uncaptured */
    HoldExpiredEvent: {
      /** @description The event id (also the `webhook-id` header). */
      id: string;
      /** @enum {string} */
      type: "hold.expired";
      /**
       * Format: date-time
       * @description When the change happened.
       * @example 2026-05-01T12:00:00.000Z
       */
      createdAt: string;
      /** @description The event's number among its user's public events: 1, 2, … without gaps, in the order they were recorded. Absent on events recorded before sequence numbers existed. */
      sequence?: number;
      data: {
        /** @description The user's numeric id. */
        userId: number;
        /** @description The user's external id, or null. */
        externalId: string | null;
        hold: components["schemas"]["Hold"];
      };
    };
    /** @description An OpenAPI 3.1 document (see the OpenAPI Specification). */
    OpenApiDocument: {
      /** @enum {string} */
      openapi: "3.1.0";
    } & {
      [key: string]: unknown;
    };
    /**
     * @description Every error: `{"error": {"code", "message", "field"?}}`. A refused request writes nothing.
     * @example {
     *       "error": {
     *         "code": "invalid_request",
     *         "message": "`amount` must be at least 1.",
     *         "field": "amount"
     *       }
     *     }
     */
    Error: {
      error: {
        /**
         * @description Stable; map it, not the message (catalogue: /docs/api#errors).
         * @enum {string}
         */
        code:
          | "invalid_request"
          | "unauthenticated"
          | "insufficient_credits"
          | "forbidden"
          | "feature_not_included"
          | "feature_archived"
          | "not_found"
          | "method_not_allowed"
          | "conflict"
          | "idempotency_conflict"
          | "payload_too_large"
          | "unsupported_media_type"
          | "too_many_requests"
          | "rate_limited"
          | "internal_error"
          | "service_unavailable"
          | "storage_unavailable";
        /** @description For people; may change. */
        message: string;
        /** @description The request field at fault, when there is one. */
        field?: string;
      };
    };
    /**
     * @example {
     *       "id": 42,
     *       "email": "ada@example.com",
     *       "name": "Ada",
     *       "externalId": "acct_42",
     *       "lowBalanceThreshold": null,
     *       "balance": 450
     *     }
     */
    User: {
      id: number;
      email: string;
      /** @description Empty when not given. */
      name: string;
      /** @description Your id for this user (unique), or null. */
      externalId: string | null;
      /** @description `balance.low` fires when the balance falls below it; null = the deployment's default; 0 = off. */
      lowBalanceThreshold: number | null;
      /** @description Spendable balance now. */
      balance: number;
    };
    UserPage: {
      data: components["schemas"]["User"][];
      /** @description Pass as `cursor` for the next page; null on the last. */
      nextCursor: string | null;
    };
    Balance: {
      userId: number;
      /** @description What can be spent or held now (held credits excluded). */
      balance: number;
      /** @description What the user's active holds reserve. */
      held: number;
      breakdown: {
        subscription: number;
        topup: number;
        promotional: number;
      };
      /** @description The soonest-expiring grant in effect, or null. */
      nextExpiry: {
        amount: number;
        /**
         * Format: date-time
         * @example 2026-05-01T12:00:00.000Z
         */
        expiresAt: string;
      } | null;
      /** @description How many grants are in effect now (all of them). */
      grantCount: number;
      /** @description At most the first 100 grants in effect, in burn-down order. */
      grants: components["schemas"]["Grant"][];
    };
    CreatedGrant: {
      grant: components["schemas"]["Grant"];
      /** @description The user's spendable balance after the change. */
      balance: number;
      /** @description The grant's `metadata`, as sent; null when none was given. */
      metadata: {
        [key: string]: unknown;
      } | null;
    };
    GrantPage: {
      data: components["schemas"]["Grant"][];
      /** @description Pass as `cursor` for the next page; null on the last. */
      nextCursor: string | null;
    };
    /**
     * @example {
     *       "error": {
     *         "code": "insufficient_credits",
     *         "message": "The user has 20 credits; 25 were requested."
     *       },
     *       "balance": 20,
     *       "requested": 25
     *     }
     */
    InsufficientCredits: {
      error: {
        /** @enum {string} */
        code: "insufficient_credits";
        message: string;
      };
      /** @description What can be spent now. */
      balance: number;
      /** @description The amount asked for. */
      requested: number;
    };
    BatchResult:
      | {
          /** @enum {number} */
          status: 201;
          body: components["schemas"]["Deduction"];
          /**
           * @description Present when `idempotencyKey` replayed an earlier result.
           * @enum {boolean}
           */
          replayed?: true;
        }
      | {
          status: number;
          error: {
            /**
             * @description Stable; map it, not the message (catalogue: /docs/api#errors).
             * @enum {string}
             */
            code:
              | "invalid_request"
              | "unauthenticated"
              | "insufficient_credits"
              | "forbidden"
              | "feature_not_included"
              | "feature_archived"
              | "not_found"
              | "method_not_allowed"
              | "conflict"
              | "idempotency_conflict"
              | "payload_too_large"
              | "unsupported_media_type"
              | "too_many_requests"
              | "rate_limited"
              | "internal_error"
              | "service_unavailable"
              | "storage_unavailable";
            /** @description For people; may change. */
            message: string;
            /** @description The request field at fault, when there is one. */
            field?: string;
          };
          /** @description On 402: what can be spent now. */
          balance?: number;
          /** @description On 402: the amount asked for. */
          requested?: number;
        };
    /**
     * @example {
     *       "results": [
     *         {
     *           "status": 201,
     *           "body": {
     *             "id": 313,
     *             "amount": 5,
     *             "balance": 405,
     *             "allocations": [
     *               {
     *                 "grantId": 7,
     *                 "amount": 5
     *               }
     *             ],
     *             "metadata": null
     *           }
     *         },
     *         {
     *           "status": 402,
     *           "error": {
     *             "code": "insufficient_credits",
     *             "message": "The user has 0 credits; 5 were requested."
     *           },
     *           "balance": 0,
     *           "requested": 5
     *         }
     *       ]
     *     }
     */
    BatchAnswer: {
      /** @description One result per item, in order. */
      results: components["schemas"]["BatchResult"][];
    };
    /**
     * @example {
     *       "id": 312,
     *       "amount": -40,
     *       "balance": 410,
     *       "grantId": null,
     *       "allocations": [
     *         {
     *           "grantId": 7,
     *           "amount": 40
     *         }
     *       ]
     *     }
     */
    Adjustment: {
      /** @description The ledger entry's id. */
      id: number;
      /** @description Signed, as sent. */
      amount: number;
      /** @description Spendable balance after the adjustment. */
      balance: number;
      /** @description The grant a positive adjustment created; null for a negative one. */
      grantId: number | null;
      /** @description Where a negative adjustment took its credits from; empty for a positive one. */
      allocations: components["schemas"]["Allocation"][];
    };
    LedgerEntry: {
      id: number;
      /** @enum {string} */
      type: "grant" | "deduction" | "expiration" | "void" | "refund" | "adjustment";
      /** @description Signed: positive adds credits, negative removes them. */
      amount: number;
      /** @description Spendable balance right after this entry. */
      balanceAfter: number;
      reason: string | null;
      /** @description Your `metadata` object, returned as sent; null when none was given. */
      metadata: {
        [key: string]: unknown;
      } | null;
      /**
       * Format: date-time
       * @example 2026-05-01T12:00:00.000Z
       */
      createdAt: string;
      allocations?: components["schemas"]["Allocation"][];
      /** @description On a deduction that captured a hold. */
      holdId?: number;
      /** @description On a refund or void that took credits open holds reserved on its grant: which holds gave how many. The rest of the amount was the grant's free credits. */
      fromHolds?: {
        holdId: number;
        amount: number;
      }[];
      usage?: components["schemas"]["UsageTag"] & Record<string, never>;
    };
    LedgerPage: {
      /** @description Newest first. */
      entries: components["schemas"]["LedgerEntry"][];
      /** @description Pass as `cursor` for the next page; null on the last. */
      nextCursor: string | null;
    };
    GrantWithBalance: {
      grant: components["schemas"]["Grant"];
      /** @description The user's spendable balance after the change. */
      balance: number;
    };
    /**
     * @example {
     *       "hold": {
     *         "id": 91,
     *         "userId": 42,
     *         "amount": 100,
     *         "capturedAmount": 0,
     *         "clawedBackAmount": 0,
     *         "status": "held",
     *         "expiresAt": "2026-05-01T12:15:00.000Z",
     *         "reason": "video render r-81",
     *         "metadata": {
     *           "job": "r-81"
     *         },
     *         "createdAt": "2026-05-01T12:00:00.000Z"
     *       },
     *       "balance": 350,
     *       "held": 100
     *     }
     */
    HoldAnswer: {
      hold: components["schemas"]["Hold"];
      /** @description Spendable now (held credits excluded). */
      balance: number;
      /** @description What the user's active holds reserve now. */
      held: number;
    };
    HoldCapture: {
      hold: components["schemas"]["Hold"];
      deduction: components["schemas"]["Deduction"] & (Record<string, never> | null);
      /** @description What the user's active holds reserve now. */
      held: number;
      /** @description On a feature hold's capture: the use it recorded. */
      usage?: {
        /** @description The usage record's id. */
        id: number;
        feature: string;
        quantity: number;
        /** @description Credits charged (0 when included units or the carried remainder covered the use). */
        credits: number;
        /** @description Of `quantity`, units included in the plan. */
        includedUnitsUsed: number;
        /** @description Spendable balance after the use. */
        balance: number;
      };
    };
    /**
     * @description A capture or release of a hold that is no longer `held`.
     * @example {
     *       "error": {
     *         "code": "conflict",
     *         "message": "Hold 91 is captured; only a held hold can be released."
     *       },
     *       "status": "captured"
     *     }
     */
    HoldConflict: {
      error: {
        /**
         * @description Stable; map it, not the message (catalogue: /docs/api#errors).
         * @enum {string}
         */
        code:
          | "invalid_request"
          | "unauthenticated"
          | "insufficient_credits"
          | "forbidden"
          | "feature_not_included"
          | "feature_archived"
          | "not_found"
          | "method_not_allowed"
          | "conflict"
          | "idempotency_conflict"
          | "payload_too_large"
          | "unsupported_media_type"
          | "too_many_requests"
          | "rate_limited"
          | "internal_error"
          | "service_unavailable"
          | "storage_unavailable";
        /** @description For people; may change. */
        message: string;
        /** @description The request field at fault, when there is one. */
        field?: string;
      };
      /**
       * @description The hold's status now.
       * @enum {string}
       */
      status: "held" | "captured" | "released" | "expired";
      /** @description Only on a hold still `held` that reserves nothing: the credits refunds or voids of its grants took from it. */
      clawedBackAmount?: number;
    };
    /**
     * @example {
     *       "allowed": true,
     *       "credits": 3,
     *       "balance": 450,
     *       "includedRemaining": 0
     *     }
     */
    UsageCheck: {
      allowed: boolean;
      /** @description What the use would cost now, after included units and the carried remainder. */
      credits: number;
      /** @description Spendable now. */
      balance: number;
      /** @description Included units left this billing period (0 if none). */
      includedRemaining: number;
      /**
       * @description Why not, when `allowed` is false.
       * @enum {string}
       */
      reason?: "insufficient_credits" | "feature_not_included" | "feature_archived";
    };
    /** @description The ledger deduction; null when nothing was charged. */
    UsageDeduction: {
      /** @description The ledger entry's id (its `usage` names the feature). */
      id: number;
      /** @description Credits spent. */
      amount: number;
      /** @description Spendable balance after the deduction. */
      balance: number;
      /** @description Which grants paid, in burn-down order. */
      allocations: components["schemas"]["Allocation"][];
    } | null;
    /**
     * @example {
     *       "id": 501,
     *       "feature": "images",
     *       "quantity": 2,
     *       "credits": 6,
     *       "includedUnitsUsed": 0,
     *       "balance": 444,
     *       "deduction": {
     *         "id": 320,
     *         "amount": 6,
     *         "balance": 444,
     *         "allocations": [
     *           {
     *             "grantId": 7,
     *             "amount": 6
     *           }
     *         ]
     *       }
     *     }
     */
    Usage: {
      /** @description The usage record's id. */
      id: number;
      feature: string;
      quantity: number;
      /** @description Credits charged (0 when included units or the carried remainder covered the use). */
      credits: number;
      /** @description Of `quantity`, units included in the plan. */
      includedUnitsUsed: number;
      /** @description Spendable balance after the use. */
      balance: number;
      deduction: components["schemas"]["UsageDeduction"];
    };
    /**
     * @example {
     *       "data": [
     *         {
     *           "feature": "images",
     *           "quantity": 12,
     *           "credits": 30
     *         }
     *       ]
     *     }
     */
    UsageSummary: {
      /** @description One row per feature used in the range, by key. */
      data: {
        feature: string;
        /** @description Units used (included ones too). */
        quantity: number;
        /** @description Credits charged for them, at the prices of their time. */
        credits: number;
      }[];
    };
    UsageBatchResult:
      | {
          /** @enum {number} */
          status: 201;
          body: components["schemas"]["Usage"];
          /**
           * @description Present when `idempotencyKey` replayed an earlier result.
           * @enum {boolean}
           */
          replayed?: true;
        }
      | {
          status: number;
          error: {
            /**
             * @description Stable; map it, not the message (catalogue: /docs/api#errors).
             * @enum {string}
             */
            code:
              | "invalid_request"
              | "unauthenticated"
              | "insufficient_credits"
              | "forbidden"
              | "feature_not_included"
              | "feature_archived"
              | "not_found"
              | "method_not_allowed"
              | "conflict"
              | "idempotency_conflict"
              | "payload_too_large"
              | "unsupported_media_type"
              | "too_many_requests"
              | "rate_limited"
              | "internal_error"
              | "service_unavailable"
              | "storage_unavailable";
            /** @description For people; may change. */
            message: string;
            /** @description The request field at fault, when there is one. */
            field?: string;
          };
          /** @description On 402: what can be spent now. */
          balance?: number;
          /** @description On 402: the credits the use would cost. */
          requested?: number;
        };
    UsageBatchAnswer: {
      /** @description One result per event, in order. */
      results: components["schemas"]["UsageBatchResult"][];
    };
    AutoTopup: {
      userId: number;
      enabled: boolean;
      /** @description The top-up pack bought automatically. */
      topupPlanId: number | null;
      /** @description A pack is bought when a change takes the balance below this. */
      threshold: number | null;
      /** @description At most this many packs per calendar month (UTC). */
      monthlyCapPacks: number | null;
      /** @description Why auto top-up turned itself off (a declined card), until the setting changes. */
      notice: string | null;
      /** @description Packs bought (or being bought) automatically this month. */
      usedThisMonth: number;
      attempts: {
        id: number;
        /** @enum {string} */
        status: "pending" | "processing" | "succeeded" | "failed";
        packName: string;
        credits: number;
        amountCents: number;
        currency: string;
        stripePaymentIntentId: string | null;
        failureMessage: string | null;
        amountRefundedCents: number;
        /**
         * Format: date-time
         * @example 2026-05-01T12:00:00.000Z
         */
        createdAt: string;
      }[];
    };
    /** @description The plan's own price; null = the base price. */
    PriceVersion: {
      /** @description 1, 2, … per feature, in the order prices were made. */
      version: number;
      /** @description Credits per `perUnits` units (0 = free). */
      credits: number;
      perUnits: number;
      /**
       * Format: date-time
       * @description In effect from this instant.
       * @example 2026-05-01T12:00:00.000Z
       */
      effectiveAt: string;
      /**
       * Format: date-time
       * @example 2026-05-01T12:00:00.000Z
       */
      createdAt: string;
    } | null;
    PlanFeature: {
      feature: string;
      /** @description false: the feature is not in the plan (`feature_not_included`). */
      enabled: boolean;
      price: components["schemas"]["PriceVersion"];
      /** @description Free units per billing period; reset at renewal. */
      includedUnits: number;
    };
    SubscriptionPlan: {
      id: number;
      internalId: string;
      publicName: string;
      stripePriceId: string | null;
      stripeProductId: string | null;
      credits: number;
      priceCents: number;
      currency: string;
      creditExpiryDays: number;
      isLegacy: boolean;
      isActive: boolean;
      /**
       * Format: date-time
       * @example 2026-05-01T12:00:00.000Z
       */
      archivedAt: string | null;
      planFamily: string;
      version: number;
      /** @enum {string} */
      interval: "month" | "year";
      /** @description Share of unused credits rolled over at renewal, 0–100. */
      rolloverPercent: number;
      /** @description Cap on rolled-over credits; null = none. */
      rolloverMaxCredits: number | null;
      /** @description This version's terms for rate-card features, by key; a feature not listed is on its base terms. */
      features: components["schemas"]["PlanFeature"][];
    };
    Deleted: {
      /** @enum {boolean} */
      deleted: true;
    };
    TopupPlan: {
      id: number;
      internalId: string;
      publicName: string;
      stripePriceId: string | null;
      stripeProductId: string | null;
      credits: number;
      priceCents: number;
      currency: string;
      creditExpiryDays: number;
      isLegacy: boolean;
      isActive: boolean;
      /**
       * Format: date-time
       * @example 2026-05-01T12:00:00.000Z
       */
      archivedAt: string | null;
    };
    /**
     * @example {
     *       "key": "tokens",
     *       "name": "Tokens",
     *       "unitName": "token",
     *       "description": null,
     *       "archived": false,
     *       "archivedAt": null,
     *       "price": {
     *         "version": 1,
     *         "credits": 1,
     *         "perUnits": 1000,
     *         "effectiveAt": "2026-05-01T12:00:00.000Z",
     *         "createdAt": "2026-05-01T12:00:00.000Z"
     *       },
     *       "prices": [
     *         {
     *           "version": 1,
     *           "credits": 1,
     *           "perUnits": 1000,
     *           "effectiveAt": "2026-05-01T12:00:00.000Z",
     *           "createdAt": "2026-05-01T12:00:00.000Z"
     *         }
     *       ],
     *       "createdAt": "2026-05-01T12:00:00.000Z",
     *       "updatedAt": "2026-05-01T12:00:00.000Z"
     *     }
     */
    Feature: {
      key: string;
      name: string;
      unitName: string;
      description: string | null;
      archived: boolean;
      /**
       * Format: date-time
       * @example 2026-05-01T12:00:00.000Z
       */
      archivedAt: string | null;
      price: components["schemas"]["PriceVersion"] & Record<string, never>;
      /** @description Every base price version, latest effectiveAt first (scheduled ones too). */
      prices: (components["schemas"]["PriceVersion"] & Record<string, never>)[];
      /**
       * Format: date-time
       * @example 2026-05-01T12:00:00.000Z
       */
      createdAt: string;
      /**
       * Format: date-time
       * @example 2026-05-01T12:00:00.000Z
       */
      updatedAt: string;
    };
    StripeEventReplay: {
      event: {
        id: string;
        /** @enum {string} */
        status: "received" | "processed" | "ignored" | "held" | "failed";
      };
      /** @enum {string} */
      outcome: "processed" | "ignored" | "held" | "failed" | "duplicate";
      reason: string | null;
    };
    /**
     * @example {
     *       "id": 3,
     *       "url": "https://example.com/hooks/credits",
     *       "events": [
     *         "credits.granted",
     *         "balance.low",
     *         "balance.depleted"
     *       ],
     *       "description": "billing service",
     *       "enabled": true,
     *       "previousSecretExpiresAt": null,
     *       "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
     *       "createdAt": "2026-05-01T12:00:00.000Z"
     *     }
     */
    CreatedWebhookEndpoint: {
      id: number;
      url: string;
      events: (
        | "credits.granted"
        | "credits.deducted"
        | "credits.expired"
        | "credits.voided"
        | "credits.expiring_soon"
        | "balance.low"
        | "balance.depleted"
        | "hold.expired"
      )[];
      description: string | null;
      enabled: boolean;
      previousSecretExpiresAt: string | null;
      createdAt: string;
      secret: string;
    };
    /** @description An endpoint that receives events; its secret is shown only when it is created or rotated. */
    WebhookEndpoint: {
      id: number;
      url: string;
      events: (
        | "credits.granted"
        | "credits.deducted"
        | "credits.expired"
        | "credits.voided"
        | "credits.expiring_soon"
        | "balance.low"
        | "balance.depleted"
        | "hold.expired"
      )[];
      description: string | null;
      enabled: boolean;
      previousSecretExpiresAt: string | null;
      createdAt: string;
    };
    WebhookDelivery: {
      id: number;
      eventId: string;
      /** @enum {string} */
      type:
        | "credits.granted"
        | "credits.deducted"
        | "credits.expired"
        | "credits.voided"
        | "credits.expiring_soon"
        | "balance.low"
        | "balance.depleted"
        | "hold.expired"
        | "webhook.test";
      /** @enum {string} */
      status: "pending" | "delivered" | "failed";
      attempts: number;
      lastStatusCode: number | null;
      nextAttemptAt: string | null;
    };
  };
  responses: never;
  parameters: never;
  requestBodies: never;
  headers: never;
  pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
  getOpenApiDocument: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The OpenAPI document. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["OpenApiDocument"];
        };
      };
      /** @description `method_not_allowed`: only GET (and HEAD) are answered. */
      405: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  searchUsers: {
    parameters: {
      query?: {
        q?: string;
        limit?: number;
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of users. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["UserPage"];
        };
      };
      /** @description `q`, `limit` or `cursor` is not valid. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The key (or user) is not an admin. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `rate_limited`: the key's requests per second are used up; wait `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          /** @description The key's limit, requests per second. */
          "RateLimit-Limit"?: string;
          /** @description Requests left now (0). */
          "RateLimit-Remaining"?: string;
          /** @description Seconds until the bucket holds a request again. */
          "RateLimit-Reset"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  createUser: {
    parameters: {
      query?: never;
      header?: {
        "Idempotency-Key"?: string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "email": "ada@example.com",
         *       "name": "Ada",
         *       "externalId": "acct_42"
         *     }
         */
        "application/json": {
          /** Format: email */
          email: string;
          name?: string | null;
          /** @description Your id for the user: 1–255 characters, no control characters; unique, case-sensitive. */
          externalId?: string;
        };
      };
    };
    responses: {
      /** @description Created. */
      201: {
        headers: {
          /** @description `true` when this is the stored answer to an earlier request with the same Idempotency-Key. */
          "Idempotent-Replayed"?: "true";
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["User"];
        };
      };
      /** @description Invalid input: the body is not a JSON object or a field is wrong (`field` names it). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The key (or user) is not an admin. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `conflict`: the email or the external id is taken. */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is over 1 MiB. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is not JSON (`Content-Type: application/json`). */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `rate_limited`: the key's requests per second are used up; wait `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          /** @description The key's limit, requests per second. */
          "RateLimit-Limit"?: string;
          /** @description Requests left now (0). */
          "RateLimit-Remaining"?: string;
          /** @description Seconds until the bucket holds a request again. */
          "RateLimit-Reset"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `storage_unavailable` (the disk is full, read-only or failing) or `service_unavailable` (the database is busy): nothing was written; retry after `Retry-After` seconds. */
      503: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getUser: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        userId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The user. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["User"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No such user. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `rate_limited`: the key's requests per second are used up; wait `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          /** @description The key's limit, requests per second. */
          "RateLimit-Limit"?: string;
          /** @description Requests left now (0). */
          "RateLimit-Remaining"?: string;
          /** @description Seconds until the bucket holds a request again. */
          "RateLimit-Reset"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  updateUser: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        userId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "name": "Ada Lovelace",
         *       "externalId": "acct_42",
         *       "lowBalanceThreshold": 50
         *     }
         */
        "application/json": {
          name?: string | null;
          /** @description Your id for the user: 1–255 characters, no control characters; unique, case-sensitive. */
          externalId?: string;
          lowBalanceThreshold?: number | null;
        };
      };
    };
    responses: {
      /** @description The user as updated. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["User"];
        };
      };
      /** @description Invalid input: the body is not a JSON object or a field is wrong (`field` names it). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The key (or user) is not an admin. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No such user. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `conflict`: another user has this external id. */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is over 1 MiB. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is not JSON (`Content-Type: application/json`). */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `rate_limited`: the key's requests per second are used up; wait `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          /** @description The key's limit, requests per second. */
          "RateLimit-Limit"?: string;
          /** @description Requests left now (0). */
          "RateLimit-Remaining"?: string;
          /** @description Seconds until the bucket holds a request again. */
          "RateLimit-Reset"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `storage_unavailable` (the disk is full, read-only or failing) or `service_unavailable` (the database is busy): nothing was written; retry after `Retry-After` seconds. */
      503: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getBalance: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        userId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The balance. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Balance"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No such user. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `rate_limited`: the key's requests per second are used up; wait `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          /** @description The key's limit, requests per second. */
          "RateLimit-Limit"?: string;
          /** @description Requests left now (0). */
          "RateLimit-Remaining"?: string;
          /** @description Seconds until the bucket holds a request again. */
          "RateLimit-Reset"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  listGrants: {
    parameters: {
      query?: {
        status?: "active" | "pending" | "depleted" | "expired" | "voided" | "all";
        limit?: number;
        cursor?: string;
      };
      header?: never;
      path: {
        userId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of grants. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["GrantPage"];
        };
      };
      /** @description `status`, `limit` or `cursor` is not valid (a cursor belongs to one status). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No such user. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `rate_limited`: the key's requests per second are used up; wait `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          /** @description The key's limit, requests per second. */
          "RateLimit-Limit"?: string;
          /** @description Requests left now (0). */
          "RateLimit-Remaining"?: string;
          /** @description Seconds until the bucket holds a request again. */
          "RateLimit-Reset"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  createGrant: {
    parameters: {
      query?: never;
      header?: {
        "Idempotency-Key"?: string;
      };
      path: {
        userId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "amount": 500,
         *       "type": "promotional",
         *       "expiresAt": "2026-12-31T00:00:00Z",
         *       "reason": "welcome"
         *     }
         */
        "application/json": {
          amount: number;
          /** @enum {string} */
          type: "subscription" | "topup" | "promotional";
          /**
           * Format: date-time
           * @description ISO-8601 date-time with `Z` or an offset (a date alone is refused).
           * @example 2026-06-01T00:00:00Z
           */
          expiresAt?: string;
          /**
           * Format: date-time
           * @description ISO-8601 date-time with `Z` or an offset (a date alone is refused).
           * @example 2026-06-01T00:00:00Z
           */
          effectiveAt?: string;
          priority?: number | null;
          reason?: string | null;
          /** @description Any JSON object, stored and returned as sent. */
          metadata?: {
            [key: string]: unknown;
          };
        };
      };
    };
    responses: {
      /** @description Granted. */
      201: {
        headers: {
          /** @description `true` when this is the stored answer to an earlier request with the same Idempotency-Key. */
          "Idempotent-Replayed"?: "true";
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["CreatedGrant"];
        };
      };
      /** @description Invalid input: the body is not a JSON object or a field is wrong (`field` names it). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The key (or user) is not an admin. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No such user. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `idempotency_conflict`: the Idempotency-Key was used with another body. */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is over 1 MiB. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is not JSON (`Content-Type: application/json`). */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `rate_limited`: the key's requests per second are used up; wait `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          /** @description The key's limit, requests per second. */
          "RateLimit-Limit"?: string;
          /** @description Requests left now (0). */
          "RateLimit-Remaining"?: string;
          /** @description Seconds until the bucket holds a request again. */
          "RateLimit-Reset"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `storage_unavailable` (the disk is full, read-only or failing) or `service_unavailable` (the database is busy): nothing was written; retry after `Retry-After` seconds. */
      503: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  createDeduction: {
    parameters: {
      query?: never;
      header?: {
        "Idempotency-Key"?: string;
      };
      path: {
        userId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "amount": 25,
         *       "reason": "image render",
         *       "metadata": {
         *         "job": "r-81"
         *       }
         *     }
         */
        "application/json": {
          amount: number;
          reason?: string | null;
          /** @description Any JSON object, stored and returned as sent. */
          metadata?: {
            [key: string]: unknown;
          };
        };
      };
    };
    responses: {
      /** @description Spent. */
      201: {
        headers: {
          /** @description `true` when this is the stored answer to an earlier request with the same Idempotency-Key. */
          "Idempotent-Replayed"?: "true";
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Deduction"];
        };
      };
      /** @description Invalid input: the body is not a JSON object or a field is wrong (`field` names it). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `insufficient_credits`: not enough spendable credits; nothing was spent. */
      402: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["InsufficientCredits"];
        };
      };
      /** @description No such user. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `idempotency_conflict`: the Idempotency-Key was used with another body. */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is over 1 MiB. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is not JSON (`Content-Type: application/json`). */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `rate_limited`: the key's requests per second are used up; wait `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          /** @description The key's limit, requests per second. */
          "RateLimit-Limit"?: string;
          /** @description Requests left now (0). */
          "RateLimit-Remaining"?: string;
          /** @description Seconds until the bucket holds a request again. */
          "RateLimit-Reset"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `storage_unavailable` (the disk is full, read-only or failing) or `service_unavailable` (the database is busy): nothing was written; retry after `Retry-After` seconds. */
      503: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  createDeductionBatch: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "items": [
         *         {
         *           "userId": 42,
         *           "amount": 5,
         *           "reason": "tokens",
         *           "idempotencyKey": "meter-2026-05-01-42"
         *         },
         *         {
         *           "userId": "ext:acct_7",
         *           "amount": 5,
         *           "reason": "tokens"
         *         }
         *       ]
         *     }
         */
        "application/json": {
          items: {
            amount: number;
            reason?: string | null;
            /** @description Any JSON object, stored and returned as sent. */
            metadata?: {
              [key: string]: unknown;
            };
            userId: number | string;
            idempotencyKey?: string | null;
          }[];
        };
      };
    };
    responses: {
      /** @description One result per item, in order. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["BatchAnswer"];
        };
      };
      /** @description The batch itself is malformed (`items` not an array, empty or over 1,000): nothing was written. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is over 4 MiB. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is not JSON (`Content-Type: application/json`). */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `rate_limited`: the key's requests per second are used up; wait `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          /** @description The key's limit, requests per second. */
          "RateLimit-Limit"?: string;
          /** @description Requests left now (0). */
          "RateLimit-Remaining"?: string;
          /** @description Seconds until the bucket holds a request again. */
          "RateLimit-Reset"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `storage_unavailable` (the disk is full, read-only or failing) or `service_unavailable` (the database is busy): nothing was written; retry after `Retry-After` seconds. */
      503: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  createAdjustment: {
    parameters: {
      query?: never;
      header?: {
        "Idempotency-Key"?: string;
      };
      path: {
        userId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "amount": -40,
         *       "reason": "refund of a failed job was doubled"
         *     }
         */
        "application/json": {
          amount: number;
          reason: string;
        };
      };
    };
    responses: {
      /** @description Adjusted. */
      201: {
        headers: {
          /** @description `true` when this is the stored answer to an earlier request with the same Idempotency-Key. */
          "Idempotent-Replayed"?: "true";
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Adjustment"];
        };
      };
      /** @description Invalid input: the body is not a JSON object or a field is wrong (`field` names it). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `insufficient_credits`: a negative amount larger than the balance; nothing was taken. */
      402: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["InsufficientCredits"];
        };
      };
      /** @description The key (or user) is not an admin. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No such user. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `idempotency_conflict`: the Idempotency-Key was used with another body. */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is over 1 MiB. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is not JSON (`Content-Type: application/json`). */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `rate_limited`: the key's requests per second are used up; wait `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          /** @description The key's limit, requests per second. */
          "RateLimit-Limit"?: string;
          /** @description Requests left now (0). */
          "RateLimit-Remaining"?: string;
          /** @description Seconds until the bucket holds a request again. */
          "RateLimit-Reset"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `storage_unavailable` (the disk is full, read-only or failing) or `service_unavailable` (the database is busy): nothing was written; retry after `Retry-After` seconds. */
      503: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  listLedger: {
    parameters: {
      query?: {
        limit?: number;
        cursor?: string;
      };
      header?: never;
      path: {
        userId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of entries. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["LedgerPage"];
        };
      };
      /** @description `limit` or `cursor` is not valid. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No such user. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `rate_limited`: the key's requests per second are used up; wait `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          /** @description The key's limit, requests per second. */
          "RateLimit-Limit"?: string;
          /** @description Requests left now (0). */
          "RateLimit-Remaining"?: string;
          /** @description Seconds until the bucket holds a request again. */
          "RateLimit-Reset"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  voidGrant: {
    parameters: {
      query?: never;
      header?: {
        "Idempotency-Key"?: string;
      };
      path: {
        grantId: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        /**
         * @example {
         *       "reason": "granted by mistake"
         *     }
         */
        "application/json": {
          reason?: string | null;
        };
      };
    };
    responses: {
      /** @description Voided. */
      200: {
        headers: {
          /** @description `true` when this is the stored answer to an earlier request with the same Idempotency-Key. */
          "Idempotent-Replayed"?: "true";
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["GrantWithBalance"];
        };
      };
      /** @description Invalid input: the body is not a JSON object or a field is wrong (`field` names it). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The key (or user) is not an admin. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No such grant. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `idempotency_conflict`: the Idempotency-Key was used with another body. */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is over 1 MiB. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is not JSON (`Content-Type: application/json`). */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `rate_limited`: the key's requests per second are used up; wait `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          /** @description The key's limit, requests per second. */
          "RateLimit-Limit"?: string;
          /** @description Requests left now (0). */
          "RateLimit-Remaining"?: string;
          /** @description Seconds until the bucket holds a request again. */
          "RateLimit-Reset"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `storage_unavailable` (the disk is full, read-only or failing) or `service_unavailable` (the database is busy): nothing was written; retry after `Retry-After` seconds. */
      503: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  createHold: {
    parameters: {
      query?: never;
      header?: {
        "Idempotency-Key"?: string;
      };
      path: {
        userId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "amount": 100,
         *       "expiresInSeconds": 900,
         *       "reason": "video render r-81",
         *       "metadata": {
         *         "job": "r-81"
         *       }
         *     }
         */
        "application/json": {
          amount?: number;
          feature?: string;
          quantity?: number;
          expiresInSeconds?: number | null;
          reason?: string | null;
          /** @description Any JSON object, stored and returned as sent. */
          metadata?: {
            [key: string]: unknown;
          };
        };
      };
    };
    responses: {
      /** @description Held. */
      201: {
        headers: {
          /** @description `true` when this is the stored answer to an earlier request with the same Idempotency-Key. */
          "Idempotent-Replayed"?: "true";
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["HoldAnswer"];
        };
      };
      /** @description Invalid input: the body is not a JSON object or a field is wrong (`field` names it). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `insufficient_credits`: not enough spendable credits; nothing was held. */
      402: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["InsufficientCredits"];
        };
      };
      /** @description `feature_not_included`: the user's plan does not include the feature; or `feature_archived`: the feature is archived. Nothing was written. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No such user (or feature). */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `idempotency_conflict`: the Idempotency-Key was used with another body. */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is over 1 MiB. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is not JSON (`Content-Type: application/json`). */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `rate_limited`: the key's requests per second are used up; wait `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          /** @description The key's limit, requests per second. */
          "RateLimit-Limit"?: string;
          /** @description Requests left now (0). */
          "RateLimit-Remaining"?: string;
          /** @description Seconds until the bucket holds a request again. */
          "RateLimit-Reset"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `storage_unavailable` (the disk is full, read-only or failing) or `service_unavailable` (the database is busy): nothing was written; retry after `Retry-After` seconds. */
      503: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getHold: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        holdId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The hold. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            hold: components["schemas"]["Hold"];
          };
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No such hold. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `rate_limited`: the key's requests per second are used up; wait `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          /** @description The key's limit, requests per second. */
          "RateLimit-Limit"?: string;
          /** @description Requests left now (0). */
          "RateLimit-Remaining"?: string;
          /** @description Seconds until the bucket holds a request again. */
          "RateLimit-Reset"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  captureHold: {
    parameters: {
      query?: never;
      header?: {
        "Idempotency-Key"?: string;
      };
      path: {
        holdId: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        /**
         * @example {
         *       "amount": 80
         *     }
         */
        "application/json": {
          amount?: number | null;
          quantity?: number | null;
        };
      };
    };
    responses: {
      /** @description Captured. */
      200: {
        headers: {
          /** @description `true` when this is the stored answer to an earlier request with the same Idempotency-Key. */
          "Idempotent-Replayed"?: "true";
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["HoldCapture"];
        };
      };
      /** @description `amount` is not valid, or more than the hold reserves; or `quantity` on a credit hold, `amount` on a feature hold, or more units than held. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No such hold. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `conflict` (with the hold's `status`), or `idempotency_conflict`: the hold is no longer `held` (captured, released or past `expiresAt`), or the Idempotency-Key was used with another body. Or the hold reserves nothing: refunds or voids of its grants took it all. */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["HoldConflict"] | components["schemas"]["Error"];
        };
      };
      /** @description The body is over 1 MiB. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is not JSON (`Content-Type: application/json`). */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `rate_limited`: the key's requests per second are used up; wait `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          /** @description The key's limit, requests per second. */
          "RateLimit-Limit"?: string;
          /** @description Requests left now (0). */
          "RateLimit-Remaining"?: string;
          /** @description Seconds until the bucket holds a request again. */
          "RateLimit-Reset"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `storage_unavailable` (the disk is full, read-only or failing) or `service_unavailable` (the database is busy): nothing was written; retry after `Retry-After` seconds. */
      503: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  releaseHold: {
    parameters: {
      query?: never;
      header?: {
        "Idempotency-Key"?: string;
      };
      path: {
        holdId: string;
      };
      cookie?: never;
    };
    requestBody?: {
      content: {
        /** @example {} */
        "application/json": Record<string, never>;
      };
    };
    responses: {
      /** @description Released. */
      200: {
        headers: {
          /** @description `true` when this is the stored answer to an earlier request with the same Idempotency-Key. */
          "Idempotent-Replayed"?: "true";
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["HoldAnswer"];
        };
      };
      /** @description Invalid input: the body is not a JSON object or a field is wrong (`field` names it). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No such hold. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `conflict` (with the hold's `status`), or `idempotency_conflict`: the hold is no longer `held` (captured, released or past `expiresAt`), or the Idempotency-Key was used with another body. */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["HoldConflict"] | components["schemas"]["Error"];
        };
      };
      /** @description The body is over 1 MiB. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is not JSON (`Content-Type: application/json`). */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `rate_limited`: the key's requests per second are used up; wait `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          /** @description The key's limit, requests per second. */
          "RateLimit-Limit"?: string;
          /** @description Requests left now (0). */
          "RateLimit-Remaining"?: string;
          /** @description Seconds until the bucket holds a request again. */
          "RateLimit-Reset"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `storage_unavailable` (the disk is full, read-only or failing) or `service_unavailable` (the database is busy): nothing was written; retry after `Retry-After` seconds. */
      503: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  checkUsage: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        userId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "feature": "images",
         *       "quantity": 2
         *     }
         */
        "application/json": {
          feature: string;
          quantity: number;
        };
      };
    };
    responses: {
      /** @description The answer. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["UsageCheck"];
        };
      };
      /** @description Invalid input: the body is not a JSON object or a field is wrong (`field` names it). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No such user or feature. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is over 1 MiB. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is not JSON (`Content-Type: application/json`). */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `rate_limited`: the key's requests per second are used up; wait `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          /** @description The key's limit, requests per second. */
          "RateLimit-Limit"?: string;
          /** @description Requests left now (0). */
          "RateLimit-Remaining"?: string;
          /** @description Seconds until the bucket holds a request again. */
          "RateLimit-Reset"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `storage_unavailable` (the disk is full, read-only or failing) or `service_unavailable` (the database is busy): nothing was written; retry after `Retry-After` seconds. */
      503: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getUsageSummary: {
    parameters: {
      query?: {
        from?: string;
        to?: string;
      };
      header?: never;
      path: {
        userId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Usage by feature. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["UsageSummary"];
        };
      };
      /** @description `from` or `to` is not a date-time, or `from` is not before `to`. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No such user. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `rate_limited`: the key's requests per second are used up; wait `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          /** @description The key's limit, requests per second. */
          "RateLimit-Limit"?: string;
          /** @description Requests left now (0). */
          "RateLimit-Remaining"?: string;
          /** @description Seconds until the bucket holds a request again. */
          "RateLimit-Reset"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  recordUsage: {
    parameters: {
      query?: never;
      header?: {
        "Idempotency-Key"?: string;
      };
      path: {
        userId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "feature": "tokens",
         *       "quantity": 1500,
         *       "metadata": {
         *         "request": "r-81"
         *       }
         *     }
         */
        "application/json": {
          feature: string;
          quantity: number;
          /** @description Any JSON object, stored and returned as sent. */
          metadata?: {
            [key: string]: unknown;
          };
        };
      };
    };
    responses: {
      /** @description Recorded. */
      201: {
        headers: {
          /** @description `true` when this is the stored answer to an earlier request with the same Idempotency-Key. */
          "Idempotent-Replayed"?: "true";
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Usage"];
        };
      };
      /** @description Invalid input: the body is not a JSON object or a field is wrong (`field` names it). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `insufficient_credits`: the use costs more than the spendable credits; nothing was written. */
      402: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["InsufficientCredits"];
        };
      };
      /** @description `feature_not_included`: the user's plan does not include the feature; or `feature_archived`: the feature is archived. Nothing was written. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No such user or feature. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `idempotency_conflict`: the Idempotency-Key was used with another body. */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is over 1 MiB. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is not JSON (`Content-Type: application/json`). */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `rate_limited`: the key's requests per second are used up; wait `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          /** @description The key's limit, requests per second. */
          "RateLimit-Limit"?: string;
          /** @description Requests left now (0). */
          "RateLimit-Remaining"?: string;
          /** @description Seconds until the bucket holds a request again. */
          "RateLimit-Reset"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `storage_unavailable` (the disk is full, read-only or failing) or `service_unavailable` (the database is busy): nothing was written; retry after `Retry-After` seconds. */
      503: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  recordUsageBatch: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "events": [
         *         {
         *           "userId": 42,
         *           "feature": "tokens",
         *           "quantity": 1500,
         *           "idempotencyKey": "req-81"
         *         },
         *         {
         *           "userId": "ext:acct_7",
         *           "feature": "images",
         *           "quantity": 1,
         *           "idempotencyKey": "req-82"
         *         }
         *       ]
         *     }
         */
        "application/json": {
          events: {
            feature: string;
            quantity: number;
            /** @description Any JSON object, stored and returned as sent. */
            metadata?: {
              [key: string]: unknown;
            };
            userId: number | string;
            idempotencyKey: string;
          }[];
        };
      };
    };
    responses: {
      /** @description One result per event, in order. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["UsageBatchAnswer"];
        };
      };
      /** @description The batch itself is malformed (`events` not an array, empty or over 1,000): nothing was written. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is over 4 MiB. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is not JSON (`Content-Type: application/json`). */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `rate_limited`: the key's requests per second are used up; wait `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          /** @description The key's limit, requests per second. */
          "RateLimit-Limit"?: string;
          /** @description Requests left now (0). */
          "RateLimit-Remaining"?: string;
          /** @description Seconds until the bucket holds a request again. */
          "RateLimit-Reset"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `storage_unavailable` (the disk is full, read-only or failing) or `service_unavailable` (the database is busy): nothing was written; retry after `Retry-After` seconds. */
      503: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  updateAutoTopup: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        userId: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "enabled": true,
         *       "topupPlanId": 2,
         *       "threshold": 100,
         *       "monthlyCapPacks": 3
         *     }
         */
        "application/json": {
          enabled?: boolean;
          topupPlanId?: number;
          threshold?: number;
          monthlyCapPacks?: number;
        };
      };
    };
    responses: {
      /** @description The setting as saved. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["AutoTopup"];
        };
      };
      /** @description A field is not valid, a first setting lacks one of the three numbers, or the pack is not on sale (`field` names it). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The key (or user) is not an admin. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No such user. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `conflict`: turning it on needs a card saved at a checkout (buy a pack once first). */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is over 4 KiB. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is not JSON (`Content-Type: application/json`). */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `rate_limited`: the key's requests per second are used up; wait `Retry-After` seconds. */
      429: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          /** @description The key's limit, requests per second. */
          "RateLimit-Limit"?: string;
          /** @description Requests left now (0). */
          "RateLimit-Remaining"?: string;
          /** @description Seconds until the bucket holds a request again. */
          "RateLimit-Reset"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `storage_unavailable` (the disk is full, read-only or failing) or `service_unavailable` (the database is busy): nothing was written; retry after `Retry-After` seconds. */
      503: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  listSubscriptionPlans: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The plans. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            data: components["schemas"]["SubscriptionPlan"][];
          };
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The key (or user) is not an admin. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  createSubscriptionPlan: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "planFamily": "starter",
         *       "publicName": "Starter",
         *       "credits": 1000,
         *       "priceCents": 900,
         *       "interval": "month",
         *       "features": {
         *         "images": {
         *           "includedUnits": 100,
         *           "price": {
         *             "credits": 2,
         *             "perUnits": 1
         *           }
         *         }
         *       }
         *     }
         */
        "application/json": {
          internalId?: string;
          planFamily: string;
          version?: number;
          publicName: string;
          stripePriceId?: string;
          credits: number;
          /** @enum {string} */
          interval?: "month" | "year";
          rolloverPercent?: number;
          rolloverMaxCredits?: number | null;
          priceCents?: number;
          currency?: string;
          creditExpiryDays?: number;
          isLegacy?: boolean;
          isActive?: boolean;
          features?: {
            [key: string]: {
              enabled?: boolean;
              price?: {
                credits: number;
                perUnits: number;
              } | null;
              includedUnits?: number;
            };
          };
        };
      };
    };
    responses: {
      /** @description Created. */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["SubscriptionPlan"];
        };
      };
      /** @description Invalid input: the body is not a JSON object or a field is wrong (`field` names it). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The key (or user) is not an admin. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `conflict`: the internal id (or family and version, or Stripe price) is taken. */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is over 1 MiB. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is not JSON (`Content-Type: application/json`). */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description Stripe is unavailable; nothing was created. */
      503: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getSubscriptionPlan: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The plan. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["SubscriptionPlan"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The key (or user) is not an admin. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No such plan. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  deleteSubscriptionPlan: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description `{deleted: true}`, or `{archived: true, plan}`. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json":
            | components["schemas"]["Deleted"]
            | {
                /** @enum {boolean} */
                archived: true;
                plan: components["schemas"]["SubscriptionPlan"];
              };
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The key (or user) is not an admin. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No such plan. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description Stripe is unavailable; nothing was changed. */
      503: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  updateSubscriptionPlan: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "publicName": "Starter (2026)",
         *       "features": {
         *         "images": {
         *           "includedUnits": 150
         *         }
         *       }
         *     }
         */
        "application/json": {
          publicName?: string;
          isLegacy?: boolean;
          isActive?: boolean;
          creditExpiryDays?: number;
          internalId?: string;
          planFamily?: string;
          version?: number;
          stripePriceId?: string | null;
          credits?: number;
          /** @enum {string} */
          interval?: "month" | "year";
          priceCents?: number;
          currency?: string;
          rolloverPercent?: number;
          rolloverMaxCredits?: number | null;
          features?: {
            [key: string]: {
              enabled?: boolean;
              price?: {
                credits: number;
                perUnits: number;
              } | null;
              includedUnits?: number;
            };
          };
        };
      };
    };
    responses: {
      /** @description The plan as edited. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["SubscriptionPlan"];
        };
      };
      /** @description Feature terms changed on a plan with subscribers: a new version of the family (a new Stripe price of the same amount) with the new terms; the edited version is marked legacy and its subscribers keep its terms. */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["SubscriptionPlan"];
        };
      };
      /** @description Invalid input: the body is not a JSON object or a field is wrong (`field` names it). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The key (or user) is not an admin. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No such plan. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is over 1 MiB. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is not JSON (`Content-Type: application/json`). */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description Stripe is unavailable; nothing was changed. */
      503: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  listTopupPlans: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The plans. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            data: components["schemas"]["TopupPlan"][];
          };
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The key (or user) is not an admin. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  createTopupPlan: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "internalId": "pack-500",
         *       "publicName": "500 credits",
         *       "credits": 500,
         *       "priceCents": 500
         *     }
         */
        "application/json": {
          internalId: string;
          publicName: string;
          stripePriceId?: string;
          credits: number;
          priceCents?: number;
          currency?: string;
          creditExpiryDays?: number;
          isLegacy?: boolean;
          isActive?: boolean;
        };
      };
    };
    responses: {
      /** @description Created. */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["TopupPlan"];
        };
      };
      /** @description Invalid input: the body is not a JSON object or a field is wrong (`field` names it). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The key (or user) is not an admin. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `conflict`: the internal id (or family and version, or Stripe price) is taken. */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is over 1 MiB. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is not JSON (`Content-Type: application/json`). */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description Stripe is unavailable; nothing was created. */
      503: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getTopupPlan: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The plan. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["TopupPlan"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The key (or user) is not an admin. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No such plan. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  deleteTopupPlan: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description `{deleted: true}`, or `{archived: true, plan}`. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json":
            | components["schemas"]["Deleted"]
            | {
                /** @enum {boolean} */
                archived: true;
                plan: components["schemas"]["TopupPlan"];
              };
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The key (or user) is not an admin. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No such plan. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description Stripe is unavailable; nothing was changed. */
      503: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  updateTopupPlan: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "publicName": "Starter (2026)",
         *       "isLegacy": true
         *     }
         */
        "application/json": {
          publicName?: string;
          isLegacy?: boolean;
          isActive?: boolean;
          creditExpiryDays?: number;
          internalId?: string;
          planFamily?: string;
          version?: number;
          stripePriceId?: string | null;
          credits?: number;
          /** @enum {string} */
          interval?: "month" | "year";
          priceCents?: number;
          currency?: string;
          rolloverPercent?: number;
          rolloverMaxCredits?: number | null;
        };
      };
    };
    responses: {
      /** @description The plan as edited. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["TopupPlan"];
        };
      };
      /** @description Invalid input: the body is not a JSON object or a field is wrong (`field` names it). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The key (or user) is not an admin. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No such plan. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is over 1 MiB. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is not JSON (`Content-Type: application/json`). */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description Stripe is unavailable; nothing was changed. */
      503: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  listFeatures: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The features. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            data: components["schemas"]["Feature"][];
          };
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The key (or user) is not an admin. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  createFeature: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "key": "tokens",
         *       "name": "Tokens",
         *       "unitName": "token",
         *       "price": {
         *         "credits": 1,
         *         "perUnits": 1000
         *       }
         *     }
         */
        "application/json": {
          key: string;
          name: string;
          unitName: string;
          description?: string | null;
          price: {
            credits: number;
            perUnits: number;
          };
        };
      };
    };
    responses: {
      /** @description Created. */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Feature"];
        };
      };
      /** @description Invalid input: the body is not a JSON object or a field is wrong (`field` names it). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The key (or user) is not an admin. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `conflict`: a feature with this key exists. */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is over 1 MiB. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is not JSON (`Content-Type: application/json`). */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `storage_unavailable` (the disk is full, read-only or failing) or `service_unavailable` (the database is busy): nothing was written; retry after `Retry-After` seconds. */
      503: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  getFeature: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        key: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The feature. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Feature"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The key (or user) is not an admin. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No such feature. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  updateFeature: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        key: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "name": "LLM tokens",
         *       "archived": false
         *     }
         */
        "application/json": {
          name?: string;
          unitName?: string;
          description?: string | null;
          archived?: boolean;
        };
      };
    };
    responses: {
      /** @description The feature as edited. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Feature"];
        };
      };
      /** @description Invalid input: the body is not a JSON object or a field is wrong (`field` names it). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The key (or user) is not an admin. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No such feature. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is over 1 MiB. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is not JSON (`Content-Type: application/json`). */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `storage_unavailable` (the disk is full, read-only or failing) or `service_unavailable` (the database is busy): nothing was written; retry after `Retry-After` seconds. */
      503: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  createFeaturePrice: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        key: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "credits": 2,
         *       "perUnits": 1000,
         *       "effectiveAt": "2026-07-01T00:00:00Z"
         *     }
         */
        "application/json": {
          credits: number;
          perUnits: number;
          /** Format: date-time */
          effectiveAt?: string | null;
        };
      };
    };
    responses: {
      /** @description The new price version. */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["PriceVersion"] & Record<string, never>;
        };
      };
      /** @description Invalid input: the body is not a JSON object or a field is wrong (`field` names it). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The key (or user) is not an admin. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No such feature. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is over 1 MiB. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is not JSON (`Content-Type: application/json`). */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `storage_unavailable` (the disk is full, read-only or failing) or `service_unavailable` (the database is busy): nothing was written; retry after `Retry-After` seconds. */
      503: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  replayStripeEvent: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        eventId: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description What the replay did. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["StripeEventReplay"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The key (or user) is not an admin. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No such event. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description Stripe or the database is unavailable; try again. */
      503: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  listWebhookEndpoints: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Every endpoint. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            data: components["schemas"]["WebhookEndpoint"][];
          };
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The key (or user) is not an admin. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  createWebhookEndpoint: {
    parameters: {
      query?: never;
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "url": "https://example.com/hooks/credits",
         *       "events": [
         *         "credits.granted",
         *         "balance.low",
         *         "balance.depleted"
         *       ],
         *       "description": "billing service"
         *     }
         */
        "application/json": {
          url: string;
          events?:
            | (
                | "credits.granted"
                | "credits.deducted"
                | "credits.expired"
                | "credits.voided"
                | "credits.expiring_soon"
                | "balance.low"
                | "balance.depleted"
                | "hold.expired"
              )[]
            | null;
          description?: string | null;
        };
      };
    };
    responses: {
      /** @description Registered. */
      201: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["CreatedWebhookEndpoint"];
        };
      };
      /** @description A field is not valid: `url` must be http(s) without credentials or fragment, and its host must not resolve to a loopback, private, link-local, unique-local, multicast or reserved address (nor IPv4-mapped forms of those) unless it is listed in `WEBHOOK_ALLOWED_HOSTS`; in production plain http:// only to such a listed host. `events` must be known types. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The key (or user) is not an admin. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `conflict`: there are already 50 endpoints; delete one first. */
      409: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is over 1 MiB. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is not JSON (`Content-Type: application/json`). */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `storage_unavailable` (the disk is full, read-only or failing) or `service_unavailable` (the database is busy): nothing was written; retry after `Retry-After` seconds. */
      503: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  deleteWebhookEndpoint: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description Deleted. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Deleted"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The key (or user) is not an admin. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No such endpoint. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `storage_unavailable` (the disk is full, read-only or failing) or `service_unavailable` (the database is busy): nothing was written; retry after `Retry-After` seconds. */
      503: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  updateWebhookEndpoint: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody: {
      content: {
        /**
         * @example {
         *       "enabled": false
         *     }
         */
        "application/json": {
          url?: string;
          events?: (
            | "credits.granted"
            | "credits.deducted"
            | "credits.expired"
            | "credits.voided"
            | "credits.expiring_soon"
            | "balance.low"
            | "balance.depleted"
            | "hold.expired"
          )[];
          enabled?: boolean;
          description?: string | null;
        };
      };
    };
    responses: {
      /** @description The endpoint as it is now. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["WebhookEndpoint"];
        };
      };
      /** @description A field is not valid, or none was sent. `url` must be http(s) without credentials or fragment, and its host must not resolve to a loopback, private, link-local, unique-local, multicast or reserved address (nor IPv4-mapped forms of those) unless it is listed in `WEBHOOK_ALLOWED_HOSTS`; in production plain http:// only to such a listed host. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The key (or user) is not an admin. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No such endpoint. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is over 1 MiB. */
      413: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The body is not JSON (`Content-Type: application/json`). */
      415: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `storage_unavailable` (the disk is full, read-only or failing) or `service_unavailable` (the database is busy): nothing was written; retry after `Retry-After` seconds. */
      503: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  rotateWebhookSecret: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The endpoint with its new secret. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["CreatedWebhookEndpoint"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The key (or user) is not an admin. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No such endpoint. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `storage_unavailable` (the disk is full, read-only or failing) or `service_unavailable` (the database is busy): nothing was written; retry after `Retry-After` seconds. */
      503: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  listEvents: {
    parameters: {
      query?: {
        type?:
          | "credits.granted"
          | "credits.deducted"
          | "credits.expired"
          | "credits.voided"
          | "credits.expiring_soon"
          | "balance.low"
          | "balance.depleted"
          | "hold.expired";
        limit?: number;
        cursor?: string;
      };
      header?: never;
      path?: never;
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of events. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            data: (
              | components["schemas"]["CreditsGrantedEvent"]
              | components["schemas"]["CreditsDeductedEvent"]
              | components["schemas"]["CreditsExpiredEvent"]
              | components["schemas"]["CreditsVoidedEvent"]
              | components["schemas"]["CreditsExpiringSoonEvent"]
              | components["schemas"]["BalanceLowEvent"]
              | components["schemas"]["BalanceDepletedEvent"]
              | components["schemas"]["HoldExpiredEvent"]
            )[];
            nextCursor: string | null;
          };
        };
      };
      /** @description `type`, `limit` or `cursor` is not valid (a cursor belongs to its `type`). */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The key (or user) is not an admin. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  listWebhookDeliveries: {
    parameters: {
      query?: {
        limit?: number;
        cursor?: string;
      };
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description A page of deliveries. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            data: components["schemas"]["WebhookDelivery"][];
            nextCursor: string | null;
          };
        };
      };
      /** @description `limit` or `cursor` is not valid. */
      400: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The key (or user) is not an admin. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No such endpoint. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  retryWebhookDelivery: {
    parameters: {
      query?: never;
      header?: never;
      path: {
        id: string;
      };
      cookie?: never;
    };
    requestBody?: never;
    responses: {
      /** @description The delivery, due now. */
      200: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": {
            delivery: components["schemas"]["WebhookDelivery"];
          };
        };
      };
      /** @description No valid key (or session). */
      401: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description The key (or user) is not an admin. */
      403: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description No such delivery. */
      404: {
        headers: {
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
      /** @description `storage_unavailable` (the disk is full, read-only or failing) or `service_unavailable` (the database is busy): nothing was written; retry after `Retry-After` seconds. */
      503: {
        headers: {
          /** @description Seconds until a request will be let through. */
          "Retry-After"?: string;
          [name: string]: unknown;
        };
        content: {
          "application/json": components["schemas"]["Error"];
        };
      };
    };
  };
  webhook_credits_granted: {
    parameters: {
      query?: never;
      header: {
        "webhook-id": string;
        "webhook-timestamp": string;
        "webhook-signature": string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["CreditsGrantedEvent"];
      };
    };
    responses: {
      /** @description Delivered. Anything else, or no answer within 10 s, is retried for at least 24 hours. */
      "2XX": {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
    };
  };
  webhook_credits_deducted: {
    parameters: {
      query?: never;
      header: {
        "webhook-id": string;
        "webhook-timestamp": string;
        "webhook-signature": string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["CreditsDeductedEvent"];
      };
    };
    responses: {
      /** @description Delivered. Anything else, or no answer within 10 s, is retried for at least 24 hours. */
      "2XX": {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
    };
  };
  webhook_credits_expired: {
    parameters: {
      query?: never;
      header: {
        "webhook-id": string;
        "webhook-timestamp": string;
        "webhook-signature": string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["CreditsExpiredEvent"];
      };
    };
    responses: {
      /** @description Delivered. Anything else, or no answer within 10 s, is retried for at least 24 hours. */
      "2XX": {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
    };
  };
  webhook_credits_voided: {
    parameters: {
      query?: never;
      header: {
        "webhook-id": string;
        "webhook-timestamp": string;
        "webhook-signature": string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["CreditsVoidedEvent"];
      };
    };
    responses: {
      /** @description Delivered. Anything else, or no answer within 10 s, is retried for at least 24 hours. */
      "2XX": {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
    };
  };
  webhook_credits_expiring_soon: {
    parameters: {
      query?: never;
      header: {
        "webhook-id": string;
        "webhook-timestamp": string;
        "webhook-signature": string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["CreditsExpiringSoonEvent"];
      };
    };
    responses: {
      /** @description Delivered. Anything else, or no answer within 10 s, is retried for at least 24 hours. */
      "2XX": {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
    };
  };
  webhook_balance_low: {
    parameters: {
      query?: never;
      header: {
        "webhook-id": string;
        "webhook-timestamp": string;
        "webhook-signature": string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["BalanceLowEvent"];
      };
    };
    responses: {
      /** @description Delivered. Anything else, or no answer within 10 s, is retried for at least 24 hours. */
      "2XX": {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
    };
  };
  webhook_balance_depleted: {
    parameters: {
      query?: never;
      header: {
        "webhook-id": string;
        "webhook-timestamp": string;
        "webhook-signature": string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["BalanceDepletedEvent"];
      };
    };
    responses: {
      /** @description Delivered. Anything else, or no answer within 10 s, is retried for at least 24 hours. */
      "2XX": {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
    };
  };
  webhook_hold_expired: {
    parameters: {
      query?: never;
      header: {
        "webhook-id": string;
        "webhook-timestamp": string;
        "webhook-signature": string;
      };
      path?: never;
      cookie?: never;
    };
    requestBody: {
      content: {
        "application/json": components["schemas"]["HoldExpiredEvent"];
      };
    };
    responses: {
      /** @description Delivered. Anything else, or no answer within 10 s, is retried for at least 24 hours. */
      "2XX": {
        headers: {
          [name: string]: unknown;
        };
        content?: never;
      };
    };
  };
}
