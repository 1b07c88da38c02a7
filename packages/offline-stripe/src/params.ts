import type { FormObject, FormValue } from "./form";

/** An error answered in Stripe's shape: `{error: {type, code, message, param}}`. */
export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: "invalid_request_error" | "api_error" | "card_error" | "idempotency_error",
    message: string,
    readonly code?: string,
    readonly param?: string,
  ) {
    super(message);
    this.name = "StripeApiError";
  }

  body(): { error: Record<string, string> } {
    return {
      error: {
        type: this.type,
        message: this.message,
        ...(this.code
          ? { code: this.code, doc_url: `https://stripe.com/docs/error-codes/${this.code.replace(/_/g, "-")}` }
          : {}),
        ...(this.param ? { param: this.param } : {}),
      },
    };
  }
}

export function invalid(message: string, param?: string, code?: string): StripeApiError {
  return new StripeApiError(400, "invalid_request_error", message, code, param);
}

export function missingParam(param: string): StripeApiError {
  return invalid(`Missing required param: ${param}.`, param, "parameter_missing");
}

export function noSuch(kind: string, id: string, param = "id"): StripeApiError {
  return new StripeApiError(404, "invalid_request_error", `No such ${kind}: '${id}'`, "resource_missing", param);
}

/** Typed reads of one form-encoded parameter, failing the way Stripe does. */
export class Params {
  constructor(
    readonly raw: FormObject,
    private readonly prefix = "",
  ) {}

  private name(key: string): string {
    return this.prefix ? `${this.prefix}[${key}]` : key;
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined;
  }

  string(key: string): string | undefined {
    const v = this.raw[key];
    if (v === undefined) return undefined;
    if (typeof v !== "string")
      throw invalid(`Invalid string: ${JSON.stringify(v)}`, this.name(key), "parameter_invalid_string");
    return v;
  }

  requiredString(key: string): string {
    const v = this.string(key);
    if (v === undefined || v === "") throw missingParam(this.name(key));
    return v;
  }

  /** "" clears a nullable field, as in Stripe; undefined leaves it. */
  nullableString(key: string): string | null | undefined {
    const v = this.string(key);
    return v === "" ? null : v;
  }

  integer(key: string, opts: { min?: number } = {}): number | undefined {
    const v = this.string(key);
    if (v === undefined) return undefined;
    if (!/^-?\d+$/.test(v)) throw invalid(`Invalid integer: ${v}`, this.name(key), "parameter_invalid_integer");
    const n = Number(v);
    if (opts.min !== undefined && n < opts.min) {
      throw invalid(
        `This value must be greater than or equal to ${opts.min}.`,
        this.name(key),
        "parameter_invalid_integer",
      );
    }
    return n;
  }

  boolean(key: string): boolean | undefined {
    const v = this.string(key);
    if (v === undefined) return undefined;
    if (v === "true") return true;
    if (v === "false") return false;
    throw invalid(`Invalid boolean: ${v}`, this.name(key));
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T | undefined {
    const v = this.string(key);
    if (v === undefined) return undefined;
    if (!allowed.includes(v as T)) {
      throw invalid(`Invalid ${key}: must be one of ${allowed.join(", ")}`, this.name(key), "parameter_invalid_string");
    }
    return v as T;
  }

  object(key: string): Params | undefined {
    const v = this.raw[key];
    if (v === undefined || v === "") return undefined;
    if (typeof v !== "object" || Array.isArray(v)) throw invalid(`Invalid object`, this.name(key));
    return new Params(v, this.name(key));
  }

  array(key: string): Params[] | undefined {
    const v = this.raw[key];
    if (v === undefined || v === "") return undefined;
    if (!Array.isArray(v)) throw invalid(`Invalid array`, this.name(key));
    return v.map((item, i) => {
      if (typeof item !== "object" || Array.isArray(item)) throw invalid(`Invalid object`, `${this.name(key)}[${i}]`);
      return new Params(item, `${this.name(key)}[${i}]`);
    });
  }

  stringArray(key: string): string[] | undefined {
    const v = this.raw[key];
    if (v === undefined) return undefined;
    const list: FormValue[] = Array.isArray(v) ? v : [v];
    return list.map((item, i) => {
      if (typeof item !== "string") throw invalid(`Invalid string`, `${this.name(key)}[${i}]`);
      return item;
    });
  }

  /**
   * Metadata as Stripe applies it on update: keys merge into `current`, a key set to "" is
   * removed, and `metadata=""` clears everything.
   */
  metadata(key = "metadata", current: Record<string, string> = {}): Record<string, string> | undefined {
    const v = this.raw[key];
    if (v === undefined) return undefined;
    if (v === "") return {};
    if (typeof v !== "object" || Array.isArray(v)) throw invalid("Invalid hash", this.name(key));
    const next = { ...current };
    for (const [k, value] of Object.entries(v)) {
      if (typeof value !== "string") throw invalid("Metadata values must be strings", `${this.name(key)}[${k}]`);
      if (k.length > 40) throw invalid("Metadata keys can have up to 40 characters", `${this.name(key)}[${k}]`);
      if (value.length > 500) throw invalid("Metadata values can have up to 500 characters", `${this.name(key)}[${k}]`);
      if (value === "") delete next[k];
      else next[k] = value;
    }
    if (Object.keys(next).length > 50) throw invalid("Metadata can have up to 50 keys", this.name(key));
    return next;
  }

  expand(): string[] {
    return this.stringArray("expand") ?? [];
  }
}
