// ESLint (flat config): typescript-eslint, React, hooks, accessibility, and the import rules of
// ../shared/STYLE.md — routes/, the CLI → billing/ → credits/, plans/, auth/ → db/, utils/.
import js from "@eslint/js";
import jsxA11y from "eslint-plugin-jsx-a11y";
import react from "eslint-plugin-react";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

/** Import patterns (relative from app/<folder>/ up to two levels deeper, or `~/`) that reach into the given app folders. */
const into = (...folders) =>
  folders.flatMap((f) => [
    `~/${f}/*`,
    `~/${f}`,
    ...["../", "../../", "../../../"].flatMap((up) => [`${up}${f}/*`, `${up}${f}`]),
  ]);

/** One boundary: files under `from` may not import the listed folders (nor what `more` patterns name). */
const boundary = (from, forbidden, why, more = []) => ({
  files: [`${from}/**/*.{ts,tsx}`],
  ignores: ["**/*.test.{ts,tsx}", "**/test-support.ts", "**/__tests__/**", "**/__fixtures__/**"],
  rules: {
    "no-restricted-imports": [
      "error",
      { patterns: [{ group: into(...forbidden), message: why }, offlineStripeEntryOnly, ...more] },
    ],
  },
});

const web = ["routes", "pages", "components", "server", "cli", "api"];

/** The credit engine's tables: other domains call app/credits/index.server.ts instead (decisions 006, 016). */
const creditTablesOwnedByCredits = {
  group: ["**/db/schema", "../../db/schema", "../../../db/schema"],
  importNames: [
    "creditGrants",
    "creditLedger",
    "ledgerAllocations",
    "creditHolds",
    "holdAllocations",
    "creditRollovers",
  ],
  message:
    "The credit engine owns its tables: ask app/credits/index.server.ts (docs/decisions/016-grant-source-refs.md).",
};

/** Billing's tables: the price book does not read them; billing answers (e.g. isPlanInUse) and passes the answer in. */
const billingTablesOwnedByBilling = {
  group: ["**/db/schema", "../../db/schema", "../../../db/schema"],
  importNames: [
    "userSubscriptions",
    "topupPurchases",
    "subscriptionInvoices",
    "subscriptionHistory",
    "stripeEvents",
    "autoTopupAttempts",
    "autoTopupSettings",
  ],
  message:
    "Billing owns its tables: plans/ asks nothing of them; billing answers (app/billing/subscription-state.server.ts isPlanInUse) and passes the answer in.",
};

/** The offline Stripe is a package with one public entry (packages/offline-stripe/src/index.ts). */
const offlineStripeEntryOnly = {
  group: ["@credit-billing/offline-stripe/*", "**/packages/offline-stripe/*", "**/packages/offline-stripe/src/**"],
  message: 'Use the offline Stripe only through its entry: import from "@credit-billing/offline-stripe".',
};

export default tseslint.config(
  {
    ignores: [
      "build/**",
      "node_modules/**",
      "public/**",
      "test-results/**",
      "playwright-report/**",
      ".cache/**",
      "data/**",
      ".tmp/**",
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ["**/*.{ts,tsx,js,mjs,cjs}"],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" },
      ],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "no-empty": ["error", { allowEmptyCatch: true }],
    },
  },
  {
    files: ["app/**/*.tsx", "e2e/**/*.tsx"],
    plugins: { react, "react-hooks": reactHooks, "jsx-a11y": jsxA11y },
    settings: { react: { version: "detect" } },
    rules: {
      ...react.configs.recommended.rules,
      ...react.configs["jsx-runtime"].rules,
      "react/prop-types": "off",
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "warn",
      ...jsxA11y.flatConfigs.recommended.rules,
    },
  },
  {
    files: ["app/**/*.{ts,tsx}", "e2e/**/*.ts", "test/**/*.ts", "scripts/**/*.{ts,mjs}"],
    rules: { "no-restricted-imports": ["error", { patterns: [offlineStripeEntryOnly] }] },
  },
  {
    files: ["packages/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["~/*", "**/app/*", "**/app/**", "**/db/*", "**/test/db"],
              message: "A package stands alone: the app passes in what it needs.",
            },
          ],
        },
      ],
    },
  },
  boundary(
    "app/credits",
    ["billing", "plans", "features", "auth", ...web],
    "credits/ knows nothing of Stripe, plans or the web layer (STYLE.md).",
  ),
  boundary(
    "app/plans",
    ["billing", "credits", "auth", ...web],
    "plans/ is the price book: no Stripe, no credits, no web layer (STYLE.md).",
    [billingTablesOwnedByBilling, creditTablesOwnedByCredits],
  ),
  boundary(
    "app/features",
    ["billing", "plans", "auth", ...web],
    "features/ is the rate card: it may import credits/, db/ and utils/ only (a plan is an id; billing passes plan terms in).",
    [billingTablesOwnedByBilling, creditTablesOwnedByCredits],
  ),
  boundary(
    "app/auth",
    ["billing", "credits", "plans", ...web],
    "auth/ sits below billing and the web layer (STYLE.md).",
  ),
  boundary(
    "app/events",
    ["billing", "credits", "plans", "auth", "webhooks", ...web],
    "events/ is the outbox under credits, billing and auth: it may import db/ and utils/ only.",
  ),
  boundary(
    "app/webhooks",
    ["billing", "credits", "plans", "auth", ...web],
    "webhooks/ consumes events/: it may import events/, db/ and utils/ only.",
  ),
  boundary(
    "app/mail",
    ["billing", "credits", "plans", "auth", ...web],
    "mail/ sits below auth and billing: it renders and sends what they enqueue (STYLE.md).",
  ),
  boundary("app/billing", web, "billing/ is domain code: the web layer calls it, not the other way (STYLE.md).", [
    creditTablesOwnedByCredits,
  ]),
  boundary(
    "app/utils",
    ["billing", "credits", "plans", "auth", ...web],
    "utils/ is small and boring: no domain imports (STYLE.md).",
  ),
  {
    files: ["db/**/*.ts"],
    ignores: ["**/*.test.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["../app/*", "~/*"],
              message: "db/ is below every domain: it may not import app code (STYLE.md).",
            },
          ],
        },
      ],
    },
  },
);
