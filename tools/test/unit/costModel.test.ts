// The dollar cost model (bench/costModel.ts): hand-computed bills at the cited prices, the free
// tier (per day for Firestore, per month for functions), and input checking.
import { expect } from "chai";
import { CostModelInput, FREE_TIER, PRICES, UsagePerUserPerDay, costTable, monthlyCost } from "../../../bench/costModel";

const CENT = 1e-9;

const NONE: UsagePerUserPerDay = { reads: 0, writes: 0, deletes: 0, ttlDeletes: 0, functionInvocations: 0, functionComputeSeconds: 0, storedGiBPerUser: 0 };

/** The worked example in docs/cost.md. */
const EXAMPLE: CostModelInput = {
  users: 1000,
  perUserPerDay: { reads: 500, writes: 10, deletes: 1, ttlDeletes: 1, functionInvocations: 10, functionComputeSeconds: 0.5, storedGiBPerUser: 0.001 },
};

function lineOf(input: CostModelInput, item: string) {
  const line = monthlyCost(input).lines.find((candidate) => candidate.item === item);
  if (!line) throw new Error(`no line ${item}`);
  return line;
}

describe("cost model: the price tables", () => {
  for (const [name, table] of Object.entries({ PRICES, FREE_TIER })) {
    it(`${name}: every entry is frozen, positive, sourced at https and dated`, () => {
      expect(Object.isFrozen(table)).to.equal(true);
      for (const entry of Object.values(table)) {
        expect(Object.isFrozen(entry)).to.equal(true);
        const amount = "usd" in entry ? entry.usd : entry.amount;
        expect(amount).to.be.greaterThan(0);
        expect(entry.source).to.match(/^https:\/\//);
        expect(entry.read).to.equal("2026-12-06");
        expect(entry.appliesTo).to.not.equal("");
      }
    });
  }

  it("quotes Firestore at us-central1 and functions at Cloud Run Tier 1", () => {
    expect(PRICES.firestoreRead.appliesTo).to.contain("us-central1");
    expect(PRICES.functionCpu.appliesTo).to.contain("Tier 1");
  });
});

describe("cost model: hand-computed bills", () => {
  it("1,000 users × 500 reads a day × 30 days: 15M reads, $4.50, $4.05 after 50,000 free a day", () => {
    const line = lineOf({ users: 1000, perUserPerDay: { ...NONE, reads: 500 } }, "Firestore document reads");
    expect(line.quantity).to.equal(15_000_000);
    expect(line.usd).to.be.closeTo((15_000_000 / 100_000) * 0.03, CENT);
    expect(line.usdAfterFreeTier).to.be.closeTo((450_000 * 30 / 100_000) * 0.03, CENT);
  });

  it("writes under 20,000 a day cost nothing after the free tier", () => {
    const line = lineOf({ users: 1000, perUserPerDay: { ...NONE, writes: 10 } }, "Firestore document writes");
    expect(line.usd).to.be.closeTo(0.27, CENT);
    expect(line.usdAfterFreeTier).to.equal(0);
  });

  it("applies Firestore's free quota each day, so a longer month leaves more billable", () => {
    const input = { users: 1000, perUserPerDay: { ...NONE, writes: 25 } };
    expect(lineOf(input, "Firestore document writes").usdAfterFreeTier).to.be.closeTo((5_000 * 30 / 100_000) * 0.09, CENT);
    expect(lineOf({ ...input, daysPerMonth: 31 }, "Firestore document writes").usdAfterFreeTier).to.be.closeTo((5_000 * 31 / 100_000) * 0.09, CENT);
  });

  it("bills TTL deletes at the delete price with no free quota", () => {
    const line = lineOf({ users: 1000, perUserPerDay: { ...NONE, ttlDeletes: 1 } }, "Firestore TTL deletes");
    expect(line.usd).to.be.closeTo((30_000 / 100_000) * 0.01, CENT);
    expect(line.usdAfterFreeTier).to.equal(line.usd);
  });

  it("bills stored data above 1 GiB: 10,000 users × 1 MiB-ish is 10 GiB, $1.50, $1.35 after", () => {
    const line = lineOf({ users: 10_000, perUserPerDay: { ...NONE, storedGiBPerUser: 0.001 } }, "Firestore stored data");
    expect(line.usd).to.be.closeTo(1.5, CENT);
    expect(line.usdAfterFreeTier).to.be.closeTo(1.35, CENT);
  });

  it("functions: 1,000 users × 10 invocations of 0.05 s, 256 MiB and 1 vCPU by default, all inside the monthly free tier", () => {
    const input = { users: 1000, perUserPerDay: { ...NONE, functionInvocations: 10, functionComputeSeconds: 0.5 } };
    const invocations = lineOf(input, "Function invocations");
    const cpu = lineOf(input, "Function CPU");
    const memory = lineOf(input, "Function memory");
    expect([invocations.quantity, cpu.quantity, memory.quantity]).to.deep.equal([300_000, 15_000, 3_750]);
    expect(invocations.usd).to.be.closeTo(0.12, CENT);
    expect(cpu.usd).to.be.closeTo(0.36, CENT);
    expect(memory.usd).to.be.closeTo(0.009375, CENT);
    expect([invocations, cpu, memory].map((line) => line.usdAfterFreeTier)).to.deep.equal([0, 0, 0]);
  });

  it("functions beyond the monthly free tier: 100,000 users × 10 invocations of 0.1 s", () => {
    const input = { users: 100_000, perUserPerDay: { ...NONE, functionInvocations: 10, functionComputeSeconds: 1 } };
    expect(lineOf(input, "Function invocations").usdAfterFreeTier).to.be.closeTo((28_000_000 / 1_000_000) * 0.4, CENT);
    expect(lineOf(input, "Function CPU").usdAfterFreeTier).to.be.closeTo((3_000_000 - 180_000) * 0.000024, CENT);
    expect(lineOf(input, "Function memory").usdAfterFreeTier).to.be.closeTo((750_000 - 360_000) * 0.0000025, CENT);
  });

  it("scales CPU with functionVcpu and memory with functionMemoryGiB", () => {
    const input = { users: 1000, perUserPerDay: { ...NONE, functionComputeSeconds: 0.5 }, functionVcpu: 0.1666, functionMemoryGiB: 0.5 };
    expect(lineOf(input, "Function CPU").quantity).to.be.closeTo(15_000 * 0.1666, CENT);
    expect(lineOf(input, "Function memory").quantity).to.be.closeTo(7_500, CENT);
  });

  it("gives the docs/cost.md example: $5.42 before the free tier, $4.05 after, under the $50 target", () => {
    const result = monthlyCost(EXAMPLE);
    expect(result.totalUsd).to.be.closeTo(5.415375, CENT);
    expect(result.totalUsdAfterFreeTier).to.be.closeTo(4.053, CENT);
    expect(result.totalUsdAfterFreeTier).to.be.lessThan(50);
  });

  it("totals are the sums of the lines", () => {
    const result = monthlyCost(EXAMPLE);
    expect(result.totalUsd).to.be.closeTo(result.lines.reduce((sum, line) => sum + line.usd, 0), CENT);
    expect(result.totalUsdAfterFreeTier).to.be.closeTo(result.lines.reduce((sum, line) => sum + line.usdAfterFreeTier, 0), CENT);
  });
});

describe("cost model: invariants", () => {
  it("zero usage costs zero", () => {
    const result = monthlyCost({ users: 1, perUserPerDay: NONE });
    expect(result.totalUsd).to.equal(0);
    expect(result.totalUsdAfterFreeTier).to.equal(0);
    for (const line of result.lines) expect([line.quantity, line.usd, line.usdAfterFreeTier]).to.deep.equal([0, 0, 0]);
  });

  it("never subtracts the free tier below zero, nor above the bill", () => {
    for (const users of [1, 10, 1000, 250_000]) {
      for (const scale of [0.001, 1, 40]) {
        const perUserPerDay = { reads: 500 * scale, writes: 10 * scale, deletes: scale, ttlDeletes: scale, functionInvocations: 10 * scale, functionComputeSeconds: 0.5 * scale, storedGiBPerUser: 0.001 * scale };
        for (const line of monthlyCost({ users, perUserPerDay }).lines) {
          expect(line.usdAfterFreeTier, line.item).to.be.at.least(0);
          expect(line.usdAfterFreeTier, line.item).to.be.at.most(line.usd);
        }
      }
    }
  });

  const usageFields = Object.keys(NONE) as Array<keyof UsagePerUserPerDay>;
  const inputFields = ["users", "daysPerMonth", "functionMemoryGiB", "functionVcpu"] as const;
  const DEFAULTS = { users: 1, daysPerMonth: 30, functionMemoryGiB: 0.25, functionVcpu: 1 };

  it("is monotonic in every input: raising one never lowers either total", () => {
    for (const base of [EXAMPLE, { ...EXAMPLE, users: 40_000 }, { users: 1, perUserPerDay: NONE }]) {
      const before = monthlyCost(base);
      for (const field of usageFields) {
        const after = monthlyCost({ ...base, perUserPerDay: { ...base.perUserPerDay, [field]: (base.perUserPerDay[field] ?? 0) * 3 + 1 } });
        expect(after.totalUsd, field).to.be.at.least(before.totalUsd);
        expect(after.totalUsdAfterFreeTier, field).to.be.at.least(before.totalUsdAfterFreeTier);
      }
      for (const field of inputFields) {
        const after = monthlyCost({ ...base, [field]: (base[field] ?? DEFAULTS[field]) * 2 });
        expect(after.totalUsd, field).to.be.at.least(before.totalUsd);
        expect(after.totalUsdAfterFreeTier, field).to.be.at.least(before.totalUsdAfterFreeTier);
      }
    }
  });

  it("costTable gives a header, one row a line and a totals row, all strings", () => {
    const result = monthlyCost(EXAMPLE);
    const rows = costTable(result);
    expect(rows).to.have.length(result.lines.length + 2);
    expect(rows[0]).to.deep.equal(["item", "quantity / month", "unit", "USD", "USD after free tier"]);
    expect(rows[1]).to.deep.equal(["Firestore document reads", "15,000,000", "document reads", "4.50", "4.05"]);
    expect(rows.at(-1)).to.deep.equal(["total", "", "", "5.42", "4.05"]);
    for (const row of rows) for (const cell of row) expect(cell).to.be.a("string");
  });
});

describe("cost model: bad input", () => {
  const oneSentence = (field: string) => new RegExp(`^[^\\n]*${field.replace(".", "\\.")}[^\\n]*\\.$`);

  for (const users of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
    it(`refuses users = ${users}`, () => {
      expect(() => monthlyCost({ ...EXAMPLE, users })).to.throw(Error, oneSentence("users must be a positive whole number"));
    });
  }

  for (const field of Object.keys(NONE) as Array<keyof UsagePerUserPerDay>) {
    for (const value of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      it(`refuses perUserPerDay.${field} = ${value}`, () => {
        expect(() => monthlyCost({ ...EXAMPLE, perUserPerDay: { ...EXAMPLE.perUserPerDay, [field]: value } })).to.throw(Error, oneSentence(`perUserPerDay.${field}`));
      });
    }
  }

  for (const field of ["daysPerMonth", "functionMemoryGiB", "functionVcpu"] as const) {
    for (const value of [0, -1, Number.NaN, Number.NEGATIVE_INFINITY]) {
      it(`refuses ${field} = ${value}`, () => {
        expect(() => monthlyCost({ ...EXAMPLE, [field]: value })).to.throw(Error, oneSentence(field));
      });
    }
  }

  it("refuses a missing perUserPerDay", () => {
    expect(() => monthlyCost({ users: 1 } as CostModelInput)).to.throw(Error, oneSentence("perUserPerDay"));
  });
});
