import { test } from "node:test";
import assert from "node:assert/strict";
import {
  addDim,
  certainlyDifferent,
  divDimExact,
  floorDivDim,
  formatShape,
  mulDim,
  parseDim,
  productDims,
  subDim,
  substituteDim,
} from "../../src/engine/shapes/dim.ts";

test("products are normalised: C*H*W equals W*C*H", () => {
  assert.equal(parseDim("C*H*W"), parseDim("W*C*H"));
  assert.equal(mulDim(mulDim("W", "C"), "H"), "C*H*W");
});

test("sums and differences collect like terms", () => {
  assert.equal(parseDim("H+2*pad-HH+1"), parseDim("1 - HH + pad*2 + H"));
  assert.equal(addDim("N", "N"), "2*N");
  assert.equal(subDim("N", "N"), 0);
  assert.equal(addDim(subDim("N", 1), 1), "N");
  assert.equal(addDim(3, 4), 7);
});

test("numbers stay numbers", () => {
  assert.equal(parseDim("12"), 12);
  assert.equal(parseDim("(img//p)**2 + 1"), "(img//p)*(img//p)+1");
  assert.equal(parseDim("N**2"), parseDim("N*N"));
  assert.equal(mulDim(3, 4), 12);
  assert.equal(productDims([2, 3, 4]), 24);
  assert.equal(productDims(["N", 2, "D"]), "2*D*N");
});

test("floor division simplifies where exact and stays symbolic where not", () => {
  assert.equal(floorDivDim(7, 2), 3);
  assert.equal(floorDivDim("2*C", 2), "C");
  assert.equal(floorDivDim("C*H", "H"), "C");
  assert.equal(floorDivDim("C", "n_head"), "C//n_head");
  assert.equal(parseDim("C // n_head"), "C//n_head");
  // a symbolic quotient multiplied back by its divisor is a product, not C
  assert.equal(mulDim(floorDivDim("C", "n_head"), 2), "2*(C//n_head)");
  assert.equal(parseDim("2*(C//n_head)"), "2*(C//n_head)");
  assert.equal(mulDim(floorDivDim("C", "n_head"), "n_head"), "(C//n_head)*n_head");
});

test("exact division (reshape's -1) divides monomials only when it can", () => {
  assert.equal(divDimExact("C*H*W", "C"), "H*W");
  assert.equal(divDimExact(12, 4), 3);
  assert.equal(divDimExact(12, 5), null);
  assert.equal(divDimExact("N*D", "M"), null);
  assert.equal(divDimExact("2*N+2", 2), "N+1");
});

test("unknown absorbs", () => {
  assert.equal(addDim(null, 1), null);
  assert.equal(mulDim("N", null), null);
  assert.equal(parseDim("?"), null);
  assert.equal(parseDim("_"), null);
  assert.equal(parseDim("a b"), null);
});

test("certainly different: numbers and constant offsets, never two symbols", () => {
  assert.equal(certainlyDifferent(3, 4), true);
  assert.equal(certainlyDifferent(3, 3), false);
  assert.equal(certainlyDifferent("N", "N+1"), true);
  assert.equal(certainlyDifferent("n", "m"), false);
  assert.equal(certainlyDifferent("N", 5), false);
  assert.equal(certainlyDifferent(null, 5), false);
});

test("substitution makes symbols concrete", () => {
  const v = new Map([
    ["N", 4],
    ["D", 3],
  ]);
  assert.equal(substituteDim("N*D+1", v), 13);
  assert.equal(substituteDim("C//n_head", new Map([["C", 12], ["n_head", 4]])), 3);
  assert.equal(substituteDim("N*K", v), "4*K");
});

test("shapes print the way numpy prints them", () => {
  assert.equal(formatShape([]), "()");
  assert.equal(formatShape(["H"]), "(H,)");
  assert.equal(formatShape(["N", null]), "(N, ?)");
  assert.equal(formatShape(null), "(?…)");
});

test("expected dims compare by value where they are written differently", async () => {
  const { sameDim } = await import("../support/expectations.ts");
  assert.equal(sameDim(parseDim("1+(H-1)//s"), "(H+s-1)//s"), true);
  assert.equal(sameDim(parseDim("C*H*W"), "W*H*C"), true);
  assert.equal(sameDim(parseDim("N"), "M"), false);
  assert.equal(sameDim(parseDim("N+1"), "N"), false);
  assert.equal(sameDim(null, "N"), false);
  assert.equal(sameDim(4, 4), true);
});
