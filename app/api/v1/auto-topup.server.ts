/**
 * PATCH /api/v1/users/:userId/auto-topup (admin key) — a customer's auto top-up setting:
 * `{enabled?, topupPlanId?, threshold?, monthlyCapPacks?}`; fields left out keep their values (the
 * first call that turns it on needs all three numbers). Answers the setting as the billing page
 * shows it: `{userId, enabled, topupPlanId, threshold, monthlyCapPacks, notice, usedThisMonth,
 * attempts}`. Unknown fields are refused; turning it on needs a pack on sale and a saved card
 * (409 `conflict` otherwise). How auto top-up works: app/billing/auto-topup.server.ts.
 */
import { apiKeyActor } from "../../auth/api-keys.server";
import { setAutoTopup } from "../../billing/auto-topup.server";
import { autoTopupPatchSchema } from "../../billing/auto-topup-input";
import { jsonAnswer } from "../../utils/http.server";
import { idParam, jsonBody, type Endpoint } from "./call.server";

export const autoTopupBody = autoTopupPatchSchema;

export const updateAutoTopupEndpoint: Endpoint = {
  scope: "admin",
  maxBodyBytes: 4096,
  run(call) {
    const userId = idParam(call, "userId", "user");
    const { input } = jsonBody(call, autoTopupBody);
    const view = setAutoTopup(call.context, userId, input, apiKeyActor(call.apiKey));
    return jsonAnswer({ userId, ...view });
  },
};
