// The browser suite must fail, saying how to get Chromium, on a machine without it: never pass silently.
import { expect } from "chai";
import { chromiumPath } from "../../browser/support/browser";

describe("browser suite: finding Chromium", () => {
  const saved = process.env.CHROMIUM_PATH;
  afterEach(() => {
    if (saved === undefined) delete process.env.CHROMIUM_PATH;
    else process.env.CHROMIUM_PATH = saved;
  });

  it("takes CHROMIUM_PATH when it names a file", () => {
    process.env.CHROMIUM_PATH = process.execPath;
    expect(chromiumPath()).to.equal(process.execPath);
  });

  it("refuses a CHROMIUM_PATH that does not exist, in one sentence saying how to get Chromium", () => {
    process.env.CHROMIUM_PATH = "/nonexistent/chromium";
    expect(() => chromiumPath()).to.throw(/^No Chromium at \/nonexistent\/chromium: install it with `apt-get update && apt-get install -y chromium`.*CHROMIUM_PATH/);
  });
});
