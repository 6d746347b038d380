import { describe, expect, it } from "vitest";
import { RateLimiter } from "./rate-limiter.js";

describe("RateLimiter", () => {
  it("reserves slots 1/rate apart, even for callers arriving at the same instant", async () => {
    const now = 0;
    const waits: number[] = [];
    const limiter = new RateLimiter(
      10,
      async (ms) => {
        waits.push(ms);
      },
      () => now,
    );
    for (let i = 0; i < 4; i++) await limiter.acquire();
    expect(waits).toEqual([100, 200, 300]);
  });

  it("does not wait without a rate", async () => {
    const waits: number[] = [];
    const limiter = new RateLimiter(undefined, async (ms) => {
      waits.push(ms);
    });
    await limiter.acquire();
    await limiter.acquire();
    expect(waits).toEqual([]);
  });
});
