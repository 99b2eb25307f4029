import { expect } from "chai";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { previousUtcDay, rollupPreviousUtcDay, utcDayWindow } from "../../src/syncHealth";
import { recordingDb } from "../support/capture";

describe("sync-health days", () => {
  it("is the UTC day's half-open window", () => {
    expect(utcDayWindow("2026-03-14")).to.deep.equal({ start: new Date("2026-03-14T00:00:00Z"), end: new Date("2026-03-15T00:00:00Z") });
    expect(utcDayWindow("2024-02-29").end).to.deep.equal(new Date("2024-03-01T00:00:00Z"));
  });

  for (const bad of ["2026-02-30", "2026-13-01", "2026-3-14", "20260314", "", "2026-03-14T00:00:00Z", "yesterday"]) {
    it(`rejects ${JSON.stringify(bad)} as a day`, () => {
      expect(() => utcDayWindow(bad)).to.throw(/not a UTC day/);
    });
  }

  it("picks the previous UTC day of a schedule time, across month and year ends", () => {
    expect(previousUtcDay(new Date("2026-03-15T00:15:00Z"))).to.equal("2026-03-14");
    expect(previousUtcDay(new Date("2024-03-01T00:15:00Z"))).to.equal("2024-02-29");
    expect(previousUtcDay(new Date("2027-01-01T00:00:00Z"))).to.equal("2026-12-31");
  });

  it("rejects an unreadable schedule time before touching Firestore", async () => {
    const { db, writes } = recordingDb();
    let error: unknown;
    await rollupPreviousUtcDay(db, "not a time").catch((caught: unknown) => (error = caught));
    expect(String(error)).to.match(/unreadable schedule time/);
    expect(writes).to.deep.equal([]);
  });
});

describe("sync-health rollup queries", () => {
  // The emulator does not enforce indexes: production would be the first to notice a missing one.
  it("have the collection-group indexes their day-range counts need in firestore.indexes.json", () => {
    const file = JSON.parse(readFileSync(join(__dirname, "../../../firestore.indexes.json"), "utf8")) as {
      fieldOverrides: { collectionGroup: string; fieldPath: string; indexes: { order?: string; queryScope: string }[] }[];
    };
    for (const [collectionGroup, fieldPath] of [["conflicts", "detectedAt"], ["tombstones", "deletedAt"]]) {
      const override = file.fieldOverrides.find((o) => o.collectionGroup === collectionGroup && o.fieldPath === fieldPath);
      const groupScoped = override?.indexes.some((index) => index.queryScope === "COLLECTION_GROUP" && index.order === "ASCENDING");
      expect(groupScoped, `${collectionGroup}.${fieldPath}`).to.equal(true);
    }
  });
});
