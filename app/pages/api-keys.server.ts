import type { SubmissionResult } from "@conform-to/react";
import { parseWithZod } from "@conform-to/zod";
import { userActor } from "../auth/audit.server";
import { createApiKey, getApiKey, listApiKeys, revokeApiKey, type ApiKeyScope } from "../auth/api-keys.server";
import type { DbClock } from "../utils/context.server";
import { httpStatusFor, isAppError } from "../utils/errors";
import { replyWithError } from "../utils/forms.server";
import { createKeySchema, revokeKeySchema } from "./api-key-forms";

/** A key as the page lists it: never the key or its hash. */
export interface ApiKeyRow {
  id: number;
  name: string;
  scope: ApiKeyScope;
  prefix: string;
  rateLimitPerSecond: number | null;
  lastUsedAt: string | null;
  createdAt: string;
  createdBy: string | null;
  revokedAt: string | null;
}

export function apiKeysView(ctx: DbClock): { keys: ApiKeyRow[] } {
  const keys = listApiKeys(ctx.db)
    .map((k) => ({
      id: k.id,
      name: k.name,
      scope: k.scope,
      prefix: k.prefix,
      rateLimitPerSecond: k.rateLimitPerSecond,
      lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
      createdAt: k.createdAt.toISOString(),
      createdBy: k.createdBy,
      revokedAt: k.revokedAt?.toISOString() ?? null,
    }))
    // Live keys first, newest first within each group.
    .sort((a, b) => Number(a.revokedAt !== null) - Number(b.revokedAt !== null) || b.id - a.id);
  return { keys };
}

export type ApiKeysAnswer =
  | { status: number; form: "create" | "revoke"; result: SubmissionResult<string[]> }
  /** Created: the whole key, in this answer only (the page is not redirected, so it is never stored anywhere). */
  | {
      status: 200;
      form: "create";
      result: SubmissionResult<string[]>;
      created: { id: number; name: string; key: string };
    }
  | {
      status: 200;
      form: "revoke";
      result: SubmissionResult<string[]>;
      revokeConfirm: { id: number; name: string; prefix: string; scope: ApiKeyScope; lastUsedAt: string | null };
    }
  /** Done: the page redirects with this toast. */
  | { status: 303; message: string };

/** The page's posts: `create`, then `confirm-revoke` (writes nothing) and `revoke`. */
export function submitApiKeysForm(ctx: DbClock, admin: { id: number }, form: FormData): ApiKeysAnswer {
  if (form.get("intent") === "create") return create(ctx, admin, form);
  const submission = parseWithZod(form, { schema: revokeKeySchema });
  if (submission.status !== "success") {
    return { status: 400, form: "revoke", result: submission.reply({ formErrors: ["That action is not available."] }) };
  }
  const v = submission.value;
  const key = getApiKey(ctx.db, v.id);
  const refuse = (status: number, message: string) => ({
    status,
    form: "revoke" as const,
    result: submission.reply({ formErrors: [message] }),
  });
  if (!key) return refuse(404, "There is no such key.");
  if (key.revokedAt) return refuse(409, `“${key.name}” is already revoked.`);
  if (v.intent === "confirm-revoke") {
    const { id, name, prefix, scope } = key;
    return {
      status: 200,
      form: "revoke",
      result: submission.reply(),
      revokeConfirm: { id, name, prefix, scope, lastUsedAt: key.lastUsedAt?.toISOString() ?? null },
    };
  }
  // The prefix the review showed: a stale or forged page revokes nothing.
  if (v.prefix !== key.prefix) return refuse(409, "This confirmation does not match the key; start again.");
  revokeApiKey(ctx, { id: key.id, actor: userActor(admin.id) });
  return { status: 303, message: `Revoked “${key.name}” (${key.prefix}…): requests with it are refused from now on.` };
}

function create(ctx: DbClock, admin: { id: number }, form: FormData): ApiKeysAnswer {
  const submission = parseWithZod(form, { schema: createKeySchema });
  if (submission.status !== "success") return { status: 400, form: "create", result: submission.reply() };
  const v = submission.value;
  try {
    const { key, record } = createApiKey(ctx, {
      name: v.name,
      scope: v.scope,
      rateLimitPerSecond: v.rateLimitPerSecond ?? null,
      createdBy: userActor(admin.id),
    });
    return {
      status: 200,
      form: "create",
      result: submission.reply({ resetForm: true }),
      created: { id: record.id, name: record.name, key },
    };
  } catch (e) {
    if (!isAppError(e)) throw e;
    return {
      status: httpStatusFor(e.code),
      form: "create",
      result: replyWithError(submission, e, { fields: ["name", "scope", "rateLimitPerSecond"] }),
    };
  }
}
