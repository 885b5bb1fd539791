// Object-storage pricing profiles: built-in list prices, overridden or
// extended by a YAML file (--pricing).

import { parse as parseYaml } from "yaml";

export interface PricingProfile {
  name: string;
  description: string;
  /** USD per GB (10^9 bytes) stored per month. */
  storagePerGBMonth: number;
  /** USD per 1,000 GET (and HEAD) requests. */
  getPer1k: number;
  /** USD per 1,000 LIST requests. */
  listPer1k: number;
  /** USD per GB read out of the provider (0 when the reader runs in the same region, or on R2). */
  egressPerGB: number;
  /** USD per GB read, charged on top of egress (S3 Infrequent Access retrieval fee). */
  retrievalPerGB: number;
}

/**
 * Public list prices (USD, us-east-1 / first pricing tier, as published in
 * 2024). Egress assumes the gateway reads from outside the provider's region;
 * define a profile with egress_per_gb: 0 for an in-region deployment.
 */
export const BUILTIN_PROFILES: readonly PricingProfile[] = [
  { name: "s3-standard", description: "AWS S3 Standard, us-east-1, internet egress", storagePerGBMonth: 0.023, getPer1k: 0.0004, listPer1k: 0.005, egressPerGB: 0.09, retrievalPerGB: 0 },
  { name: "s3-ia", description: "AWS S3 Standard-Infrequent Access, us-east-1, internet egress", storagePerGBMonth: 0.0125, getPer1k: 0.001, listPer1k: 0.01, egressPerGB: 0.09, retrievalPerGB: 0.01 },
  { name: "r2", description: "Cloudflare R2 Standard, no egress fee", storagePerGBMonth: 0.015, getPer1k: 0.00036, listPer1k: 0.0045, egressPerGB: 0, retrievalPerGB: 0 },
  { name: "gcs-standard", description: "Google Cloud Storage Standard, us-east1 region, internet egress", storagePerGBMonth: 0.02, getPer1k: 0.0004, listPer1k: 0.005, egressPerGB: 0.12, retrievalPerGB: 0 },
];

export class PricingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "PricingError";
  }
}

type PriceField = Exclude<keyof PricingProfile, "name" | "description">;

const FIELDS = {
  storage_per_gb_month: "storagePerGBMonth",
  get_per_1k: "getPer1k",
  list_per_1k: "listPer1k",
  egress_per_gb: "egressPerGB",
  retrieval_per_gb: "retrievalPerGB",
} as const satisfies Record<string, PriceField>;

/**
 * Built-in profiles with a pricing YAML applied on top:
 *
 *   profiles:
 *     s3-standard: { egress_per_gb: 0 }          # override one field
 *     minio-onprem:                              # a new profile
 *       storage_per_gb_month: 0.01
 *       get_per_1k: 0
 *       egress_per_gb: 0
 *
 * A new profile must give storage_per_gb_month, get_per_1k and egress_per_gb;
 * list_per_1k defaults to get_per_1k and retrieval_per_gb to 0.
 */
export function loadPricing(yamlText?: string, source = "pricing file"): Map<string, PricingProfile> {
  const out = new Map<string, PricingProfile>(BUILTIN_PROFILES.map((p) => [p.name, { ...p }]));
  if (yamlText === undefined) return out;
  let doc: unknown;
  try {
    doc = parseYaml(yamlText);
  } catch (e) {
    throw new PricingError(`${source}: invalid YAML: ${(e as Error).message}`);
  }
  const profiles = isRecord(doc) ? doc["profiles"] : undefined;
  if (!isRecord(profiles)) throw new PricingError(`${source}: want a "profiles:" mapping of profile name to prices`);
  for (const [name, raw] of Object.entries(profiles)) {
    if (!isRecord(raw)) throw new PricingError(`${source}: profile ${name}: want a mapping`);
    const base = out.get(name);
    const p: Partial<PricingProfile> = base ? { ...base } : { name, description: name, retrievalPerGB: 0 };
    for (const [k, v] of Object.entries(raw)) {
      if (k === "description") {
        if (typeof v !== "string") throw new PricingError(`${source}: profile ${name}: description must be a string`);
        p.description = v;
        continue;
      }
      const field = (FIELDS as Record<string, PriceField>)[k];
      if (!field) throw new PricingError(`${source}: profile ${name}: unknown field ${JSON.stringify(k)} (known: description, ${Object.keys(FIELDS).join(", ")})`);
      if (typeof v !== "number" || !Number.isFinite(v) || v < 0) throw new PricingError(`${source}: profile ${name}: ${k} must be a non-negative number`);
      p[field] = v;
    }
    if (!base) {
      for (const need of ["storage_per_gb_month", "get_per_1k", "egress_per_gb"] as const) {
        if (p[FIELDS[need]] === undefined) throw new PricingError(`${source}: new profile ${name} needs ${need}`);
      }
      p.listPer1k ??= p.getPer1k;
    }
    out.set(name, p as PricingProfile);
  }
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Monthly usage of one deployment, priced by a profile. */
export interface MonthlyUsage {
  storedBytes: number;
  gets: number;
  lists: number;
  readBytes: number;
}

export interface MonthlyCost {
  storage: number;
  requests: number;
  egress: number;
  total: number;
}

export function priceMonth(p: PricingProfile, u: MonthlyUsage): MonthlyCost {
  const storage = (u.storedBytes / 1e9) * p.storagePerGBMonth;
  const requests = (u.gets / 1000) * p.getPer1k + (u.lists / 1000) * p.listPer1k;
  const egress = (u.readBytes / 1e9) * (p.egressPerGB + p.retrievalPerGB);
  return { storage, requests, egress, total: storage + requests + egress };
}
